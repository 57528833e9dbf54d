"""DCGAN (Radford et al. 2016): all-convolutional networks with batch norm, Adam(2e-4, 0.5).

Sec. 4 of the paper: weights from N(0, 0.02) (`init`), Adam with learning rate 2e-4 and
beta_1 = 0.5, leaky ReLU 0.2 in D, mini-batches of 128. gan_tf's default batch is 64, the
setting of its recorded results (pass --batch_size=128 for the paper's).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from gan_tf.configs.gan import CrossEntropyGANConfig


@dataclasses.dataclass
class DCGANConfig(CrossEntropyGANConfig):
    VARIANT: ClassVar[str] = "dcgan"
    XLA_CPU_RATIO: ClassVar[float | None] = 0.54  # XLA / graph steps/s, make bench
    BUILDER: ClassVar[str] = "gan_tf.models.zoo:build_gan"


CONFIG = DCGANConfig
