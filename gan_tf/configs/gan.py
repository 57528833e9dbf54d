"""The original GAN (Goodfellow et al. 2014): fully connected networks, the cross-entropy game.

The paper trains with SGD and momentum (Algorithm 1); gan_tf trains every cross-entropy GAN
with DCGAN's Adam(2e-4, 0.5) (Radford et al. 2016, sec. 4), the setting of its recorded results.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from gan_tf.configs.base import setting
from gan_tf.configs.families import ARCHITECTURES, AdamSettings, NoiseToImageConfig

G_LOSSES = ("minimax", "non_saturating")


@dataclasses.dataclass
class CrossEntropyGANConfig(NoiseToImageConfig, AdamSettings):
    """The minimax game of Goodfellow et al. 2014 (eq. 1), with G's loss of choice."""

    critic_norm: str = setting(
        "batch",
        "Normalisation in the discriminator: batch (DCGAN's, sec. 3), layer or none (the "
        "large-scale study's search turns D's batch norm off, Lucic et al. 2018, sec. 4).",
        choices=("batch", "layer", "none"),
    )
    g_loss: str = setting(
        "non_saturating",
        "Generator loss: the minimax log(1 - D(G(z))) of eq. 1, or the non-saturating "
        "-log D(G(z)) that sec. 3 recommends.",
        choices=G_LOSSES,
    )


@dataclasses.dataclass
class GANConfig(CrossEntropyGANConfig):
    VARIANT: ClassVar[str] = "gan"
    XLA_CPU_RATIO: ClassVar[float | None] = 0.72  # XLA / graph steps/s, make bench
    BUILDER: ClassVar[str] = "gan_tf.models.zoo:build_gan"

    architecture: str = setting(
        "mlp",
        "Networks: fully connected (the GAN paper's, sec. 5: MLPs), convolutional (DCGAN's) "
        "or the InfoGAN networks of the large-scale study (Lucic et al. 2018, sec. 4).",
        choices=ARCHITECTURES,
    )
    train_steps: int = setting(
        20_000,
        "Training iterations (each: d_steps D updates, then g_steps G updates).",
        lower_bound=1,
    )


CONFIG = GANConfig
