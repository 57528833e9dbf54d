"""LSGAN (Mao et al. 2017): least-squares losses with the 0-1 coding a = 0, b = 1, c = 1 (eq. 9).

Its losses are fixed (eq. 2), so it has no --g_loss. Networks and Adam(2e-4, 0.5) as DCGAN's.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from gan_tf.configs.base import setting
from gan_tf.configs.families import AdamSettings, NoiseToImageConfig


@dataclasses.dataclass
class LSGANConfig(NoiseToImageConfig, AdamSettings):
    VARIANT: ClassVar[str] = "lsgan"
    XLA_CPU_RATIO: ClassVar[float | None] = 0.55  # XLA / graph steps/s, make bench
    BUILDER: ClassVar[str] = "gan_tf.models.lsgan:build_lsgan"
    REFUSED: ClassVar[dict[str, str]] = {
        "g_loss": "LSGAN fixes its losses: both least squares (Mao et al. 2017, eq. 2)"
    }

    critic_norm: str = setting(
        "batch",
        "Normalisation in the discriminator: batch (DCGAN's, as Mao et al. 2017, sec. 3.4), "
        "layer or none (the large-scale study's search turns D's batch norm off, Lucic et al. "
        "2018, sec. 4).",
        choices=("batch", "layer", "none"),
    )


CONFIG = LSGANConfig
