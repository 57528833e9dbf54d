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

Randomness inside the step comes from stateless TF ops seeded by (seed, step, draw site), so a
step is a pure function of its inputs and state: it compiles with XLA, traces once and resumes
deterministically. Under tf.distribute each replica keeps its slice of the global draw, so N
replicas train exactly like one device with the same global batch (with d_steps > 1 the N
replicas' data slices are cut from the global batch differently, so the real images of each
critic step differ from a one-device run's; see `gan_tf.training.distribute`).

Mixed precision (`gan_tf.models.precision`): the networks may compute in float16 or bfloat16;
`generate` and `discriminate` cast their outputs to float32, so losses, penalties and logs are
float32, and with float16 both optimizers are wrapped in Keras's `LossScaleOptimizer` at
`compile` (`gan_tf.models.updates` scales the losses and applies the gradients).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import keras
import tensorflow as tf

from gan_tf import losses as gan_losses
from gan_tf.models import precision, replicas, updates

Logs = dict[str, tf.Tensor]

# One named random-number algorithm, so a run's noise does not depend on what "auto" picks.
# (XLA's Philox stream still differs from the TF kernels' for run-time seeds: a run with and one
# without jit_compile draw different noise; each is repeatable on its own.)
RNG = "philox"


class AdversarialModel(replicas.BuiltBeforeFit, keras.Model):
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
        self.step = updates.step_counter()
        # Draw-site counter; thread-local because MirroredStrategy traces each replica's step
        # in its own thread, and the replicas must number their draw sites alike.
        object.__setattr__(self, "_trace_state", threading.local())
        # The networks arrive built; nothing of this wrapper's own needs an input to build, and
        # fit() under tf.distribute would otherwise try to build it by calling it on data.
        self.built = True

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

        Call it in the strategy scope the model was built in. With more than one replica,
        `jit_compile` is turned off with a warning (`replicas.jit_compile_for`). An optimizer
        of a network that computes in float16 is wrapped in a `LossScaleOptimizer`.
        """
        if "jit_compile" in kwargs:
            kwargs["jit_compile"] = replicas.jit_compile_for(
                kwargs["jit_compile"], self.distribute_strategy
            )
        super().compile(**kwargs)
        self.d_optimizer = precision.with_loss_scaling(d_optimizer, [self.discriminator])
        self.g_optimizer = precision.with_loss_scaling(g_optimizer, [self.generator])
        self.d_loss_fn = d_loss_fn
        self.g_loss_fn = g_loss_fn
        self.d_output_fn = d_output_fn
        self.build_optimizers()

    def build_optimizers(self) -> None:
        """Creates the optimizers' slot variables now (Keras creates them lazily otherwise): a
        checkpoint can then be restored before the first step, and no variable is created
        inside a compiled or distributed step."""
        for optimizer, network in (
            (self.d_optimizer, self.discriminator),
            (self.g_optimizer, self.generator),
        ):
            if not optimizer.built:
                optimizer.build(network.trainable_variables)

    def checkpoint_objects(self) -> dict[str, Any]:
        """What a checkpoint holds (`gan_tf.training.checkpoints`): both networks, both
        optimizers (and their loss scales under float16) and the step."""
        return {
            "generator": self.generator,
            "discriminator": self.discriminator,
            **updates.optimizer_entries(d_optimizer=self.d_optimizer, g_optimizer=self.g_optimizer),
            "step": self.step,
        }

    @property
    def conditional(self) -> bool:
        return bool(self.num_classes)

    # --- Random draws (stateless, so XLA- and distribution-friendly) ----------------------------

    def _next_seed(self) -> tf.Tensor:
        """A fresh stateless seed, distinct per draw site in the step and per step.

        A counter numbers the draw sites while the step is traced (it is traced once), so each site
        gets a fixed stream number and successive steps advance through `self.step`.
        """
        self._trace_state.draws = getattr(self._trace_state, "draws", 0) + 1
        draw = self._trace_state.draws
        seed = tf.stack([tf.constant(self.seed, tf.int64), self.step.value * 1024 + draw])
        # Inside a loop traced once (`repeated_draws`) the site also needs the loop counter.
        counter = getattr(self._trace_state, "loop_counter", None)
        if counter is not None:
            seed = tf.random.experimental.stateless_fold_in(seed, counter)
        return seed

    @contextlib.contextmanager
    def repeated_draws(self, counter: tf.Tensor):
        """Draws made inside a `tf.while_loop` body (traced once, run many times) differ per
        iteration: their seeds fold in the loop counter."""
        self._trace_state.loop_counter = counter
        try:
            yield
        finally:
            self._trace_state.loop_counter = None

    def _draw_for_replica(self, draw, batch_size: int, *shape: int) -> tf.Tensor:
        """`draw(shape)` for this replica's part of the global batch.

        Every replica draws the same global sample and keeps its own slice, so a run on N
        replicas sees exactly the noise of a one-device run with the same global batch.
        """
        replicas = self.distribute_strategy.num_replicas_in_sync

        if replicas == 1:
            return draw((batch_size, *shape))
        full = draw((batch_size * replicas, *shape))
        replica = tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group, tf.int32)
        return tf.gather(full, tf.range(batch_size) + replica * batch_size)

    def sample_latent(self, batch_size: int) -> tf.Tensor:
        """z ~ N(0, I), shape (batch_size, latent_dim)."""
        seed = self._next_seed()
        return self._draw_for_replica(
            lambda shape: tf.random.stateless_normal(shape, seed=seed, alg=RNG),
            batch_size,
            self.latent_dim,
        )

    def sample_labels(self, batch_size: int) -> tf.Tensor:
        """Uniformly drawn class labels for conditional generation."""
        seed = self._next_seed()
        return self._draw_for_replica(
            lambda shape: tf.random.stateless_uniform(
                shape, seed=seed, minval=0, maxval=self.num_classes, dtype=tf.int32, alg=RNG
            ),
            batch_size,
        )

    def sample_uniform(self, batch_size: int, *shape: int) -> tf.Tensor:
        """Uniform[0, 1) noise, e.g. WGAN-GP's interpolation coefficients."""
        seed = self._next_seed()
        return self._draw_for_replica(
            lambda s: tf.random.stateless_uniform(s, seed=seed, alg=RNG), batch_size, *shape
        )

    # --- Network calls, with or without labels ---------------------------------------------------

    def generate(self, z: tf.Tensor, labels: tf.Tensor | None = None, training: bool = False):
        images = self.generator([z, labels] if self.conditional else z, training=training)
        return tf.cast(images, tf.float32)  # real and fake images alike float32

    def discriminate(
        self, images: tf.Tensor, labels: tf.Tensor | None = None, training: bool = False
    ) -> tf.Tensor:
        scores = self.discriminator(
            [images, labels] if self.conditional else images, training=training
        )
        return tf.cast(scores, tf.float32)  # losses in float32 under mixed precision

    # --- Hooks a variant overrides ----------------------------------------------------------------

    def discriminator_loss(
        self, real_images, fake_images, real_scores, fake_scores, labels
    ) -> tuple[tf.Tensor, Logs]:
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
        self._trace_state.draws = 0
        batch = real_images.shape[0] // self.d_steps

        # 1. k discriminator steps, each on its own slice of the real batch.
        for k in range(self.d_steps):
            d_logs = self.discriminator_step(
                real_images[k * batch : (k + 1) * batch],
                None if labels is None else labels[k * batch : (k + 1) * batch],
            )
        # 2. m generator steps on fresh noise.
        for _ in range(self.g_steps):
            g_logs = self.generator_step(batch)

        self.step.assign_add(1)
        return replicas.keras_reducible({**d_logs, **g_logs})

    def discriminator_step(self, real_images: tf.Tensor, labels: tf.Tensor | None) -> Logs:
        batch = real_images.shape[0]
        z = self.sample_latent(batch)
        fake_images = self.generate(z, labels, training=True)
        with tf.GradientTape() as tape:
            real_scores = self.discriminate(real_images, labels, training=True)
            fake_scores = self.discriminate(fake_images, labels, training=True)
            loss, extra_logs = self.discriminator_loss(
                real_images, fake_images, real_scores, fake_scores, labels
            )
            differentiated = updates.replica_loss(loss, self.d_optimizer)
        variables = self.discriminator.trainable_variables
        gradient_norm = updates.apply_gradients(
            self.d_optimizer, tape.gradient(differentiated, variables), variables
        )
        self.after_discriminator_update()
        return {
            "d_loss": loss,
            "d_real": self._mean_output(real_scores),
            "d_fake": self._mean_output(fake_scores),
            "d_grad_norm": gradient_norm,
            **extra_logs,
        }

    def generator_step(self, batch: int) -> Logs:
        z = self.sample_latent(batch)
        labels = self.sample_labels(batch) if self.conditional else None
        with tf.GradientTape() as tape:
            fake_images = self.generate(z, labels, training=True)
            fake_scores = self.discriminate(fake_images, labels, training=True)
            loss = self.generator_loss(fake_scores)
            differentiated = updates.replica_loss(loss, self.g_optimizer)
        variables = self.generator.trainable_variables
        gradient_norm = updates.apply_gradients(
            self.g_optimizer, tape.gradient(differentiated, variables), variables
        )
        return {"g_loss": loss, "g_grad_norm": gradient_norm}

    # --- Helpers ---------------------------------------------------------------------------------

    def _mean_output(self, scores: tf.Tensor) -> tf.Tensor:
        outputs = self.d_output_fn(scores) if self.d_output_fn is not None else scores
        return tf.reduce_mean(outputs)
