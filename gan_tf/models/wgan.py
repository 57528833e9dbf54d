"""Wasserstein GAN with weight clipping (Arjovsky et al. 2017, Algorithm 1).

What differs from the core: the critic's losses have no log and no sigmoid (it maximises
E[f(x)] - E[f(G(z))], an estimate of the Wasserstein-1 distance up to a constant when f is
K-Lipschitz); after every critic update every critic weight is clipped to [-c, c] to keep f
Lipschitz; RMSProp with a small learning rate; n_critic = 5 critic steps per generator step.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from gan_tf import losses
from gan_tf.config import RunConfig
from gan_tf.models.adversarial import AdversarialModel
from gan_tf.models.factory import (
    build_networks,
    core_arguments,
)


class WGAN(AdversarialModel):
    """Args beyond the core's: clip_value, c in Algorithm 1 (0.01)."""

    def __init__(self, *args, clip_value: float = 0.01, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.clip_value = clip_value

    def compile(self, d_optimizer, g_optimizer, **kwargs) -> None:
        super().compile(
            d_optimizer,
            g_optimizer,
            d_loss_fn=losses.wasserstein_critic_loss,
            g_loss_fn=losses.wasserstein_generator_loss,
            d_output_fn=None,  # the critic's scores are not probabilities
            **kwargs,
        )

    def discriminator_loss(self, real_images, fake_images, real_scores, fake_scores, labels):
        loss, logs = super().discriminator_loss(
            real_images, fake_images, real_scores, fake_scores, labels
        )
        # The critic's estimate of W(P_r, P_g) (up to the Lipschitz constant): -loss.
        return loss, {**logs, "wasserstein_estimate": -loss}

    def after_discriminator_update(self) -> None:
        # Algorithm 1, line 7: w <- clip(w, -c, c), for every weight of the critic (batch-norm
        # scales and offsets included, as in the authors' code).
        for weight in self.discriminator.trainable_variables:
            weight.assign(tf.clip_by_value(weight, -self.clip_value, self.clip_value))


def build_wgan(config: RunConfig) -> WGAN:
    generator, critic = build_networks(config)
    model = WGAN(
        generator,
        critic,
        **core_arguments(config),
        clip_value=config.extra.get("clip_value", 0.01),
    )
    # RMSProp as in the paper (momentum-based optimizers made the critic unstable, sec. 3);
    # rho = 0.99 as in the authors' code (PyTorch's default alpha).
    rho = config.extra.get("rmsprop_rho", 0.99)
    model.compile(
        d_optimizer=keras.optimizers.RMSprop(config.d_learning_rate, rho=rho),
        g_optimizer=keras.optimizers.RMSprop(config.g_learning_rate, rho=rho),
        jit_compile=config.jit_compile,
    )
    return model
