"""WGAN with gradient penalty (Gulrajani et al. 2017, Algorithm 1).

What differs from WGAN: no weight clipping; instead the critic's loss gets
lambda * E[(||grad_x_hat D(x_hat)||_2 - 1)^2] at random interpolates
x_hat = eps * x + (1 - eps) * G(z), eps ~ Uniform[0, 1] per sample (eq. 3); no batch norm in
the critic (the penalty is per sample; layer norm instead, sec. 4); Adam(1e-4, 0, 0.9).
"""

from __future__ import annotations

from gan_tf import losses
from gan_tf.config import RunConfig
from gan_tf.models.adversarial import AdversarialModel
from gan_tf.models.factory import (
    adam_optimizers,
    build_networks,
    core_arguments,
    refuse_critic_options,
)


class WGANGP(AdversarialModel):
    """Args beyond the core's: gp_weight, lambda of eq. 3 (10)."""

    def __init__(self, *args, gp_weight: float = 10.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.gp_weight = gp_weight

    def compile(self, d_optimizer, g_optimizer, **kwargs) -> None:
        super().compile(
            d_optimizer,
            g_optimizer,
            d_loss_fn=losses.wasserstein_critic_loss,
            g_loss_fn=losses.wasserstein_generator_loss,
            d_output_fn=None,
            **kwargs,
        )

    def discriminator_loss(self, real_images, fake_images, real_scores, fake_scores, labels):
        # Algorithm 1, lines 4-7: L = D(x_tilde) - D(x) + lambda (||grad D(x_hat)||_2 - 1)^2.
        critic_loss = losses.wasserstein_critic_loss(real_scores, fake_scores)
        epsilon = self.sample_uniform(real_images.shape[0])  # one per sample, Uniform[0, 1]
        x_hat = losses.interpolate(real_images, fake_images, epsilon)
        penalty, gradient_norm = losses.gradient_penalty(
            lambda x: self.discriminate(x, labels, training=True), x_hat
        )
        return critic_loss + self.gp_weight * penalty, {
            "wasserstein_estimate": -critic_loss,
            "gradient_penalty": penalty,
            "gradient_norm": gradient_norm,
        }


def build_wgan_gp(config: RunConfig) -> WGANGP:
    critic_norm = config.extra.get("critic_norm", "layer")
    critic_bias = config.extra.get("critic_bias", True)
    # Layer norm is what the paper recommends for the critic (sec. 4); the rest are ablations.
    given = [f"--critic_norm={critic_norm}"] if critic_norm != "layer" else []
    if not critic_bias:
        given.append("--nocritic_bias")
    refuse_critic_options(config, given)
    generator, critic = build_networks(
        config, discriminator_norm=critic_norm, discriminator_bias=critic_bias
    )
    model = WGANGP(
        generator,
        critic,
        **core_arguments(config),
        gp_weight=config.extra.get("gp_weight", 10.0),
    )
    model.compile(
        **adam_optimizers(config),
        jit_compile=config.jit_compile,
    )
    return model
