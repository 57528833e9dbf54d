"""StyleGAN (Karras et al. 2019): StyleGAN2's step on networks that grow.

What differs from StyleGAN2 (`gan_tf.models.stylegan2`): the networks
(`gan_tf.networks.stylegan`: AdaIN layers, grown from 4x4; PGGAN's discriminator with a blur),
the schedule of phases and fade-ins (`gan_tf.models.growing`, PGGAN's), a learning rate per
resolution (train.py `G_lrate_dict`), and R1 (gamma 10) on every D update, its gradient taken
per unit of the final image as PGGAN's penalty (at side r of R, the norm times r / R). No
path-length penalty. Style mixing (0.9) and the average of w are StyleGAN2's, which took them
from here.
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

from gan_tf import losses
from gan_tf.configs.growing import Phase
from gan_tf.configs.stylegan import StyleGANConfig
from gan_tf.models import replicas
from gan_tf.models.factory import adam, augmentation
from gan_tf.models.growing import Growing, batch_size_at, growing_schedule
from gan_tf.models.hooks import GeneratorEMA, half_life_decay
from gan_tf.models.regularizers import R1Penalty
from gan_tf.models.stylegan2 import StyleGAN2, generator_arguments
from gan_tf.networks import pggan as pggan_networks
from gan_tf.networks import stylegan as stylegan_networks


class StyleGAN(Growing, StyleGAN2):
    """StyleGAN2's model with growing networks and a learning rate per resolution.

    Args beyond StyleGAN2's:
      phases: the schedule (`StyleGANConfig.phases`).
      learning_rates: G's and D's learning rate at each level (4x4 first; the last for any
        larger).
      reset_optimizers: zero both optimizers' state when a phase begins.
    """

    def __init__(
        self,
        *args,
        phases: Sequence[Phase],
        learning_rates: Sequence[float],
        reset_optimizers: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(*args, schedule=growing_schedule(phases), **kwargs)
        self.init_growing(phases, reset_optimizers)
        self.learning_rates = tuple(learning_rates)

    def on_phase(self, phase: Phase) -> None:
        for regularizer in self.d_regularizers:
            if isinstance(regularizer, R1Penalty):
                regularizer.gradient_scale = phase.resolution / self.generator.resolution
        rate = self.learning_rates[min(phase.level, len(self.learning_rates) - 1)]
        for optimizer in (self.d_optimizer, self.g_optimizer):
            optimizer.learning_rate.assign(rate)

    def synthesize(self, ws):
        """G at the phase's resolution on `ws`, its noise from the step's seed, as float32."""
        images = self.generator.grow(ws, self.phase.level, self.alpha(), "random", self.next_seed())
        return tf.cast(images, tf.float32)


def build_stylegan(config: StyleGANConfig) -> StyleGAN:
    """StyleGAN from its config (any preset): the growing networks, the logistic loss with R1,
    style mixing, the EMA by half-life, Adam at the first resolution's rate."""
    generator = stylegan_networks.StyleGANGenerator(**generator_arguments(config))
    # PGGAN's widths nf(stage) = fmap_base / 2^stage are channel_base / 2^(stage + 1).
    discriminator = pggan_networks.ProgressiveDiscriminator(
        config.image_size,
        config.channels,
        fmap_base=config.channel_base // 2,
        fmap_max=config.channel_max,
        group_size=config.mbstd_group,
        blur=True,
        name="discriminator",
    )
    d_regularizers = [R1Penalty(weight=config.r1_gamma / 2)] if config.r1_gamma else []
    phases = config.phases()
    # G_smoothing_kimg as a half-life at the batch of each phase (training_loop.py).
    ema = GeneratorEMA(
        generator,
        half_life_decay(
            lambda step: batch_size_at(phases, step),
            config.ema_half_life_images,
            config.ema_rampup,
        ),
    )
    model = StyleGAN(
        generator,
        discriminator,
        latent_dim=config.latent_dim,
        d_steps=1,
        g_steps=1,
        seed=config.seed,
        d_regularizers=d_regularizers,
        ema=ema,
        augmentation=augmentation(config),
        style_mixing=config.style_mixing,
        phases=phases,
        learning_rates=[config.learning_rate_at(level) for level in range(phases[-1].level + 1)],
        reset_optimizers=config.reset_optimizers,
        name=config.variant,
    )
    betas = (config.beta_1, config.beta_2)
    rate = config.learning_rate_at(phases[0].level)
    model.compile(
        d_optimizer=adam(rate, *betas, epsilon=config.adam_epsilon),
        g_optimizer=adam(rate, *betas, epsilon=config.adam_epsilon),
        d_loss_fn=losses.minimax_discriminator_loss,
        g_loss_fn=losses.non_saturating_generator_loss,
        jit_compile=replicas.jit_compile_of(config),
    )
    return model
