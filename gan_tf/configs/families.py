"""Settings shared by a family of variants: Adam's betas, the noise-to-image GANs, translation.

A variant's config (`gan_tf/configs/<variant>.py`) derives from one family and declares again
only the fields whose default its paper sets differently, citing the section.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from gan_tf.configs.base import RunConfig, new_default, setting
from gan_tf.errors import UsageError


@dataclasses.dataclass
class AdamSettings:
    """Adam's moment decay rates (Kingma & Ba 2015), for the variants trained with Adam."""

    beta_1: float = setting(
        0.5, "Adam beta_1 (DCGAN, Radford et al. 2016, sec. 4: 0.5).", lower_bound=0, upper_bound=1
    )
    beta_2: float = setting(0.999, "Adam beta_2.", lower_bound=0.0, upper_bound=1.0)


# The noise-to-image networks: `gan_tf.networks.mlp`, `dcgan`, `infogan`.
ARCHITECTURES = ("mlp", "dcgan", "infogan")


@dataclasses.dataclass
class NoiseToImageConfig(RunConfig):
    """G maps noise z (and a label) to an image; D scores images (Goodfellow et al. 2014).

    The hooks of the modern GANs are settings here, off by default: the EMA generator
    (Karras et al. 2018, sec. 4.1; Yazici et al. 2019), R1 (Mescheder et al. 2018, eq. 9) and its
    lazy application (Karras et al. 2020, sec. 3.1, appendix B).
    """

    ARCHITECTURE_FIELDS: ClassVar[tuple[str, ...]] = (
        *RunConfig.ARCHITECTURE_FIELDS,
        "architecture",
        "num_classes",
        "latent_dim",
    )
    ARCHITECTURES: ClassVar[tuple[str, ...]] = ARCHITECTURES
    CONDITIONAL: ClassVar[bool] = False  # whether G and D take class labels
    # Smaller images padded with black up to image_size rather than enlarged (the style-based
    # GANs' 32x32 MNIST, as the authors' dataset_tool.py makes it).
    PAD_SMALLER_IMAGES: ClassVar[bool] = False

    architecture: str = setting(
        "dcgan",
        "Networks: fully connected (the GAN paper's), convolutional (DCGAN's) or the InfoGAN "
        "networks of the large-scale study (Lucic et al. 2018, sec. 4).",
        choices=ARCHITECTURES,
    )
    init: str = setting(
        "normal",
        "Initial weights of the DCGAN networks: normal, N(0, 0.02) (Radford et al. 2016, "
        "sec. 4), or glorot (Keras's default).",
        choices=("normal", "glorot"),
    )
    latent_dim: int = setting(
        100, "Size of the noise vector z (DCGAN, Fig. 1: 100).", lower_bound=1
    )
    latent_distribution: str = setting(
        "normal",
        "Distribution of z: normal, N(0, I), or uniform, U(-1, 1) per dimension (DCGAN, sec. "
        "4; the large-scale study's code, compare_gan abstract_gan.py `z_generator`).",
        choices=("normal", "uniform"),
    )
    d_steps: int = setting(
        1,
        "Discriminator updates per iteration, k (Goodfellow et al. 2014, Algorithm 1: k = 1).",
        lower_bound=1,
    )
    g_steps: int = setting(1, "Generator updates per iteration.", lower_bound=1)
    ema_decay: float = setting(
        0.0,
        "Decay of the generator's exponential moving average (e.g. 0.999, Karras et al. 2018, "
        "sec. 4.1); grids, generate and evaluate then use it. 0: no EMA.",
        lower_bound=0.0,
        upper_bound=1.0,
    )
    ema_start: int = setting(
        0, "Step from which the EMA averages (before it, it copies G).", lower_bound=0
    )
    raw_generator: bool = setting(
        False, "Sample grids and evaluations during training use G itself, not its EMA."
    )
    r1_gamma: float = setting(
        0.0,
        "R1 penalty gamma/2 E[|grad D(x)|^2] on real images (Mescheder et al. 2018, eq. 9); "
        "0: off.",
        lower_bound=0.0,
    )
    d_reg_interval: int = setting(
        1,
        "Apply D's regulariser every N D updates, scaled by N, Adam's rate and betas adjusted "
        "(lazy regularisation, Karras et al. 2020, sec. 3.1: 16); 1: every update.",
        lower_bound=1,
    )

    train_images: int = setting(
        0,
        "Train on the first N images of the training split only (0: all of them), as the "
        "limited-data experiments do (Karras et al. 2020b, sec. 4).",
        lower_bound=0,
        group="data",
    )
    augment: str = setting(
        "none",
        "Augment every image D sees, reals and fakes alike (limited data): none, ada (adaptive "
        "discriminator augmentation, Karras et al. 2020b), ada_fixed (ADA's pipeline at the "
        "fixed strength --ada_p) or diffaugment (Zhao et al. 2020).",
        choices=("none", "ada", "ada_fixed", "diffaugment"),
    )
    diffaugment_policy: list[str] = setting(
        ["color", "translation", "cutout"],
        "DiffAugment's policies, applied in order (Zhao et al. 2020, sec. 3: color, "
        "translation, cutout for CIFAR-10).",
    )
    ada_target: float = setting(
        0.6,
        "ADA's target for r_t = E[sign(D(real))], which raises p above it and lowers it below "
        "(Karras et al. 2020b, sec. 3: 0.6).",
        lower_bound=-1.0,
        upper_bound=1.0,
    )
    ada_interval: int = setting(
        4, "ADA adjusts p every N steps (the authors' ada_interval: 4).", lower_bound=1
    )
    ada_images: int = setting(
        500_000,
        "ADA's speed: p can go from 0 to 1 in this many real images (sec. 3: 500k).",
        lower_bound=1,
    )
    ada_p: float = setting(
        0.0,
        "With --augment=ada_fixed, the strength p of ADA's pipeline throughout training, which "
        "must be given (the authors' --aug=fixed --p; sec. 2.3 and Fig. 4 sweep it).",
        lower_bound=0.0,
        upper_bound=1.0,
    )

    def resolve(self) -> NoiseToImageConfig:
        from gan_tf.data.registry import get_dataset_spec

        spec = get_dataset_spec(self.dataset)
        labelled = self.labels_needed_by()
        if labelled and not spec.num_classes:
            raise UsageError(f"{labelled} needs class labels; dataset {spec.name!r} has none")
        return self.replace(
            dataset=spec.name,
            image_size=self.resolved_image_size(spec),
            channels=spec.channels,
            num_classes=spec.num_classes if labelled else None,
        )

    def labels_needed_by(self) -> str | None:
        """What in this run takes class labels, as the error for unlabelled data names it; None
        when nothing does."""
        return self.VARIANT if self.CONDITIONAL else None

    def resolved_image_size(self, spec) -> int:
        """The side of the images for dataset `spec`, one the networks can make; UsageError
        otherwise."""
        from gan_tf.data.pipelines import resolve_image_size
        from gan_tf.networks import dcgan, infogan

        if self.architecture not in self.ARCHITECTURES:
            raise UsageError(
                f"unknown architecture {self.architecture!r}: choose one of "
                + ", ".join(self.ARCHITECTURES)
            )
        supported = dcgan.SUPPORTED_SIZES if self.architecture == "dcgan" else None
        size = resolve_image_size(
            spec,
            self.image_size,
            supported,
            model_name=f"{self.VARIANT} ({self.architecture} networks)",
        )
        if self.architecture == "infogan":
            infogan.check_image_size(size)
        return size

    def training_pipeline(self, start_step: int = 0):
        """Global batches of `batch_size * d_steps` images (each D update takes its own
        slice), with labels for conditional models; from batch `start_step` on, the batch a
        run at that step consumes next (one batch per iteration)."""
        from gan_tf.data.pipelines import image_pipeline

        return image_pipeline(
            self.dataset,
            batch_size=self.batch_size * self.d_steps,
            image_size=self.image_size,
            split=self.split,
            train_images=self.train_images,
            with_labels=self.num_classes is not None,
            data_dir=self.data_dir,
            manual_dir=self.manual_dir,
            seed=self.seed,
            start_batch=start_step,
            pad=self.PAD_SMALLER_IMAGES,
        )


