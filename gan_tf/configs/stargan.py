"""StarGAN (Choi et al. 2018): one generator G(x, c) for every domain pair, a critic with a
domain classifier.

Sec. 4.4, "Training": lambda_cls = 1, lambda_rec = 10, lambda_gp = 10, Adam(1e-4, 0.5, 0.999),
batch size 16, n_critic = 5, CelebA at 128x128, 200,000 iterations (40,000 steps here: a step
holds n_critic critic updates and one generator update, as the authors' code counts them).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from gan_tf.configs.base import setting
from gan_tf.configs.families import TranslationConfig
from gan_tf.data.domains import CELEB_A_ATTRIBUTES, DERIVED_DOMAINS
from gan_tf.errors import UsageError
from gan_tf.networks.options import DOMAIN_CONDITIONING

ADVERSARIAL_LOSSES = ("wgan_gp", "least_squares")
# How training picks each example's target domain: "shuffle", the batch's own labels in a
# random order (the authors' code; a target may equal the source), or "other", a domain drawn
# uniformly among the k - 1 others (one-hot labels only).
TARGET_DOMAINS = ("shuffle", "other")


@dataclasses.dataclass
class StarGANConfig(TranslationConfig):
    VARIANT: ClassVar[str] = "stargan"
    XLA_CPU_RATIO: ClassVar[float | None] = 0.18  # XLA / graph steps/s, make bench
    BUILDER: ClassVar[str] = "gan_tf.models.stargan:build_stargan"
    ARCHITECTURE: ClassVar[str] = "stargan"
    ARCHITECTURE_FIELDS: ClassVar[tuple[str, ...]] = (
        *TranslationConfig.ARCHITECTURE_FIELDS,
        "domain_names",
        "num_residual_blocks",
        "domain_conditioning",
        "d_layers",
    )

    dataset: str = setting(
        "celeb_a",
        "celeb_a (attribute domains), folder:<path> (train/<domain>/) or a TFDS image dataset "
        "whose derived --domains are made from it.",
    )
    batch_size: int = setting(16, "Images per critic update (sec. 4.4: 16).", lower_bound=1)
    train_steps: int = setting(
        40_000,
        "Generator updates, each after --d_steps critic updates (sec. 4.4: 200,000 iterations "
        "with n_critic 5).",
        lower_bound=1,
    )
    d_learning_rate: float = setting(
        1e-4, "Critic learning rate (sec. 4.4: 0.0001).", lower_bound=0.0
    )
    g_learning_rate: float = setting(
        1e-4, "Generator learning rate (sec. 4.4: 0.0001).", lower_bound=0.0
    )
    d_steps: int = setting(
        5, "Critic updates per generator update (sec. 4.4: n_critic = 5).", lower_bound=1
    )
    attributes: list[str] = setting(
        list(CELEB_A_ATTRIBUTES),
        "CelebA attributes used as domains (sec. 4.2; hair colors are exclusive).",
        group="data",
    )
    domains: list[str] = setting(
        list(DERIVED_DOMAINS),
        "Derived domains of a TFDS image dataset (not celeb_a / folder:): transforms among "
        "original, inverted, rotated, colorized, grayscale, edges.",
        group="data",
    )
    lambda_cls: float = setting(
        1.0, "Domain classification weight (eq. 5, 6; sec. 4.4: 1).", lower_bound=0.0
    )
    lambda_rec: float = setting(
        10.0, "Reconstruction weight (eq. 6; sec. 4.4: 10).", lower_bound=0.0
    )
    lambda_gp: float = setting(
        10.0, "Gradient penalty weight (eq. 8; sec. 4.4: 10).", lower_bound=0.0
    )
    lambda_id: float = setting(
        0.0,
        "Weight of an identity term |G(x, own domain) - x|_1, CycleGAN's (StarGAN has none: 0; "
        "an ablation; CycleGAN's weight is half the cycle weight, i.e. 5 here).",
        lower_bound=0.0,
    )
    adversarial_loss: str = setting(
        "wgan_gp",
        "wgan_gp: the paper's (eq. 8). least_squares: Mao et al. 2017's, as CycleGAN uses, "
        "without a penalty (an ablation).",
        choices=ADVERSARIAL_LOSSES,
    )
    target_domains: str = setting(
        "shuffle",
        "How training picks target domains. shuffle: the batch's labels in a random order (the "
        "authors' code; a target can be the source's own domain). other: a random domain other "
        "than the source's (one-hot domains only, not CelebA).",
        choices=TARGET_DOMAINS,
    )
    num_residual_blocks: int = setting(
        6, "Generator residual blocks (appendix, Table 4: 6).", lower_bound=1
    )
    domain_conditioning: str = setting(
        "input",
        "input: the label tiled and joined to the image (sec. 3.1). input_and_norms: also a "
        "label-dependent scale and shift after the generator's instance norms (an ablation).",
        choices=DOMAIN_CONDITIONING,
    )
    modulation_stddev: float = setting(
        0.0,
        "With --domain_conditioning=input_and_norms: the standard deviation of the label's "
        "scale and shift weights at the start. 0: they start at zero (the network starts as "
        "the paper's); e.g. 0.5: each domain starts with its own.",
        lower_bound=0.0,
    )
    d_layers: int | None = setting(
        None,
        "Critic stride-2 layers (appendix, Table 5: 6 at 128 px; fewer for small images).",
        lower_bound=1,
    )
    domain_names: list[str] | None = setting(
        None, "The domains in label order (from the data).", flag=False
    )
    multi_label: bool | None = setting(
        None, "Labels are independent attributes (CelebA), not one-hot.", flag=False
    )
    exclusive_groups: list[list[int]] | None = setting(
        None, "Label groups of which exactly one is set (for sample grids).", flag=False
    )

    @property
    def derived_domains(self) -> list[str] | None:
        """The transforms that make the domains, for a TFDS dataset other than celeb_a."""
        from gan_tf.data.registry import get_dataset_spec

        spec = get_dataset_spec(self.dataset)
        return None if spec.name == "celeb_a" or spec.is_folder else list(self.domains)

    @property
    def celeb_a_attributes(self) -> list[str] | None:
        return list(self.attributes) if self.dataset == "celeb_a" else None

    def resolve(self) -> StarGANConfig:
        from gan_tf.data.pipelines import resolve_image_size
        from gan_tf.data.registry import get_dataset_spec
        from gan_tf.data.translation import (
            TRANSLATION_SIZES,
            default_translation_size,
            exclusive_groups,
            multi_domain_channels,
            multi_domain_names,
        )

        spec = get_dataset_spec(self.dataset)
        celeb_a = spec.name == "celeb_a"
        if list(self.attributes) != list(CELEB_A_ATTRIBUTES) and not celeb_a:
            raise UsageError("--attributes picks CelebA domains: use --dataset=celeb_a")
        if list(self.domains) != list(DERIVED_DOMAINS) and (celeb_a or spec.is_folder):
            raise UsageError(
                f"--domains derives domains from a TFDS dataset; {spec.name} has its own domains"
            )
        check_target_domains(self.target_domains, multi_label=celeb_a)
        from gan_tf.networks.stargan import check_domain_conditioning  # loads Keras

        check_domain_conditioning(self.domain_conditioning, self.modulation_stddev)
        # Sec. 4.4: CelebA cropped to 178x178 and resized to 128x128.
        size = self.image_size or (128 if celeb_a else None)
        size = default_translation_size(spec, size, fallback=128)
        size = resolve_image_size(spec, size, TRANSLATION_SIZES, model_name=self.VARIANT)
        resolved = self.replace(dataset=spec.name, image_size=size)
        names = multi_domain_names(
            spec,
            attributes=resolved.celeb_a_attributes,
            domains=resolved.derived_domains,
            data_dir=self.data_dir,
            manual_dir=self.manual_dir,
        )
        return resolved.replace(
            domain_names=names,
            multi_label=celeb_a,
            exclusive_groups=exclusive_groups(spec, names),
            channels=multi_domain_channels(spec, names),
        )

    def training_pipeline(self, start_step: int = 0):
        """Batches of `batch_size * d_steps` (images, domain labels), from batch `start_step` on:
        each critic update takes its own slice."""
        from gan_tf.data.translation import multi_domain_pipeline

        return multi_domain_pipeline(
            self.dataset,
            batch_size=self.batch_size * self.d_steps,
            image_size=self.image_size,
            attributes=self.celeb_a_attributes,
            domains=self.derived_domains,
            data_dir=self.data_dir,
            manual_dir=self.manual_dir,
            seed=self.seed,
            start_batch=start_step,
        )

    @classmethod
    def from_dict(cls, values):
        # run.json of gan_tf 0.1 kept the domain names as "domains" and the transforms as
        # "derived" (inside "extra", which `gan_tf.configs.from_run_json` has merged).
        values = dict(values)
        if values.get("attributes") is None:  # written as null for non-CelebA runs
            values.pop("attributes", None)
        if "derived" in values:
            derived = values.pop("derived")
            values["domain_names"] = values.pop("domains", None)
            if derived is not None:
                values["domains"] = derived
        return super().from_dict(values)


def check_target_domains(target_domains: str, multi_label: bool) -> None:
    """Raises UsageError (with what to do) for a target sampling the labels do not allow."""
    if target_domains not in TARGET_DOMAINS:
        raise UsageError(
            f"--target_domains={target_domains}: choose from {', '.join(TARGET_DOMAINS)}"
        )
    if target_domains == "other" and multi_label:
        raise UsageError(
            "--target_domains=other needs one-hot domains (derived domains or folder: "
            "sub-folders); CelebA's attributes are multi-label: keep --target_domains=shuffle"
        )


CONFIG = StarGANConfig
