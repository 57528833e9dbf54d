"""Least squares GAN (Mao et al. 2017).

What differs from the core: the discriminator's output is linear and both losses are least
squares (eq. 2) with the 0-1 coding a = 0 (fake), b = 1 (real), c = 1 (what G wants), which
penalises samples far from the decision boundary even when they are on its right side, so G
keeps getting gradients where the sigmoid cross-entropy saturates.
"""

from __future__ import annotations

from gan_tf import losses
from gan_tf.configs.lsgan import LSGANConfig
from gan_tf.models import replicas
from gan_tf.models.factory import adam_optimizers, build_networks, core_arguments
from gan_tf.models.noise_to_image import NoiseToImageGAN


class LSGAN(NoiseToImageGAN):
    def compile(self, **kwargs) -> None:
        super().compile(
            d_loss_fn=losses.least_squares_discriminator_loss,
            g_loss_fn=losses.least_squares_generator_loss,
            d_output_fn=None,  # linear outputs, targets 0 and 1
            **kwargs,
        )


def build_lsgan(config: LSGANConfig) -> LSGAN:
    generator, discriminator = build_networks(config)
    model = LSGAN(generator, discriminator, **core_arguments(config, generator))
    model.compile(**adam_optimizers(config), jit_compile=replicas.jit_compile_of(config))
    return model
