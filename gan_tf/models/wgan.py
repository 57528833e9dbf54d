"""Wasserstein GAN with weight clipping (Arjovsky et al. 2017, Algorithm 1).

What differs from the core: the critic's losses have no log and no sigmoid (it maximises
E[f(x)] - E[f(G(z))], an estimate of the Wasserstein-1 distance up to a constant when f is
K-Lipschitz); after every critic update every critic weight is clipped to [-c, c] to keep f
Lipschitz; RMSProp with a small learning rate (or, with `optimizer="adam"`, Adam as the
large-scale study of Lucic et al. 2018 trained it); n_critic = 5 critic steps per generator step.

Optionally (`warmup_critic_steps`, off by default) the critic schedule of the authors' code
(github.com/martinarjovsky/WassersteinGAN, main.py; not in the paper's Algorithm 1): 100 critic
updates in each of the first 25 generator iterations and in every 500th, so that the critic is
near its optimum when the generator starts to follow its gradient (section 3 of the paper argues
that the critic should be trained to optimality).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from gan_tf import losses
from gan_tf.configs.wgan import WGANConfig
from gan_tf.errors import UsageError
from gan_tf.models import replicas
from gan_tf.models.factory import (
    adam,
    build_networks,
    core_arguments,
    d_reg_interval,
)
from gan_tf.models.noise_to_image import NoiseToImageGAN
from gan_tf.models.regularizers import lazy_adam_settings

# The authors' code: generator iterations that get `warmup_critic_steps` critic updates.
WARMUP_ITERATIONS = 25
WARMUP_PERIOD = 500


class WGAN(NoiseToImageGAN):
    """Args beyond the core's:

    clip_value: c in Algorithm 1 (0.01).
    warmup_critic_steps: 0 follows Algorithm 1 (d_steps critic updates in every iteration).
      Larger than d_steps (the authors' code: 100): that many critic updates in the first 25
      iterations and in every 500th. The extra updates cycle through the iteration's d_steps
      real batches (the pipeline delivers d_steps batches per iteration) with fresh noise for
      each, where the authors' code draws a fresh real batch for every update.
    """

    def __init__(self, *args, clip_value: float, warmup_critic_steps: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if warmup_critic_steps and warmup_critic_steps <= self.d_steps:
            raise ValueError(
                f"warmup_critic_steps must be 0 (off) or more than d_steps={self.d_steps}, "
                f"got {warmup_critic_steps}"
            )
        self.clip_value = clip_value
        self.warmup_critic_steps = warmup_critic_steps

    def train_step(self, data):
        if self.warmup_critic_steps:
            self.warmup_critic_updates(data)
        return super().train_step(data)

    def warmup_critic_updates(self, data) -> None:
        """The authors' schedule: in a warm-up iteration, warmup_critic_steps - d_steps critic
        updates before the core's d_steps (a `tf.while_loop`, so the step still traces once)."""
        if self.distribute_strategy.num_replicas_in_sync > 1:
            # tf.distribute cannot aggregate gradients (merge_call) inside a tf.while_loop.
            raise ValueError("warmup_critic_steps runs on one device only, not under tf.distribute")
        real_images, labels = data if self.conditional else (data, None)
        iteration = self.step.value  # generator iterations done so far
        warmup = (iteration < WARMUP_ITERATIONS) | (iteration % WARMUP_PERIOD == 0)
        extra = tf.where(warmup, self.warmup_critic_steps - self.d_steps, 0)
        batch = self.critic_batch(real_images, self.d_steps)
        # The iteration's d_steps real batches, one per row.
        real_batches = tf.reshape(real_images, [self.d_steps, batch, *real_images.shape[1:]])
        label_batches = None if labels is None else tf.reshape(labels, [self.d_steps, batch])

        def one_update(i):
            k = i % self.d_steps  # which of the iteration's real batches
            self.start_step()
            with self.repeated_draws(i):
                # update 1: a lazy D regulariser (applied where update % interval == 0) skips
                # these extra updates.
                self.discriminator_step(
                    real_batches[k],
                    None if label_batches is None else label_batches[k],
                    update=tf.constant(1, tf.int64),
                )
            return (i + 1,)

        tf.while_loop(lambda i: i < extra, one_update, (tf.constant(0),))

    def compile(self, **kwargs) -> None:
        super().compile(
            d_loss_fn=losses.wasserstein_critic_loss,
            g_loss_fn=losses.wasserstein_generator_loss,
            d_output_fn=None,  # the critic's scores are not probabilities
            **kwargs,
        )

    def discriminator_loss(self, real_scores, fake_scores):
        loss, logs = super().discriminator_loss(real_scores, fake_scores)
        # The critic's estimate of W(P_r, P_g) (up to the Lipschitz constant): -loss.
        return loss, {**logs, "wasserstein_estimate": -loss}

    def after_discriminator_update(self) -> None:
        # Algorithm 1, line 7: w <- clip(w, -c, c), for every weight of the critic (batch-norm
        # scales and offsets included, as in the authors' code).
        for weight in self.discriminator.trainable_variables:
            weight.assign(tf.clip_by_value(weight, -self.clip_value, self.clip_value))


def build_wgan(config: WGANConfig) -> WGAN:
    warmup = config.warmup_critic_steps
    if config.clip_value <= 0:
        raise UsageError(f"--clip_value must be positive, got {config.clip_value}")
    if warmup and warmup <= config.d_steps:
        raise UsageError(
            f"--warmup_critic_steps={warmup} must be 0 (off) or more than "
            f"--d_steps={config.d_steps} (the authors' code uses 100)"
        )
    if warmup and config.strategy != "default":
        raise UsageError(
            "--warmup_critic_steps runs on one device only (tf.distribute cannot aggregate "
            "gradients inside the loop of extra critic updates): drop --strategy or the warm-up"
        )
    # The paper's critic is DCGAN's, batch norm included; "layer" / "none" are ablations.
    generator, critic = build_networks(config)  # its critic_norm; refused for the MLP
    model = WGAN(
        generator,
        critic,
        **core_arguments(config, generator),
        clip_value=config.clip_value,
        warmup_critic_steps=warmup,
    )
    model.compile(**optimizers(config), jit_compile=replicas.jit_compile_of(config))
    return model


def optimizers(config: WGANConfig) -> dict[str, keras.optimizers.Optimizer]:
    """`compile`'s d_optimizer and g_optimizer: RMSProp as in the paper (momentum-based
    optimizers made the critic unstable, sec. 3), or Adam(lr, beta_1, beta_2) as the
    large-scale study trained WGAN (compare_gan WGAN.py); D's adjusted for a lazy regulariser
    (`lazy_adam_settings`)."""
    interval = d_reg_interval(config)
    if config.optimizer == "adam":
        beta_1, beta_2 = config.adam_betas()
        return {
            "d_optimizer": adam(config.d_learning_rate, beta_1, beta_2, interval),
            "g_optimizer": adam(config.g_learning_rate, beta_1, beta_2),
        }
    # The lazy adjustment applied to RMSProp's rate and its decay rho, which plays Adam's
    # beta_2 part.
    d_rate, _, d_rho = lazy_adam_settings(config.d_learning_rate, 0.0, config.rmsprop_rho, interval)
    return {
        "d_optimizer": keras.optimizers.RMSprop(d_rate, rho=d_rho),
        "g_optimizer": keras.optimizers.RMSprop(config.g_learning_rate, rho=config.rmsprop_rho),
    }