# The flags of the noise-to-image family that translation models refuse, and why.
NOT_NOISE_TO_IMAGE = {
    "latent_dim": "it translates images; it draws no noise vector z",
    "g_steps": "it takes one generator update per iteration, as its paper",
    "architecture": "its networks are its paper's (set their size with --base_filters)",
    "latent_distribution": "it translates images; it draws no noise vector z",
    "init": "its networks are initialised as its paper's code does",
    "ema_decay": "the EMA generator is a setting of the noise-to-image GANs",
    "ema_start": "the EMA generator is a setting of the noise-to-image GANs",
    "raw_generator": "the EMA generator is a setting of the noise-to-image GANs",
    "r1_gamma": "its critic is regularised by its own loss",
    "d_reg_interval": "its critic is regularised by its own loss",
    "g_loss": "its losses are its paper's",
    "augment": "augmenting D's images is a setting of the noise-to-image GANs",
    "diffaugment_policy": "augmenting D's images is a setting of the noise-to-image GANs",
    "ada_target": "augmenting D's images is a setting of the noise-to-image GANs",
    "ada_interval": "augmenting D's images is a setting of the noise-to-image GANs",
    "ada_images": "augmenting D's images is a setting of the noise-to-image GANs",
    "train_images": "limiting the training images is a setting of the noise-to-image GANs",
}


@dataclasses.dataclass
class TranslationConfig(RunConfig, AdamSettings):
    """Image-to-image translation (pix2pix, CycleGAN, StarGAN): G maps images to images."""

    ARCHITECTURE: ClassVar[str] = ""  # the paper's networks, recorded in run.json
    ARCHITECTURE_FIELDS: ClassVar[tuple[str, ...]] = (*RunConfig.ARCHITECTURE_FIELDS,)
    REFUSED: ClassVar[dict[str, str]] = NOT_NOISE_TO_IMAGE

    # Their papers' runs are long (100,000s of steps): grids and checkpoints less often.
    sample_every: int = new_default(RunConfig, "sample_every", 1000)
    checkpoint_every: int = new_default(RunConfig, "checkpoint_every", 5000)

    @property
    def architecture(self) -> str:
        return self.ARCHITECTURE

    def to_dict(self):
        return {**super().to_dict(), "architecture": self.ARCHITECTURE}
