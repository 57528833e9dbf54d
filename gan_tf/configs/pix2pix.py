"""pix2pix (Isola et al. 2017): U-Net generator, conditional PatchGAN, cGAN + lambda * L1.

Sec. 3.3 and 6.2 of the paper: Adam(2e-4, 0.5, 0.999), batch size 1, lambda = 100 (eq. 4), the
70x70 PatchGAN (sec. 4.4), random jitter (resize to 286, crop 256) and mirroring.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from gan_tf.configs.base import setting
from gan_tf.configs.families import NOT_NOISE_TO_IMAGE, TranslationConfig
from gan_tf.data.domains import PAIR_TASKS
from gan_tf.networks.options import VALID_RECEPTIVE_FIELDS

LOSSES = ("l1", "cgan", "l1_cgan")


@dataclasses.dataclass
class Pix2PixConfig(TranslationConfig):
    VARIANT: ClassVar[str] = "pix2pix"
    XLA_CPU_RATIO: ClassVar[float | None] = 0.31  # XLA / graph steps/s, make bench
    BUILDER: ClassVar[str] = "gan_tf.models.pix2pix:build_pix2pix"
    ARCHITECTURE: ClassVar[str] = "unet"
    ARCHITECTURE_FIELDS: ClassVar[tuple[str, ...]] = (
        *TranslationConfig.ARCHITECTURE_FIELDS,
        "input_channels",
        "unet_levels",
        "receptive_field",
    )
    REFUSED: ClassVar[dict[str, str]] = {
        **NOT_NOISE_TO_IMAGE,
        "d_steps": "pix2pix alternates one D and one G update (sec. 3.3)",
    }

    dataset: str = setting(
        "fashion_mnist",
        "A TFDS image dataset (inputs derived by --pairs) or folder:<path> of A|B pairs.",
    )
    batch_size: int = setting(1, "Pairs per step (sec. 3.3: 1).", lower_bound=1)
    train_steps: int = setting(200_000, "Training iterations (one D, one G update).", lower_bound=1)
    pairs: str | None = setting(
        None,
        "How the input is derived from a TFDS image (the target): edges (default), grayscale "
        "or inverted. Unset for folder: datasets of A|B pairs.",
        group="data",
        choices=PAIR_TASKS,
    )
    loss: str = setting(
        "l1_cgan",
        "Generator objective (sec. 4.2): L1 only, cGAN only, or cGAN + lambda * L1 (eq. 4).",
        choices=LOSSES,
    )
    receptive_field: int = setting(
        70,
        "PatchGAN patch size (sec. 4.4): 1 PixelGAN, 16, 70, 286 ImageGAN.",
        choices=VALID_RECEPTIVE_FIELDS,
    )
    lambda_l1: float = setting(100.0, "Weight of the L1 term (eq. 4: 100).", lower_bound=0.0)
    jitter: bool = setting(
        True, "Random jitter (resize 286/256, random crop) and mirroring (sec. 6.2)."
    )
    unet_levels: int | None = setting(
        None, "U-Net encoder levels (default: down to 1x1, sec. 6.1.1).", lower_bound=2
    )
    input_channels: int | None = setting(None, "Input channels (from the data).", flag=False)

    def resolve(self) -> Pix2PixConfig:
        from gan_tf.data.pipelines import resolve_image_size
        from gan_tf.data.registry import get_dataset_spec
        from gan_tf.data.translation import (
            TRANSLATION_SIZES,
            default_translation_size,
            paired_channels,
        )

        spec = get_dataset_spec(self.dataset)
        size = default_translation_size(spec, self.image_size)
        size = resolve_image_size(spec, size, TRANSLATION_SIZES, model_name=self.VARIANT)
        in_channels, out_channels = paired_channels(spec, self.pairs)
        return self.replace(
            dataset=spec.name, image_size=size, channels=out_channels, input_channels=in_channels
        )

    def training_pipeline(self, start_step: int = 0):
        """The training batches from batch `start_step` on (one batch per iteration)."""
        from gan_tf.data.translation import paired_pipeline

        return paired_pipeline(
            self.dataset,
            batch_size=self.batch_size,
            image_size=self.image_size,
            task=self.pairs,
            jitter=self.jitter,
            data_dir=self.data_dir,
            manual_dir=self.manual_dir,
            seed=self.seed,
            start_batch=start_step,
        )


CONFIG = Pix2PixConfig
