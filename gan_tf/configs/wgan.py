"""WGAN with weight clipping (Arjovsky et al. 2017, Algorithm 1).

Algorithm 1's defaults: alpha = 0.00005, c = 0.01, m = 64, n_critic = 5; RMSProp (sec. 3:
momentum-based optimizers made the critic unstable), so no Adam betas. The critic is DCGAN's,
batch norm included (sec. 4.3).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from gan_tf.configs.base import setting
from gan_tf.configs.families import NoiseToImageConfig


@dataclasses.dataclass
class WGANConfig(NoiseToImageConfig):
    VARIANT: ClassVar[str] = "wgan"
    XLA_CPU_RATIO: ClassVar[float | None] = 0.51  # XLA / graph steps/s, make bench
    BUILDER: ClassVar[str] = "gan_tf.models.wgan:build_wgan"
    REFUSED: ClassVar[dict[str, str]] = {
        "g_loss": "WGAN fixes its losses: the critic's and generator's Wasserstein losses",
        "beta_1": "WGAN trains with RMSProp (Arjovsky et al. 2017, sec. 3), which has no betas",
        "beta_2": "WGAN trains with RMSProp (Arjovsky et al. 2017, sec. 3), which has no betas",
    }

    d_learning_rate: float = setting(
        5e-5, "Critic learning rate (Algorithm 1: alpha = 0.00005).", lower_bound=0.0
    )
    g_learning_rate: float = setting(
        5e-5, "Generator learning rate (Algorithm 1: alpha = 0.00005).", lower_bound=0.0
    )
    d_steps: int = setting(
        5, "Critic updates per generator update (Algorithm 1: n_critic = 5).", lower_bound=1
    )
    rmsprop_rho: float = setting(
        0.99,
        "RMSProp's decay of the squared-gradient average (the authors' code: PyTorch's "
        "default alpha, 0.99).",
        lower_bound=0.0,
        upper_bound=1.0,
    )
    clip_value: float = setting(
        0.01, "c: critic weights are clipped to [-c, c] (Algorithm 1: c = 0.01).", lower_bound=0
    )
    warmup_critic_steps: int = setting(
        0,
        "0: --d_steps critic updates in every iteration (Algorithm 1). N > --d_steps: N "
        "critic updates in the first 25 iterations and in every 500th (the authors' code: 100).",
        lower_bound=0,
    )
    critic_norm: str = setting(
        "batch",
        "Normalisation in the critic: batch (DCGAN's, as in the paper) or, as ablations, layer "
        "or none (clipping also clips batch norm's scale and shift to [-c, c]).",
        choices=("batch", "layer", "none"),
    )


CONFIG = WGANConfig
