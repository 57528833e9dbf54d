"""The adversarial core: one `keras.Model` that every noise-to-image GAN variant reuses.

`train_step` is Algorithm 1 of Goodfellow et al. 2014 generalised to k discriminator steps and
m generator steps per iteration:

    for k steps:   sample real x, noise z;   update D on  d_loss(D(x), D(G(z)))
    for m steps:   sample noise z;            update G on  g_loss(D(G(z)))

A variant changes only what differs from that: the pair of losses (given to `compile`), a
regulariser added to D's loss (`discriminator_loss`, e.g. WGAN-GP's penalty), something done
after each D update (`after_discriminator_update`, e.g. WGAN's weight clipping), or the networks
and their conditioning. The data gives `d_steps` real batches at once (`batch_size * d_steps`
images), so each critic step sees fresh real samples as in the papers' algorithm boxes.

Randomness inside the step comes from stateless TF ops seeded by (seed, replica, step, draw), so
a step is a pure function of its inputs and state: it compiles with XLA, traces once, resumes
deterministically and draws different noise on every replica under tf.distribute.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import tensorflow as tf

from gan_tf import losses as gan_losses

Logs = dict[str, tf.Tensor]


class AdversarialModel(keras.Model):
    """A generator, a discriminator, their optimizers and the alternating GAN update.

    Args:
      generator: maps z (batch, latent_dim) [and int labels (batch,)] to images.
      discriminator: maps images [and labels] to raw scores (logits), shape (batch, ...).
      latent_dim: size of the noise vector z ~ N(0, I).
      num_classes: when set, both networks take int labels as a second input (CGAN).
      d_steps: discriminator (critic) updates per iteration, k in Goodfellow et al.'s Algorithm 1.
      g_steps: generator updates per iteration.
      seed: base seed of every random draw inside the step.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        *,
        latent_dim: int,
        num_classes: int | None = None,
        d_steps: int = 1,
        g_steps: int = 1,
        seed: int = 0,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if d_steps < 1 or g_steps < 1:
            raise ValueError(f"d_steps and g_steps must be >= 1, got {d_steps}, {g_steps}")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.num_classes = num_classes
        self.d_steps = d_steps
        self.g_steps = g_steps
        self.seed = seed
        # Training iterations done so far; checkpointed, and part of every random seed.
        self.step = keras.Variable(0, dtype="int64", trainable=False, name="step")
        self._draws = 0

    # --- Set-up ---------------------------------------------------------------------------------

    def compile(
        self,
        d_optimizer: keras.optimizers.Optimizer,
        g_optimizer: keras.optimizers.Optimizer,
        d_loss_fn: gan_losses.DiscriminatorLoss = gan_losses.minimax_discriminator_loss,
        g_loss_fn: gan_losses.GeneratorLoss = gan_losses.non_saturating_generator_loss,
        d_output_fn: Callable[[tf.Tensor], tf.Tensor] | None = tf.sigmoid,
        **kwargs,
    ) -> None:
        """Args beyond Keras's own (`jit_compile`, ...):

        d_optimizer / g_optimizer: the optimizers of the discriminator and the generator.
        d_loss_fn(real_scores, fake_scores) / g_loss_fn(fake_scores): see `gan_tf.losses`.
        d_output_fn: maps raw scores to the quantity logged as `d_real` / `d_fake` (sigmoid
          for the cross-entropy losses, so they read as D's probability of "real"; None logs
          the raw scores, as for a Wasserstein critic or a least-squares discriminator).
        """
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.d_loss_fn = d_loss_fn
        self.g_loss_fn = g_loss_fn
        self.d_output_fn = d_output_fn

    def build_optimizers(self) -> None:
        """Creates the optimizers' slot variables now, so a checkpoint can be restored into them
        before the first step (Keras creates them lazily otherwise)."""
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    @property
    def conditional(self) -> bool:
        return bool(self.num_classes)

    # --- Random draws (stateless, so XLA- and distribution-friendly) ----------------------------

    def _next_seed(self) -> tf.Tensor:
        """A fresh stateless seed: distinct per draw site in the step, per step and per replica.

        `_draws` counts draw sites while the step is traced (it is traced once), so each site
        gets a fixed stream number and successive steps advance through `self.step`.
        """
        self._draws += 1
        context = tf.distribute.get_replica_context()
        replica = context.replica_id_in_sync_group if context is not None else 0
        replica = tf.cast(replica, tf.int64)
        return tf.stack(
            [tf.constant(self.seed, tf.int64) * 1024 + replica,
             self.step.value * 1024 + self._draws]
        )

    def sample_latent(self, batch_size: int | tf.Tensor) -> tf.Tensor:
        """z ~ N(0, I), shape (batch_size, latent_dim)."""
        return tf.random.stateless_normal((batch_size, self.latent_dim), seed=self._next_seed())

    def sample_labels(self, batch_size: int | tf.Tensor) -> tf.Tensor:
        """Uniformly drawn class labels for conditional generation."""
        return tf.random.stateless_uniform(
            (batch_size,), seed=self._next_seed(), minval=0, maxval=self.num_classes,
            dtype=tf.int32,
        )

    def sample_uniform(self, shape) -> tf.Tensor:
        """Uniform[0, 1) noise, e.g. WGAN-GP's interpolation coefficients."""
        return tf.random.stateless_uniform(shape, seed=self._next_seed())

    # --- Network calls, with or without labels ---------------------------------------------------

    def generate(self, z: tf.Tensor, labels: tf.Tensor | None = None, training: bool = False):
        return self.generator([z, labels] if self.conditional else z, training=training)

    def discriminate(self, images: tf.Tensor, labels: tf.Tensor | None = None,
                     training: bool = False) -> tf.Tensor:
        scores = self.discriminator([images, labels] if self.conditional else images,
                                    training=training)
        return tf.cast(scores, tf.float32)  # losses in float32 under mixed precision

    # --- Hooks a variant overrides ----------------------------------------------------------------

    def discriminator_loss(self, real_images, fake_images, real_scores, fake_scores,
                           labels) -> tuple[tf.Tensor, Logs]:
        """D's loss and any extra values to log. Variants add regularisers here."""
        del real_images, fake_images, labels
        return self.d_loss_fn(real_scores, fake_scores), {}

    def generator_loss(self, fake_scores: tf.Tensor) -> tf.Tensor:
        return self.g_loss_fn(fake_scores)

    def after_discriminator_update(self) -> None:
        """Called after every D update (WGAN clips the critic's weights here)."""

    # --- The step ------------------------------------------------------------------------------

    def train_step(self, data) -> Logs:
        real_images, labels = data if self.conditional else (data, None)
        self._draws = 0
        batch = real_images.shape[0] // self.d_steps

        # 1. k discriminator steps, each on its own slice of the real batch.
        for k in range(self.d_steps):
            d_logs = self.discriminator_step(
                real_images[k * batch:(k + 1) * batch],
                None if labels is None else labels[k * batch:(k + 1) * batch],
            )
        # 2. m generator steps on fresh noise.
        for _ in range(self.g_steps):
            g_logs = self.generator_step(batch)

        self.step.assign_add(1)
        return {**d_logs, **g_logs}

    def discriminator_step(self, real_images: tf.Tensor, labels: tf.Tensor | None) -> Logs:
        batch = real_images.shape[0]
        z = self.sample_latent(batch)
        fake_images = self.generate(z, labels, training=True)
        with tf.GradientTape() as tape:
            real_scores = self.discriminate(real_images, labels, training=True)
            fake_scores = self.discriminate(fake_images, labels, training=True)
            loss, extra_logs = self.discriminator_loss(
                real_images, fake_images, real_scores, fake_scores, labels)
            scaled_loss = loss / self.distribute_strategy.num_replicas_in_sync
        variables = self.discriminator.trainable_variables
        gradients = tape.gradient(scaled_loss, variables)
        self.d_optimizer.apply(gradients, variables)
        self.after_discriminator_update()
        return self._global_means({
            "d_loss": loss,
            "d_real": self._mean_output(real_scores),
            "d_fake": self._mean_output(fake_scores),
            "d_grad_norm": tf.linalg.global_norm(gradients),
            **extra_logs,
        })

    def generator_step(self, batch: int) -> Logs:
        z = self.sample_latent(batch)
        labels = self.sample_labels(batch) if self.conditional else None
        with tf.GradientTape() as tape:
            fake_images = self.generate(z, labels, training=True)
            fake_scores = self.discriminate(fake_images, labels, training=True)
            loss = self.generator_loss(fake_scores)
            scaled_loss = loss / self.distribute_strategy.num_replicas_in_sync
        variables = self.generator.trainable_variables
        gradients = tape.gradient(scaled_loss, variables)
        self.g_optimizer.apply(gradients, variables)
        return self._global_means({
            "g_loss": loss,
            "g_grad_norm": tf.linalg.global_norm(gradients),
        })

    # --- Helpers ---------------------------------------------------------------------------------

    def _mean_output(self, scores: tf.Tensor) -> tf.Tensor:
        outputs = self.d_output_fn(scores) if self.d_output_fn is not None else scores
        return tf.reduce_mean(outputs)

    def _global_means(self, logs: Logs) -> Logs:
        """Averages logged values over replicas, so they describe the global batch."""
        if self.distribute_strategy.num_replicas_in_sync == 1:
            return logs
        context = tf.distribute.get_replica_context()
        return {k: context.all_reduce(tf.distribute.ReduceOp.MEAN, v) for k, v in logs.items()}
