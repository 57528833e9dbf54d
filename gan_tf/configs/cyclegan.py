"""CycleGAN (Zhu et al. 2017): two ResNet generators, two 70x70 PatchGANs with instance norm.

Sec. 4, "Training details": least-squares GAN loss, lambda = 10 (eq. 3), a history of 50
generated images per discriminator, Adam(2e-4, 0.5) with batch size 1, the learning rate
constant for the first half of training and then decayed linearly to zero; sec. 5.2 and
appendix 7.1: the identity loss at 0.5 * lambda; appendix 7.2: 6 residual blocks below 256 px,
9 from 256.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from gan_tf.configs.base import setting
from gan_tf.configs.families import NOT_NOISE_TO_IMAGE, TranslationConfig
from gan_tf.data.domains import UNPAIRED_TRANSFORMS
from gan_tf.networks.options import VALID_RECEPTIVE_FIELDS

POOL_SIZE = 50


@dataclasses.dataclass
class CycleGANConfig(TranslationConfig):
    VARIANT: ClassVar[str] = "cyclegan"
    XLA_CPU_RATIO: ClassVar[float | None] = 0.82  # XLA / graph steps/s, make bench
    BUILDER: ClassVar[str] = "gan_tf.models.cyclegan:build_cyclegan"
    ARCHITECTURE: ClassVar[str] = "resnet"
    ARCHITECTURE_FIELDS: ClassVar[tuple[str, ...]] = (
        *TranslationConfig.ARCHITECTURE_FIELDS,
        "num_residual_blocks",
        "receptive_field",
    )
    REFUSED: ClassVar[dict[str, str]] = {
        **NOT_NOISE_TO_IMAGE,
        "d_steps": "CycleGAN alternates one update of G and F and one of D_A and D_B (sec. 4)",
    }

    dataset: str = setting(
        "cycle_gan/horse2zebra",
        "cycle_gan/<pair>, folder:<path> (train/A, train/B) or a TFDS image dataset whose "
        "halves become A and --domain_b.",
    )
    batch_size: int = setting(1, "Images of each domain per step (sec. 4: 1).", lower_bound=1)
    train_steps: int = setting(200_000, "Training iterations.", lower_bound=1)
    domain_b: str | None = setting(
        None,
        "Derived domains of a TFDS image dataset: B is this transform of its half (default "
        "inverted). Unset for cycle_gan/ and folder: datasets.",
        group="data",
        choices=UNPAIRED_TRANSFORMS,
    )
    lambda_cyc: float = setting(10.0, "Cycle-consistency weight (eq. 3: 10).", lower_bound=0.0)
    lambda_id: float | None = setting(
        None,
        "Identity loss weight (sec. 5.2: 0.5 * lambda_cyc, the default; 0 disables it). It "
        "asks G to leave B images unchanged, which suits color-preserving tasks: use 0 when "
        "the true mapping changes every image (e.g. --domain_b=inverted).",
        lower_bound=0.0,
    )
    num_residual_blocks: int | None = setting(
        None,
        "Residual blocks of each generator (appendix 7.2: 6 below 256 px, 9 from 256).",
        lower_bound=1,
    )
    decay_start: int | None = setting(
        None,
        "Step from which the learning rate decays linearly to zero at --train_steps (sec. 4: "
        "half of --train_steps, the default).",
        lower_bound=0,
    )
    pool_size: int = setting(
        POOL_SIZE,
        "Generated images kept per discriminator's history (sec. 4: 50; 0: none).",
        lower_bound=0,
    )
    receptive_field: int = setting(
        70,
        "PatchGAN patch size of both discriminators (sec. 4: 70).",
        choices=VALID_RECEPTIVE_FIELDS,
    )

    def resolve(self) -> CycleGANConfig:
        from gan_tf.data.pipelines import resolve_image_size
        from gan_tf.data.registry import get_dataset_spec
        from gan_tf.data.translation import (
            TRANSLATION_SIZES,
            default_translation_size,
            unpaired_channels,
        )

        spec = get_dataset_spec(self.dataset)
        size = default_translation_size(spec, self.image_size)
        size = resolve_image_size(spec, size, TRANSLATION_SIZES, model_name=self.VARIANT)
        return self.replace(
            dataset=spec.name, image_size=size, channels=unpaired_channels(spec, self.domain_b)
        )

    def training_pipeline(self, start_step: int = 0):
        """The training batches from batch `start_step` on (one batch per iteration)."""
        from gan_tf.data.translation import unpaired_pipeline

        return unpaired_pipeline(
            self.dataset,
            batch_size=self.batch_size,
            image_size=self.image_size,
            domain_b=self.domain_b,
            data_dir=self.data_dir,
            manual_dir=self.manual_dir,
            seed=self.seed,
            start_batch=start_step,
        )


CONFIG = CycleGANConfig
