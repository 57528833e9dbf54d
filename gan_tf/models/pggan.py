"""PGGAN (Karras et al. 2018): the core's step on networks that grow.

What differs from the core: the networks (`gan_tf.networks.pggan`), the loss (WGAN-GP's with
lambda 10 plus the drift term 0.001 E[D(x)^2], appendix A.1), and the schedule of phases
(sec. 2; `gan_tf.models.growing`).

The gradient penalty's norm is taken per unit of the final-resolution image, as in the authors'
code, where D sees every image at full size (upsampled) and downsamples it inside: at side r
of a final side R the norm is that at side r times r / R.
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

from gan_tf import losses
from gan_tf.configs.growing import Phase
from gan_tf.configs.pggan import PGGANConfig
from gan_tf.models import replicas
from gan_tf.models.factory import adam_optimizers, core_arguments
from gan_tf.models.growing import Growing, growing_schedule
from gan_tf.models.noise_to_image import NoiseToImageGAN
from gan_tf.models.regularizers import GradientPenalty
from gan_tf.networks import pggan as pggan_networks


class PGGAN(Growing, NoiseToImageGAN):
    """The core with growing networks, the WGAN-GP loss and the drift term.

    Args beyond the core's:
      phases: the schedule (`PGGANConfig.phases`).
      gp_weight: lambda of the gradient penalty.
      drift_weight: epsilon_drift of the drift term.
      reset_optimizers: zero both optimizers' state when a phase begins.
    """

    def __init__(
        self,
        *args,
        phases: Sequence[Phase],
        gp_weight: float,
        drift_weight: float,
        reset_optimizers: bool = True,
        **kwargs,
    ) -> None:
        self.penalty = GradientPenalty(weight=gp_weight)
        super().__init__(
            *args,
            d_regularizers=[self.penalty, *kwargs.pop("d_regularizers", ())],
            schedule=growing_schedule(phases),
            **kwargs,
        )
        self.init_growing(phases, reset_optimizers)
        self.drift_weight = drift_weight

    def on_phase(self, phase: Phase) -> None:
        self.penalty.gradient_scale = phase.resolution / self.generator.resolution

    # --- Networks at the phase's resolution ------------------------------------------------------

    def generate(self, z, labels=None, training=False, ema=False):
        if not training:  # grids, evaluation: the full-size output of the stage G shows
            return super().generate(z, labels, training, ema)
        images = self.generator.grow(z, self.phase.level, self.alpha())
        return tf.cast(images, tf.float32)

    # --- The step --------------------------------------------------------------------------------

    def discriminator_loss(self, real_scores, fake_scores):
        critic_loss = losses.wasserstein_critic_loss(real_scores, fake_scores)
        drift = losses.drift_penalty(real_scores)
        return critic_loss + self.drift_weight * drift, {
            "wasserstein_estimate": -critic_loss,
            "drift": drift,
        }


def build_pggan(config: PGGANConfig) -> PGGAN:
    """PGGAN from its config (any preset): the growing networks, WGAN-GP with the drift term,
    Adam at the config's rate, betas and epsilon, G's moving average."""
    networks = dict(
        resolution=config.image_size,
        channels=config.channels,
        fmap_base=config.fmap_base,
        fmap_decay=config.fmap_decay,
        fmap_max=config.fmap_max,
    )
    generator = pggan_networks.ProgressiveGenerator(config.latent_dim, **networks)
    discriminator = pggan_networks.ProgressiveDiscriminator(
        **networks, group_size=config.minibatch_group
    )
    model = PGGAN(
        generator,
        discriminator,
        **core_arguments(config, generator),
        phases=config.phases(),
        gp_weight=config.gp_weight,
        drift_weight=config.drift_weight,
        reset_optimizers=config.reset_optimizers,
    )
    model.compile(
        **adam_optimizers(config),
        d_loss_fn=losses.wasserstein_critic_loss,
        g_loss_fn=losses.wasserstein_generator_loss,
        d_output_fn=None,
        jit_compile=replicas.jit_compile_of(config),
    )
    return model
