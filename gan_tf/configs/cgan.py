"""Conditional GAN (Mirza & Osindero 2014): G and D both take the class label (eq. 2).

The paper's MNIST model is an MLP trained with SGD and momentum, batch 100 (sec. 4.1);
gan_tf's CGAN uses the DCGAN networks and Adam(2e-4, 0.5) by default (`--architecture=mlp`
for the paper's kind of network).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from gan_tf.configs.gan import CrossEntropyGANConfig


@dataclasses.dataclass
class CGANConfig(CrossEntropyGANConfig):
    VARIANT: ClassVar[str] = "cgan"
    XLA_CPU_RATIO: ClassVar[float | None] = 0.55  # XLA / graph steps/s, make bench
    BUILDER: ClassVar[str] = "gan_tf.models.cgan:build_cgan"
    CONDITIONAL: ClassVar[bool] = True


CONFIG = CGANConfig
