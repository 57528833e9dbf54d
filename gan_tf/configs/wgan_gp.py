"""WGAN-GP (Gulrajani et al. 2017, Algorithm 1): the gradient penalty instead of clipping.

Algorithm 1's defaults: lambda = 10, n_critic = 5, alpha = 0.0001, beta_1 = 0, beta_2 = 0.9,
m = 64; no batch norm in the critic (sec. 4: layer norm recommended instead).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from gan_tf.configs.base import setting
from gan_tf.configs.families import AdamSettings, NoiseToImageConfig

# The pixel units a gradient penalty's norm can be measured in (the keys of
# gan_tf.models.regularizers.PENALTY_PIXEL_RANGES, not imported: it loads TensorFlow).
PENALTY_PIXEL_RANGES = ("-1,1", "0,1")
PENALTY_PIXEL_RANGE_HELP = (
    "Pixel units of the penalty's gradient norm: -1,1 (gan_tf's images) or 0,1 (images "
    "scaled to [0, 1], as the large-scale study's code, compare_gan, feeds D): with 0,1 the "
    "gradient is multiplied by 2 (the chain rule of x = 2u - 1) before its norm."
)


@dataclasses.dataclass
class WGANGPConfig(NoiseToImageConfig, AdamSettings):
    VARIANT: ClassVar[str] = "wgan_gp"
    XLA_CPU_RATIO: ClassVar[float | None] = 0.63  # XLA / graph steps/s, make bench
    BUILDER: ClassVar[str] = "gan_tf.models.wgan_gp:build_wgan_gp"
    REFUSED: ClassVar[dict[str, str]] = {
        "g_loss": "WGAN-GP fixes its losses: the critic's and generator's Wasserstein losses"
    }

    d_learning_rate: float = setting(
        1e-4, "Critic learning rate (Algorithm 1: alpha = 0.0001).", lower_bound=0.0
    )
    g_learning_rate: float = setting(
        1e-4, "Generator learning rate (Algorithm 1: alpha = 0.0001).", lower_bound=0.0
    )
    beta_1: float = setting(0.0, "Adam beta_1 (Algorithm 1: 0).", lower_bound=0.0, upper_bound=1.0)
    beta_2: float = setting(
        0.9, "Adam beta_2 (Algorithm 1: 0.9).", lower_bound=0.0, upper_bound=1.0
    )
    d_steps: int = setting(
        5, "Critic updates per generator update (Algorithm 1: n_critic = 5).", lower_bound=1
    )
    gp_weight: float = setting(
        10.0, "lambda: weight of the gradient penalty (eq. 3; Algorithm 1: 10).", lower_bound=0
    )
    penalty_pixel_range: str = setting(
        "-1,1",
        PENALTY_PIXEL_RANGE_HELP + " Default -1,1: per unit of the pixels gan_tf's critic sees.",
        choices=PENALTY_PIXEL_RANGES,
    )
    critic_norm: str = setting(
        "layer",
        "Normalisation in the critic: layer (sec. 4's recommendation) or none (batch norm would "
        "break the per-sample penalty).",
        choices=("layer", "none"),
    )
    critic_bias: bool = setting(True, "Biases in the critic's layers (--nocritic_bias drops them).")


CONFIG = WGANGPConfig
