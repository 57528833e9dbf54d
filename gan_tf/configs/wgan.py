"""WGAN with weight clipping (Arjovsky et al. 2017, Algorithm 1).

Algorithm 1's defaults: alpha = 0.00005, c = 0.01, m = 64, n_critic = 5; RMSProp (sec. 3:
momentum-based optimizers made the critic unstable). The critic is DCGAN's, batch norm included
(sec. 4.3). `optimizer="adam"` trains as the large-scale study did (Lucic et al. 2018; its
code, google/compare_gan 49495fd, src/gans/WGAN.py, defaults to Adam(lr, beta1)); Adam's
betas are settings only then.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from gan_tf.configs.base import setting
from gan_tf.configs.families import NoiseToImageConfig
from gan_tf.errors import UsageError

OPTIMIZERS = ("rmsprop", "adam")
# Adam's betas when --optimizer=adam leaves them unset: the study's beta1 (compare_gan
# params.py WGANHyperParams: 0.5) and TensorFlow's default beta2 that its WGAN.py keeps.
ADAM_BETAS = (0.5, 0.999)
RMSPROP_RHO = 0.99


@dataclasses.dataclass
class WGANConfig(NoiseToImageConfig):
    VARIANT: ClassVar[str] = "wgan"
    XLA_CPU_RATIO: ClassVar[float | None] = 0.51  # XLA / graph steps/s, make bench
    BUILDER: ClassVar[str] = "gan_tf.models.wgan:build_wgan"
    REFUSED: ClassVar[dict[str, str]] = {
        "g_loss": "WGAN fixes its losses: the critic's and generator's Wasserstein losses",
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
    optimizer: str = setting(
        "rmsprop",
        "Optimizer of both networks: rmsprop (the paper's, sec. 3: momentum-based optimizers "
        "made the critic unstable) or adam, as the large-scale study trains WGAN (Lucic et al. "
        "2018; compare_gan WGAN.py: `optimizer` defaults to adam).",
        choices=OPTIMIZERS,
    )
    beta_1: float | None = setting(
        None,
        "Adam beta_1, with --optimizer=adam only; unset: 0.5 (compare_gan params.py "
        "WGANHyperParams: beta1 0.5).",
        lower_bound=0.0,
        upper_bound=1.0,
    )
    beta_2: float | None = setting(
        None,
        "Adam beta_2, with --optimizer=adam only; unset: 0.999 (compare_gan WGAN.py: "
        "AdamOptimizer(lr, beta1=beta1), TensorFlow's default).",
        lower_bound=0.0,
        upper_bound=1.0,
    )
    rmsprop_rho: float = setting(
        RMSPROP_RHO,
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

    def resolve(self) -> WGANConfig:
        """The base's resolution; UsageError for Adam's betas given with RMSProp, or RMSProp's
        rho changed with Adam."""
        if self.optimizer not in OPTIMIZERS:
            raise UsageError(
                f"--optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}"
            )
        given = [f"--{name}" for name in ("beta_1", "beta_2") if getattr(self, name) is not None]
        if given and self.optimizer != "adam":
            raise UsageError(
                f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} Adam's: add "
                f"--optimizer=adam or drop {' and '.join(given)} (RMSProp has no betas)"
            )
        if self.optimizer == "adam" and self.rmsprop_rho != RMSPROP_RHO:
            raise UsageError(
                f"--rmsprop_rho={self.rmsprop_rho} is RMSProp's: drop it or --optimizer=adam"
            )
        return super().resolve()

    def adam_betas(self) -> tuple[float, float]:
        """(beta_1, beta_2) of Adam: the given ones, else `ADAM_BETAS`."""
        return (
            ADAM_BETAS[0] if self.beta_1 is None else self.beta_1,
            ADAM_BETAS[1] if self.beta_2 is None else self.beta_2,
        )


CONFIG = WGANConfig
