"""StyleGAN2 (Karras et al. 2020, "Analyzing and Improving the Image Quality of StyleGAN",
CVPR): the style-based generator with weight demodulation, the skip generator and residual
discriminator, lazy R1, path-length regularisation and style mixing.

Presets (`--preset`), from the authors' code (NVlabs/stylegan2-ada-pytorch, train.py
`cfg_specs`, which reproduces NVlabs/stylegan2's configs; loss.py, training_loop.py):
- config_f, the default: StyleGAN2 config F (the code's `stylegan2` cfg; the paper's Table 1,
  FFHQ 1024x1024): channel_base 32768 (max 512), mapping of 8 layers, batch 32, minibatch-
  stddev groups of 4, Adam(0.002, 0, 0.99), R1 gamma 10, EMA half-life 10k images;
- paper256: the code's `paper256` (the ADA paper's 256x256 baseline): channel_base 16384,
  batch 64, groups of 8, learning rate 0.0025, gamma 1, EMA half-life 20k images;
- cifar: the code's `cifar` (32x32): mapping of 2 layers, batch 64, groups of 32, learning rate
  0.0025, gamma 0.01, EMA half-life 500k images with a ramp-up of 0.05, no path-length
  regularisation, no style mixing, the plain ("orig") discriminator;
- small: the learning proof's CPU setting on 32x32 (experiments/stylegan2.md): the cifar
  preset with widths 64, 64, 32, 16 at 4x4 to 32x32 (channel_base 512, channel_max 64), z and
  w of 128, batch 32 (mbstd groups of 4), 300k images.

The rest is common (training_loop.py and loss.py defaults; the paper's appendix B): the
non-saturating logistic loss, R1 applied every 16 D updates and path-length regularisation
(weight 2, decay 0.01, half the batch) every 4 G updates, each scaled by its interval with
Adam's rate and betas adjusted (lazy regularisation), style mixing with probability 0.9,
z ~ N(0, I) of 512, w of 512, Adam epsilon 1e-8.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from gan_tf.configs.base import setting
from gan_tf.configs.families import AdamSettings, NoiseToImageConfig
from gan_tf.errors import UsageError

PRESETS: dict[str, dict[str, Any]] = {
    "config_f": {},
    "paper256": dict(
        channel_base=16384, batch_size=64, mbstd_group=8, g_learning_rate=0.0025,
        d_learning_rate=0.0025, r1_gamma=1.0, ema_half_life_images=20_000,
    ),
    "cifar": dict(
        mapping_layers=2, batch_size=64, mbstd_group=32, g_learning_rate=0.0025,
        d_learning_rate=0.0025, r1_gamma=0.01, ema_half_life_images=500_000, ema_rampup=0.05,
        pl_weight=0.0, style_mixing=0.0, d_architecture="orig", train_steps=100_000_000 // 64,
    ),
    "small": dict(
        mapping_layers=2, batch_size=32, mbstd_group=4, g_learning_rate=0.0025,
        d_learning_rate=0.0025, r1_gamma=0.01, ema_half_life_images=500_000, ema_rampup=0.05,
        pl_weight=0.0, style_mixing=0.0, d_architecture="orig", channel_base=512,
        channel_max=64, latent_dim=128, w_dim=128, train_steps=300_000 // 32,
    ),
}  # fmt: skip


@dataclasses.dataclass
class StyleGAN2Config(NoiseToImageConfig, AdamSettings):
    VARIANT: ClassVar[str] = "stylegan2"
    BUILDER: ClassVar[str] = "gan_tf.models.stylegan2:build_stylegan2"
    ARCHITECTURES: ClassVar[tuple[str, ...]] = ("stylegan2",)
    ARCHITECTURE_FIELDS: ClassVar[tuple[str, ...]] = (
        *NoiseToImageConfig.ARCHITECTURE_FIELDS,
        "w_dim",
        "mapping_layers",
        "channel_base",
        "channel_max",
        "d_architecture",
        "conditional",
    )
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = PRESETS
    PAD_SMALLER_IMAGES: ClassVar[bool] = True
    REFUSED: ClassVar[dict[str, str]] = {
        "g_loss": "StyleGAN2's loss is the non-saturating logistic loss (appendix B)",
        "init": "every weight is N(0, 1), scaled at run time (equalized learning rate)",
        "base_filters": "the widths follow --channel_base and --channel_max",
        "latent_distribution": "z ~ N(0, I), normalised by the mapping network",
        "ema_decay": "the moving average is set by its half-life: --ema_half_life_images",
        "ema_start": "the moving average ramps up instead: --ema_rampup",
        "d_steps": "one D update per G update (training_loop.py)",
        "g_steps": "one G update per D update (training_loop.py)",
    }

    preset: str = setting(
        "config_f",
        "Settings to start from: config_f (StyleGAN2 config F), paper256, cifar (the authors' "
        "32x32 config) or small (the CPU learning proof's); flags given explicitly win.",
        choices=tuple(PRESETS),
    )
    architecture: str = setting(
        "stylegan2",
        "Networks: StyleGAN2's (sec. 2-4; stylegan2-ada-pytorch networks.py).",
        choices=("stylegan2",),
    )
    init: str = setting(
        "equalized", "N(0, 1) weights scaled at run time (equalized learning rate).", flag=False
    )
    base_filters: int | None = setting(
        None, "The widths follow channel_base and channel_max.", flag=False
    )
    latent_distribution: str = setting(
        "normal", "z ~ N(0, I), normalised by the mapping network.", flag=False
    )
    ema_decay: float = setting(
        0.0, "The average's decay follows --ema_half_life_images.", flag=False
    )
    ema_start: int = setting(0, "The average ramps up with --ema_rampup.", flag=False)
    d_steps: int = setting(1, "One D update per iteration (training_loop.py).", flag=False)
    g_steps: int = setting(1, "One G update per iteration (training_loop.py).", flag=False)
    image_size: int | None = setting(
        None,
        "Side of the images, a power of two from 4 to 1024; default: the dataset's (MNIST and "
        "Fashion-MNIST: 32, padded from 28).",
        lower_bound=4,
        group="data",
    )
    conditional: bool = setting(
        False,
        "Class-conditional: a label embedding joins z in the mapping network and D projects its "
        "output on a mapped label (stylegan2-ada --cond).",
    )
    latent_dim: int = setting(512, "Size of z (networks.py z_dim: 512).", lower_bound=1)
    w_dim: int = setting(512, "Size of w (networks.py w_dim: 512).", lower_bound=1)
    mapping_layers: int = setting(
        8, "Layers of the mapping network (sec. 2 of StyleGAN: 8; the cifar config: 2).",
        lower_bound=1,
    )  # fmt: skip
    mapping_lr_multiplier: float = setting(
        0.01,
        "Learning-rate multiplier of the mapping network (StyleGAN, appendix C: 0.01).",
        lower_bound=0.0,
    )
    channel_base: int = setting(
        32768,
        "Feature maps at resolution r: min(channel_base / r, channel_max) (config F: 32768).",
        lower_bound=1,
    )
    channel_max: int = setting(512, "See --channel_base (512).", lower_bound=1)
    d_architecture: str = setting(
        "resnet",
        "D: resnet (sec. 4.1, Fig. 7c) or orig (the cifar config's plain stack).",
        choices=("resnet", "orig"),
    )
    mbstd_group: int = setting(
        4, "Samples per group of D's minibatch standard deviation (config F: 4).", lower_bound=1
    )
    batch_size: int = setting(
        32, "Real images per D update (config F: 32).", lower_bound=1, group="training"
    )
    train_steps: int = setting(
        25_000_000 // 32,
        "Iterations (the code's default 25,000k images at batch 32).",
        lower_bound=1,
        group="training",
    )
    d_learning_rate: float = setting(
        0.002, "D's learning rate (config F: 0.002).", lower_bound=0.0, group="training"
    )
    g_learning_rate: float = setting(
        0.002, "G's learning rate (config F: 0.002).", lower_bound=0.0, group="training"
    )
    beta_1: float = setting(0.0, "Adam beta_1 (0).", lower_bound=0.0, upper_bound=1.0)
    beta_2: float = setting(0.99, "Adam beta_2 (0.99).", lower_bound=0.0, upper_bound=1.0)
    adam_epsilon: float = setting(1e-8, "Adam's epsilon (1e-8).", lower_bound=0.0)
    r1_gamma: float = setting(
        10.0, "R1's gamma (config F: 10; Mescheder et al. 2018, eq. 9).", lower_bound=0.0
    )
    d_reg_interval: int = setting(
        16, "Apply R1 every N D updates (lazy regularisation, appendix B: 16).", lower_bound=1
    )
    g_reg_interval: int = setting(
        4,
        "Apply the path-length penalty every N G updates (appendix B: 4).",
        lower_bound=1,
    )
    pl_weight: float = setting(
        2.0, "Weight of the path-length penalty (sec. 3.2, appendix B: 2); 0: off.",
        lower_bound=0.0,
    )  # fmt: skip
    pl_decay: float = setting(
        0.01, "Decay of the path length's running mean a (loss.py pl_decay 0.01).",
        lower_bound=0.0, upper_bound=1.0,
    )  # fmt: skip
    pl_batch_shrink: int = setting(
        2, "The path-length penalty's batch is the batch over this (loss.py: 2).", lower_bound=1
    )
    style_mixing: float = setting(
        0.9,
        "Probability of mixing two ws at a random layer in training (StyleGAN, sec. 3.1: 0.9).",
        lower_bound=0.0,
        upper_bound=1.0,
    )
    ema_half_life_images: int = setting(
        10_000,
        "Half-life of G's moving average in images (training_loop.py ema_kimg 10).",
        lower_bound=1,
    )
    ema_rampup: float = setting(
        0.0,
        "The half-life is at most this times the images shown so far (the cifar config: "
        "0.05); 0: no ramp-up.",
        lower_bound=0.0,
    )

    def resolve(self) -> StyleGAN2Config:
        resolved = super().resolve()
        group = min(resolved.mbstd_group, resolved.batch_size)
        if resolved.batch_size % group:
            raise UsageError(
                f"--batch_size={resolved.batch_size} does not split into minibatch-stddev "
                f"groups of {group}: change --batch_size or --mbstd_group"
            )
        shrunk = resolved.batch_size // resolved.pl_batch_shrink
        if resolved.pl_weight and shrunk < 1:
            raise UsageError(
                f"--pl_batch_shrink={resolved.pl_batch_shrink} leaves no sample of the batch "
                f"of {resolved.batch_size} for the path-length penalty"
            )
        if resolved.g_reg_interval > 1 and resolved.pl_weight and resolved.strategy != "default":
            raise UsageError(
                "--g_reg_interval > 1 runs on one device only (tf.distribute cannot aggregate "
                "gradients inside the conditional update): drop --strategy or use 1"
            )
        return resolved

    def labels_needed_by(self) -> str | None:
        return "--conditional" if self.conditional else None

    def resolved_image_size(self, spec) -> int:
        from gan_tf.data.pipelines import padded_image_size
        from gan_tf.networks.stylegan2 import check_resolution

        size = padded_image_size(spec, self.image_size, model_name=self.VARIANT)
        check_resolution(size)
        return size


CONFIG = StyleGAN2Config
