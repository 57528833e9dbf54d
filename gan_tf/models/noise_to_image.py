"""`NoiseToImageGAN`: the step every noise-to-image variant reuses (GAN, DCGAN, WGAN, WGAN-GP,
LSGAN, CGAN).

`train_step` is Algorithm 1 of Goodfellow et al. 2014 generalised to k discriminator steps and
m generator steps per iteration:

    for k steps:   sample real x, noise z;   update D on  d_loss(D(x), D(G(z))) + D's regularisers
    for m steps:   sample noise z;            update G on  g_loss(D(G(z))) + G's regularisers
    then:          update G's moving average (when the model has one)

A variant changes only what differs from that: the pair of losses (given to `compile`), a
regulariser on either side (`d_regularizers` / `g_regularizers`, e.g. WGAN-GP's penalty, R1;
lazy ones get updates of their own, `gan_tf.models.regularizers`), something done after each D
update (`after_discriminator_update`, e.g. WGAN's weight clipping), or the networks and their
conditioning. The data gives `d_steps` real batches at once (`batch_size * d_steps` images),
so each critic step sees fresh real samples as in the papers' algorithm boxes.

Under tf.distribute with d_steps > 1 the N replicas' data slices are cut from the global batch
differently from one device's, so the real images of each critic step differ from a one-device
run's (see `gan_tf.training.distribute`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import tensorflow as tf

from gan_tf import losses as gan_losses
from gan_tf.augment.base import Augmentation
from gan_tf.models.base import AdversarialModel, Logs
from gan_tf.models.hooks import standing_statistics
from gan_tf.models.regularizers import Regularizer, RegularizerInputs, lazy_updates, regularize
from gan_tf.models.truncation import truncated_normal

LATENT_DISTRIBUTIONS = ("normal", "uniform")


class NoiseToImageGAN(AdversarialModel):
    """A generator G(z [, y]), a discriminator D(x [, y]) and the alternating GAN update.

    Args:
      generator: maps z (batch, latent_dim) [and int labels (batch,)] to images.
      discriminator: maps images [and labels] to raw scores (logits), shape (batch, ...).
      latent_dim: size of the noise vector z.
      latent_distribution: "normal", z ~ N(0, I), or "uniform", z ~ U(-1, 1) per dimension
        (DCGAN, sec. 4; the large-scale study's code, compare_gan abstract_gan.py).
      num_classes: when set, both networks take int labels as a second input (CGAN).
      d_steps: discriminator (critic) updates per iteration, k in Goodfellow et al.'s Algorithm 1.
      g_steps: generator updates per iteration.
      g_batch_multiple: a G update draws this many times D's batch of fakes (SNGAN's code: 2,
        128 fakes for G against 64 for D).
      d_regularizers / g_regularizers: terms added to D's / G's loss.
      augmentation: applied to every image D sees in training (reals, fakes and a
        regulariser's inputs alike), shown D's scores of the reals, updated once per step
        (`gan_tf.augment`: ADA, DiffAugment); or None.
      seed, ema, schedule: see `AdversarialModel`.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        *,
        latent_dim: int,
        d_steps: int,
        g_steps: int,
        num_classes: int | None = None,
        latent_distribution: str = "normal",
        g_batch_multiple: int = 1,
        d_regularizers: Sequence[Regularizer] = (),
        g_regularizers: Sequence[Regularizer] = (),
        augmentation: Augmentation | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.augmentation = augmentation
        if d_steps < 1 or g_steps < 1:
            raise ValueError(f"d_steps and g_steps must be >= 1, got {d_steps}, {g_steps}")
        if g_batch_multiple < 1:
            raise ValueError(f"g_batch_multiple must be >= 1, got {g_batch_multiple}")
        self.generator = generator
        self.discriminator = discriminator
        if latent_distribution not in LATENT_DISTRIBUTIONS:
            raise ValueError(
                f"latent_distribution must be one of {LATENT_DISTRIBUTIONS}, "
                f"got {latent_distribution!r}"
            )
        self.latent_dim = latent_dim
        self.latent_distribution = latent_distribution
        self.num_classes = num_classes
        self.d_steps = d_steps
        self.g_steps = g_steps
        self.g_batch_multiple = int(g_batch_multiple)
        self.d_regularizers = list(d_regularizers)
        self.g_regularizers = list(g_regularizers)

    def compile(
        self,
        *,
        d_loss_fn: gan_losses.DiscriminatorLoss,
        g_loss_fn: gan_losses.GeneratorLoss,
        d_output_fn: Callable[[tf.Tensor], tf.Tensor] | None = tf.sigmoid,
        **kwargs,
    ) -> None:
        """Args beyond the base's (`d_optimizer`, `g_optimizer`, Keras's own):

        d_loss_fn(real_scores, fake_scores) / g_loss_fn(fake_scores): see `gan_tf.losses`.
        d_output_fn: maps raw scores to the quantity logged as `d_real` / `d_fake` (sigmoid
          for the cross-entropy losses, so they read as D's probability of "real"; None logs
          the raw scores, as for a Wasserstein critic or a least-squares discriminator).
        """
        super().compile(**kwargs)
        self.d_loss_fn = d_loss_fn
        self.g_loss_fn = g_loss_fn
        self.d_output_fn = d_output_fn

    @property
    def conditional(self) -> bool:
        return bool(self.num_classes)

    def checkpoint_objects(self) -> dict:
        objects = super().checkpoint_objects()
        if self.augmentation is not None and self.augmentation.variables:
            # An adaptive augmentation's strength and its sums resume where they were.
            objects["augmentation"] = tf.Module(name="augmentation")
            for name, variable in self.augmentation.variables.items():
                setattr(objects["augmentation"], name, variable)
        return objects

    # --- Random draws ----------------------------------------------------------------------------

    def sample_latent(self, batch_size: int) -> tf.Tensor:
        """z of shape (batch_size, latent_dim), from the model's latent distribution."""
        if self.latent_distribution == "uniform":
            return 2.0 * self.sample_uniform(batch_size, self.latent_dim) - 1.0
        return self.sample_normal(batch_size, self.latent_dim)

    def fixed_latents(
        self,
        leading_shape: tuple[int, ...],
        seed,
        truncation: float | None = None,
        truncation_mode: str = "resample",
    ) -> tf.Tensor:
        """z of shape (*leading_shape, latent_dim) from the model's latent distribution, a pure
        function of `seed` (a stateless seed pair): fixed noise for grids and evaluation. With
        `truncation`, from the normal truncated at that threshold (the truncation trick,
        Brock et al. 2019, sec. 3.1; `gan_tf.models.truncation`)."""
        shape = (*leading_shape, self.latent_dim)
        if truncation is not None:
            if self.latent_distribution != "normal":
                raise ValueError(
                    "the truncation trick truncates a normal z; this model's is "
                    f"{self.latent_distribution}"
                )
            return truncated_normal(shape, seed, truncation, truncation_mode)
        if self.latent_distribution == "uniform":
            return tf.random.stateless_uniform(shape, seed=seed, minval=-1.0, maxval=1.0)
        return tf.random.stateless_normal(shape, seed=seed)

    def sample_labels(self, batch_size: int) -> tf.Tensor:
        """Uniformly drawn class labels for conditional generation."""
        return self.sample_integers(batch_size, 0, self.num_classes)

    # --- Network calls, with or without labels ---------------------------------------------------

    def generate(
        self,
        z: tf.Tensor,
        labels: tf.Tensor | None = None,
        training: bool = False,
        ema: bool = False,
    ) -> tf.Tensor:
        """G(z [, labels]) as float32; with `ema`, the moving average of G when there is one."""
        network = self.ema.network if ema and self.ema is not None else self.generator
        images = network([z, labels] if self.conditional else z, training=training)
        return tf.cast(images, tf.float32)  # real and fake images alike float32

    def augmented(self, images: tf.Tensor, training: bool) -> tf.Tensor:
        """The images D sees: augmented in training when the model augments, else as given."""
        if not training or self.augmentation is None:
            return images
        seed = self.next_seed()
        if self.distribute_strategy.num_replicas_in_sync > 1:  # each replica its own draws
            replica = tf.distribute.get_replica_context().replica_id_in_sync_group
            seed = tf.random.experimental.stateless_fold_in(seed, replica)
        return self.augmentation(images, seed)

    def discriminate(
        self, images: tf.Tensor, labels: tf.Tensor | None = None, training: bool = False
    ) -> tf.Tensor:
        scores = self.d_scores(self.augmented(images, training), labels, training)
        return tf.cast(scores, tf.float32)  # losses in float32 under mixed precision

    def d_scores(self, images: tf.Tensor, labels: tf.Tensor | None, training: bool) -> tf.Tensor:
        """D's raw scores of the images it sees (a growing model's: at the phase's level)."""
        return self.discriminator(
            [images, labels] if self.conditional else images, training=training
        )

    def standing_statistics(
        self, batches: int, batch_size: int = 256, seed: int = 1, ema: bool = False
    ) -> int:
        """Standing statistics (Brock et al. 2019, appendix C.1) for G, or with `ema` its moving
        average when it has one: batch norm's moving statistics become the average batch
        statistics of `batches` batches of fresh noise (and uniform labels). Returns the
        number of batch-norm layers updated (0 for a generator without any)."""
        network = self.ema.network if ema and self.ema is not None else self.generator

        def inputs(k: int):
            z = self.fixed_latents((batch_size,), seed=[seed, k])
            if not self.conditional:
                return z
            labels = tf.random.stateless_uniform(
                (batch_size,), seed=[seed, k + 10_000], maxval=self.num_classes, dtype=tf.int32
            )
            return [z, labels]

        return standing_statistics(network, inputs, batches)

    # --- Hooks a variant overrides ----------------------------------------------------------------

    def discriminator_loss(self, real_scores: tf.Tensor, fake_scores: tf.Tensor) -> tuple:
        """D's loss and any extra values to log (its regularisers come on top)."""
        return self.d_loss_fn(real_scores, fake_scores), {}

    def generator_loss(self, fake_scores: tf.Tensor) -> tf.Tensor:
        return self.g_loss_fn(fake_scores)

    def after_discriminator_update(self) -> None:
        """Called after every D update (WGAN clips the critic's weights here)."""

    # --- The step --------------------------------------------------------------------------------

    def train_step(self, data) -> Logs:
        real_images, labels = data if self.conditional else (data, None)
        self.start_step()
        batch = self.critic_batch(real_images, self.d_steps)

        # 1. k discriminator steps, each on its own slice of the real batch.
        for k in range(self.d_steps):
            d_logs = self.discriminator_step(
                real_images[k * batch : (k + 1) * batch],
                None if labels is None else labels[k * batch : (k + 1) * batch],
                update=self.step.value * self.d_steps + k,
            )
        # 2. m generator steps on fresh noise.
        for m in range(self.g_steps):
            g_logs = self.generator_step(
                batch * self.g_batch_multiple, update=self.step.value * self.g_steps + m
            )
        # 3. The generator's moving average follows G; an adaptive augmentation adapts.
        if self.ema is not None:
            self.ema.update(self.generator, self.step.value)
        augment_logs = {}
        if self.augmentation is not None:
            augment_logs = self.augmentation.update(self.step.value)

        return self.finish_step({**d_logs, **g_logs, **augment_logs}, images=batch)

    def discriminator_step(
        self, real_images: tf.Tensor, labels: tf.Tensor | None, update: tf.Tensor
    ) -> Logs:
        batch = real_images.shape[0]
        z = self.sample_latent(batch)
        fake_images = self.generate(z, labels, training=True)
        inputs = RegularizerInputs(real_images, fake_images, z, labels)

        def loss_fn():
            real_scores = self.discriminate(real_images, labels, training=True)
            fake_scores = self.discriminate(fake_images, labels, training=True)
            if self.augmentation is not None:
                self.augmentation.observe(real_scores)
            loss, logs = self.discriminator_loss(real_scores, fake_scores)
            penalty, penalty_logs = regularize(self, self.d_regularizers, inputs)
            return loss + penalty, {
                "d_real": self._mean_output(real_scores),
                "d_fake": self._mean_output(fake_scores),
                **logs,
                **penalty_logs,
            }

        loss, logs, norm = self.minimize("d", loss_fn)
        lazy_logs = lazy_updates(self, "d", self.d_regularizers, inputs, update)
        self.after_discriminator_update()
        return {"d_loss": loss, "d_grad_norm": norm, **logs, **lazy_logs}

    def generator_step(self, batch: int, update: tf.Tensor) -> Logs:
        z = self.sample_latent(batch)
        labels = self.sample_labels(batch) if self.conditional else None
        inputs = RegularizerInputs(latents=z, labels=labels)

        def loss_fn():
            fake_images = self.generate(z, labels, training=True)
            fake_scores = self.discriminate(fake_images, labels, training=True)
            penalty, logs = regularize(
                self, self.g_regularizers, RegularizerInputs(None, fake_images, z, labels)
            )
            return self.generator_loss(fake_scores) + penalty, logs

        loss, logs, norm = self.minimize("g", loss_fn)
        lazy_logs = lazy_updates(self, "g", self.g_regularizers, inputs, update)
        return {"g_loss": loss, "g_grad_norm": norm, **logs, **lazy_logs}

    # --- Helpers ---------------------------------------------------------------------------------

    def _mean_output(self, scores: tf.Tensor) -> tf.Tensor:
        outputs = self.d_output_fn(scores) if self.d_output_fn is not None else scores
        return tf.reduce_mean(outputs)
