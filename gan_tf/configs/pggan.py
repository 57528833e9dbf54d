"""PGGAN (Karras et al. 2018, "Progressive Growing of GANs for Improved Quality, Stability, and
Variation", ICLR): G and D grown together from 4x4, a block per resolution faded in.

Three presets (`--preset`), because the paper and the authors' code differ:
- code, the default: the authors' released settings (tkarras/progressive_growing_of_gans,
  config.py `preset-v2-1gpu` with `fp32`, train.py `TrainingSchedule` defaults): 600k images
  per stable phase and per fade-in, batch 128 up to 16x16, then 64, 32, 16, 8, 4, 4 (512x512:
  8 per GPU cap in fp32; 1024x1024: 4), 12,000k images in all, minibatch-stddev groups of 4;
- paper: the paper's appendix A.1: 800k images per phase, batch 16 up to 128x128, then 14, 6
  and 3, the minibatch standard deviation over the whole minibatch (config.py
  `preset-v1-1gpu`: groups of 16 and 19,000k images);
- small: the learning proof's setting on 32x32 data on a CPU (experiments/pggan.md): widths
  64, 64, 32, 16 at 4x4 to 32x32 (fmap_base 256, fmap_max 64), z of 128, batch 64, 30k images
  per phase and 210k in all (3.5 epochs of MNIST: the growth to 32x32 and one stable phase
  there, about two CPU-core hours with its measurements), and G's average decaying 0.99 per step:
  the code's 0.999 has a half-life of 693 steps, 15% of a 4x4 phase of 600k images at batch
  128, but longer than a whole phase here (469 steps), where it would average over earlier
  resolutions; 0.99 keeps the code's 15%. Everything else is the code's.

The rest is common to both (appendix A.1; config.py, loss.py, train.py): the WGAN-GP loss with
lambda 10 plus the drift term 0.001 E[D(x)^2], one D update per G update, Adam(1e-3, 0, 0.99,
epsilon 1e-8) for both networks with its state reset whenever a phase begins, G's moving
average with decay 0.999, z ~ N(0, I) of 512 dimensions. The v2 preset's G and D learning rate
of 1.5e-3 at 1024x1024 is not applied (1e-3 at every resolution, the paper's).

Lengths are in images shown to D, as the paper's: phase p has ceil(images / batch) steps at its
resolution's batch, and `train_steps` follows from `total_images` (the last resolution's stable
phase runs until then).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from gan_tf.configs.base import setting
from gan_tf.configs.families import AdamSettings, NoiseToImageConfig
from gan_tf.configs.growing import PGGAN_CODE_BATCH_SIZES, GrowingSettings
from gan_tf.errors import UsageError

# Batch per resolution from 4x4 up; the last one serves every larger resolution.
CODE_BATCH_SIZES = PGGAN_CODE_BATCH_SIZES
PAPER_BATCH_SIZES = [16, 16, 16, 16, 16, 16, 14, 6, 3]

PRESETS: dict[str, dict[str, Any]] = {
    "code": {},
    "paper": dict(
        stable_images=800_000, fade_images=800_000, batch_sizes=PAPER_BATCH_SIZES,
        minibatch_group=16, total_images=19_000_000,
    ),
    "small": dict(
        fmap_base=256, fmap_max=64, latent_dim=128, stable_images=30_000,
        fade_images=30_000, batch_sizes=[64], total_images=210_000, ema_decay=0.99,
    ),
}  # fmt: skip


@dataclasses.dataclass
class PGGANConfig(GrowingSettings, NoiseToImageConfig, AdamSettings):
    VARIANT: ClassVar[str] = "pggan"
    BUILDER: ClassVar[str] = "gan_tf.models.pggan:build_pggan"
    ARCHITECTURES: ClassVar[tuple[str, ...]] = ("progressive",)
    ARCHITECTURE_FIELDS: ClassVar[tuple[str, ...]] = (
        *NoiseToImageConfig.ARCHITECTURE_FIELDS,
        "fmap_base",
        "fmap_decay",
        "fmap_max",
    )
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = PRESETS
    REFUSED: ClassVar[dict[str, str]] = {
        "g_loss": "PGGAN's loss is WGAN-GP's with the drift term (appendix A.1)",
        "init": "every weight is N(0, 1), scaled at run time (equalized learning rate)",
        "base_filters": "the widths follow --fmap_base, --fmap_decay and --fmap_max",
        "batch_size": "the batch depends on the resolution: set --batch_sizes",
        "train_steps": "its length is --total_images, in images as the paper's schedule",
        "latent_distribution": "z ~ N(0, I), pixel-normalised by G (sec. 4.2)",
    }

    preset: str = setting(
        "code",
        "Settings to start from: code (the authors' released 1-GPU settings), paper "
        "(appendix A.1) or small (the CPU learning proof's); flags given explicitly win.",
        choices=tuple(PRESETS),
    )
    architecture: str = setting(
        "progressive",
        "Networks: PGGAN's (Table 2; networks.py G_paper, D_paper).",
        choices=("progressive",),
    )
    init: str = setting(
        "equalized", "N(0, 1) weights scaled by He's constant at run time (sec. 4.1).", flag=False
    )
    image_size: int | None = setting(
        None,
        "Side of the final images, a power of two from 4 to 1024; default: the dataset's "
        "(MNIST and Fashion-MNIST: 32, padded from 28 as the authors' dataset_tool.py does).",
        lower_bound=4,
        group="data",
    )
    base_filters: int | None = setting(
        None, "The widths follow fmap_base, fmap_decay and fmap_max.", flag=False
    )
    latent_distribution: str = setting(
        "normal", "z ~ N(0, I), pixel-normalised by G (sec. 4.2).", flag=False
    )
    latent_dim: int = setting(512, "Size of z (Table 2: 512; the code's nf(0)).", lower_bound=1)
    fmap_base: int = setting(
        8192,
        "Feature maps: nf(stage) = min(fmap_base / 2^(stage * fmap_decay), fmap_max), the "
        "block at 2^res having nf(res - 1) (networks.py: 8192).",
        lower_bound=1,
    )
    fmap_decay: float = setting(1.0, "See --fmap_base (networks.py: 1.0).", lower_bound=0.0)
    fmap_max: int = setting(512, "See --fmap_base (networks.py: 512).", lower_bound=1)
    minibatch_group: int = setting(
        4,
        "Samples per group of the minibatch standard deviation (sec. 3; networks.py "
        "mbstd_group_size 4); 1: off.",
        lower_bound=1,
    )
    d_learning_rate: float = setting(
        1e-3, "D's learning rate (appendix A.1: 0.001).", lower_bound=0.0, group="training"
    )
    g_learning_rate: float = setting(
        1e-3, "G's learning rate (appendix A.1: 0.001).", lower_bound=0.0, group="training"
    )
    beta_1: float = setting(0.0, "Adam beta_1 (appendix A.1: 0).", lower_bound=0.0, upper_bound=1.0)
    beta_2: float = setting(
        0.99, "Adam beta_2 (appendix A.1: 0.99).", lower_bound=0.0, upper_bound=1.0
    )
    adam_epsilon: float = setting(1e-8, "Adam's epsilon (appendix A.1: 1e-8).", lower_bound=0.0)
    gp_weight: float = setting(
        10.0, "lambda of the gradient penalty (appendix A.1; loss.py wgan_lambda 10).",
        lower_bound=0.0,
    )  # fmt: skip
    drift_weight: float = setting(
        0.001,
        "epsilon_drift of the term epsilon_drift E[D(x)^2] in D's loss (appendix A.1: 0.001).",
        lower_bound=0.0,
    )
    ema_decay: float = setting(
        0.999,
        "Decay of G's moving average, sampled for grids and evaluation (sec. 4.1 and appendix "
        "A.1; train.py G_smoothing 0.999).",
        lower_bound=0.0,
        upper_bound=1.0,
    )
    sample_every: int = setting(
        1000, "Write a sample grid every N steps.", lower_bound=1, group="logging and checkpoints"
    )

    def resolve(self) -> PGGANConfig:
        if not self.batch_sizes:
            raise UsageError("--batch_sizes needs at least one batch size")
        resolved = super().resolve()
        resolved.check_minibatch_groups(resolved.minibatch_group, "minibatch_group")
        return resolved.with_schedule()

    def resolved_image_size(self, spec) -> int:
        from gan_tf.data.pipelines import padded_image_size
        from gan_tf.networks.pggan import check_resolution

        size = padded_image_size(spec, self.image_size, model_name=self.VARIANT)
        check_resolution(size)
        return size


CONFIG = PGGANConfig
