"""WGAN with gradient penalty (Gulrajani et al. 2017, Algorithm 1).

What differs from WGAN: no weight clipping; instead the critic's loss gets
lambda * E[(||grad_x_hat D(x_hat)||_2 - 1)^2] at random interpolates
x_hat = eps * x + (1 - eps) * G(z), eps ~ Uniform[0, 1] per sample (eq. 3), the regulariser
`GradientPenalty` that StarGAN's critic shares; no batch norm in the critic (the penalty is per
sample; layer norm instead, sec. 4); Adam(1e-4, 0, 0.9).
"""

from __future__ import annotations

from gan_tf import losses
from gan_tf.configs.wgan_gp import WGANGPConfig
from gan_tf.models import replicas
from gan_tf.models.factory import (
    adam_optimizers,
    build_networks,
    core_arguments,
    refuse_dcgan_options,
)
from gan_tf.models.noise_to_image import NoiseToImageGAN
from gan_tf.models.regularizers import GradientPenalty, pixel_range_scale


class WGANGP(NoiseToImageGAN):
    """The core with Wasserstein losses and the gradient penalty among D's regularisers.

    Args beyond the core's: gp_weight, lambda of eq. 3; gradient_scale, the factor of the
    critic's input gradient before its norm (`pixel_range_scale`: 1 for gan_tf's [-1, 1]
    pixels, 2 for the norm per unit of [0, 1] pixels).
    """

    def __init__(self, *args, gp_weight: float, gradient_scale: float = 1.0, **kwargs) -> None:
        penalty = GradientPenalty(weight=gp_weight, gradient_scale=gradient_scale)
        regularizers = [penalty, *kwargs.pop("d_regularizers", ())]
        super().__init__(*args, d_regularizers=regularizers, **kwargs)
        self.gp_weight = gp_weight

    def compile(self, **kwargs) -> None:
        super().compile(
            d_loss_fn=losses.wasserstein_critic_loss,
            g_loss_fn=losses.wasserstein_generator_loss,
            d_output_fn=None,
            **kwargs,
        )

    def discriminator_loss(self, real_scores, fake_scores):
        # Algorithm 1, lines 4-7: L = D(x_tilde) - D(x) + lambda (||grad D(x_hat)||_2 - 1)^2,
        # the penalty added by the core from `d_regularizers`.
        critic_loss = losses.wasserstein_critic_loss(real_scores, fake_scores)
        return critic_loss, {"wasserstein_estimate": -critic_loss}


def build_wgan_gp(config: WGANGPConfig) -> WGANGP:
    # Layer norm is what the paper recommends for the critic (sec. 4); the rest are ablations.
    given = [f"--critic_norm={config.critic_norm}"] if config.critic_norm != "layer" else []
    if not config.critic_bias:
        given.append("--nocritic_bias")
    refuse_dcgan_options(config, given)
    generator, critic = build_networks(
        config, discriminator_norm=config.critic_norm, discriminator_bias=config.critic_bias
    )
    model = WGANGP(
        generator,
        critic,
        **core_arguments(config, generator),
        gp_weight=config.gp_weight,
        gradient_scale=pixel_range_scale(config.penalty_pixel_range),
    )
    model.compile(**adam_optimizers(config), jit_compile=replicas.jit_compile_of(config))
    return model
