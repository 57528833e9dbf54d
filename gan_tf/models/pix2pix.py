"""pix2pix (Isola et al. 2017, "Image-to-Image Translation with Conditional Adversarial
Networks"): a U-Net generator and a conditional PatchGAN trained on paired images.

The objective, eq. 4:   G* = arg min_G max_D  L_cGAN(G, D) + lambda * L_L1(G)
    L_cGAN = E[log D(x, y)] + E[log(1 - D(x, G(x)))]      (eq. 1; D sees input and output)
    L_L1   = E[||y - G(x)||_1]                             (eq. 3; lambda = 100)
`--loss` picks l1, cgan or l1_cgan, the comparison of sec. 4.2 / Table 1.

This module also holds `TranslationModel`, the small base the three translation models
(pix2pix, CycleGAN, StarGAN) share: the step counter, stateless per-step seeds, replica-averaged
logs and the held-out sample grid. It lives here because pix2pix is the first of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from gan_tf import losses as gan_losses
from gan_tf.config import RunConfig
from gan_tf.errors import UsageError
from gan_tf.networks.patchgan import patch_discriminator
from gan_tf.networks.unet import unet_generator
from gan_tf.training.images import image_grid

Logs = dict[str, tf.Tensor]
LOSSES = ("l1", "cgan", "l1_cgan")
NUM_SAMPLES = 8  # held-out inputs shown in sample grids


class TranslationModel(keras.Model):
    """What the translation models share (see `gan_tf.models.adversarial` for the pattern).

    - `step`: training iterations done; checkpointed, and part of every random seed.
    - `_next_seed()`: a stateless seed per draw site, step and replica, so the step compiles
      with XLA, traces once and resumes deterministically.
    - `sample_grid()`: translations of fixed held-out inputs, loaded once from
      `sample_source()` (set by the builder) or given with `set_samples`.
    """

    def __init__(self, *, seed: int = 0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.seed = seed
        self.step = keras.Variable(0, dtype="int64", trainable=False, name="step")
        self._draws = 0
        self.sample_source: Callable[[], Any] | None = None
        self._samples = None

    # --- Randomness and distribution -------------------------------------------------------------

    def _next_seed(self) -> tf.Tensor:
        self._draws += 1
        context = tf.distribute.get_replica_context()
        replica = context.replica_id_in_sync_group if context is not None else 0
        return tf.stack(
            [
                tf.constant(self.seed, tf.int64) * 1024 + tf.cast(replica, tf.int64),
                self.step.value * 1024 + self._draws,
            ]
        )

    def _scaled(self, loss: tf.Tensor) -> tf.Tensor:
        """A replica's share of the global loss: gradients summed over replicas are right."""
        return loss / self.distribute_strategy.num_replicas_in_sync

    def _global_means(self, logs: Logs) -> Logs:
        if self.distribute_strategy.num_replicas_in_sync == 1:
            return logs
        context = tf.distribute.get_replica_context()
        return {k: context.all_reduce(tf.distribute.ReduceOp.MEAN, v) for k, v in logs.items()}

    # --- Sample grids ----------------------------------------------------------------------------

    def set_samples(self, samples) -> None:
        """Fixed held-out inputs for `sample_grid` (the structure the subclass expects)."""
        self._samples = samples

    def samples(self):
        if self._samples is None:
            if self.sample_source is None:
                raise UsageError(f"{self.name}: no held-out samples: call set_samples first")
            self._samples = self.sample_source()
        return self._samples

    def sample_grid(self) -> np.ndarray:
        """uint8 (H, W, C) grid: one row per held-out input; the columns depend on the model."""
        columns = [np.asarray(c, np.float32) for c in self.grid_columns(self.samples())]
        channels = max(c.shape[-1] for c in columns)
        columns = [np.repeat(c, channels, -1) if c.shape[-1] != channels else c for c in columns]
        rows = columns[0].shape[0]
        # (rows, cols, h, w, c) -> row-major list of images.
        images = np.stack(columns, axis=1).reshape((-1, *columns[0].shape[1:]))
        return image_grid(images, rows=rows)

    def grid_columns(self, samples) -> list[np.ndarray]:
        raise NotImplementedError


def first_batch(dataset: tf.data.Dataset):
    return tf.nest.map_structure(lambda t: t.numpy(), next(iter(dataset)))


def load_held_out(make: Callable[[bool], tf.data.Dataset]):
    """The first batch of the held-out split, or of the training split when the data has no
    held-out split (e.g. a user's folder with train/ only)."""
    try:
        return first_batch(make(False))
    except UsageError:
        return first_batch(make(True))


class Pix2Pix(TranslationModel):
    """pix2pix: G(x) maps input x to output y; D(x, y) judges patches of the pair.

    Args:
      generator: maps inputs (batch, h, w, c_in) to outputs (batch, h, w, c_out).
      discriminator: maps [input, output] to patch logits (batch, h', w', 1).
      loss: "l1_cgan" (eq. 4), "cgan" (eq. 1 only) or "l1" (eq. 3 only; D is not trained).
      lambda_l1: weight of the L1 term (sec. 3.1 / 4.2: 100).
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        *,
        loss: str = "l1_cgan",
        lambda_l1: float = 100.0,
        seed: int = 0,
        **kwargs,
    ) -> None:
        super().__init__(seed=seed, **kwargs)
        if loss not in LOSSES:
            raise UsageError(f"unknown pix2pix loss {loss!r}: choose one of {', '.join(LOSSES)}")
        self.generator = generator
        self.discriminator = discriminator
        self.loss = loss
        self.lambda_l1 = float(lambda_l1)

    def compile(
        self,
        g_optimizer: keras.optimizers.Optimizer,
        d_optimizer: keras.optimizers.Optimizer,
        **kwargs,
    ) -> None:
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer

    def build_optimizers(self) -> None:
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)

    def checkpoint_objects(self) -> dict[str, Any]:
        return {
            "generator": self.generator,
            "discriminator": self.discriminator,
            "g_optimizer": self.g_optimizer,
            "d_optimizer": self.d_optimizer,
            "step": self.step,
        }

    def translate(self, inputs: tf.Tensor, training: bool = False) -> tf.Tensor:
        return self.generator(inputs, training=training)

    def _discriminate(self, inputs, outputs) -> tf.Tensor:
        return tf.cast(self.discriminator([inputs, outputs], training=True), tf.float32)

    def train_step(self, data) -> Logs:
        inputs, targets = data
        self._draws = 0
        adversarial = self.loss != "l1"
        logs: Logs = {}

        # G's tape is entered twice, around G's forward pass and around its loss, so that D's
        # update in between is not recorded on it.
        g_tape = tf.GradientTape()
        with g_tape:
            # 1. Translate; dropout in the decoder is G's only noise (sec. 2.1).
            fakes = self.translate(inputs, training=True)

        # 2. D step: max log D(x, y) + log(1 - D(x, G(x))), halved as in sec. 3.3 ("we divide
        #    the objective by 2 while optimizing D").
        if adversarial:
            with tf.GradientTape() as d_tape:
                real_logits = self._discriminate(inputs, targets)
                fake_logits = self._discriminate(inputs, tf.stop_gradient(fakes))
                d_loss = 0.5 * gan_losses.minimax_discriminator_loss(real_logits, fake_logits)
                scaled = self._scaled(d_loss)  # on the tape: the scaling is differentiated too
            d_vars = self.discriminator.trainable_variables
            self.d_optimizer.apply(d_tape.gradient(scaled, d_vars), d_vars)
            logs.update(
                d_loss=d_loss,
                d_real=tf.reduce_mean(tf.sigmoid(real_logits)),
                d_fake=tf.reduce_mean(tf.sigmoid(fake_logits)),
            )

        # 3. G step: the non-saturating -log D(x, G(x)) (sec. 3.3) against the updated D, plus
        #    lambda * ||y - G(x)||_1 (eq. 4).
        with g_tape:
            g_l1 = gan_losses.l1_loss(targets, fakes)
            g_loss = 0.0
            if adversarial:
                g_gan = gan_losses.non_saturating_generator_loss(self._discriminate(inputs, fakes))
                g_loss += g_gan
                logs["g_gan"] = g_gan
            if self.loss != "cgan":
                g_loss += self.lambda_l1 * g_l1
            scaled = self._scaled(g_loss)
        g_vars = self.generator.trainable_variables
        g_grads = g_tape.gradient(scaled, g_vars)
        self.g_optimizer.apply(g_grads, g_vars)
        logs.update(g_loss=g_loss, g_l1=g_l1)

        self.step.assign_add(1)
        return self._global_means(logs)

    def grid_columns(self, samples) -> list[np.ndarray]:
        """Columns: input, translation, ground truth."""
        inputs, targets = samples
        return [inputs, self.translate(inputs).numpy(), targets]


def adam(learning_rate, config: RunConfig) -> keras.optimizers.Optimizer:
    return keras.optimizers.Adam(learning_rate, beta_1=config.beta_1, beta_2=config.beta_2)


def build_pix2pix(config: RunConfig) -> Pix2Pix:
    """pix2pix from a RunConfig. `config.extra`: loss, lambda_l1, receptive_field, pairs
    (how inputs are derived from a TFDS dataset), jitter, input_channels, num_levels."""
    from gan_tf.data import translation

    extra = config.extra
    in_channels = int(extra.get("input_channels", config.channels))
    base = config.base_filters or 64
    generator = unet_generator(
        config.image_size,
        in_channels,
        config.channels,
        base_filters=base,
        num_levels=extra.get("num_levels"),
        name="generator",
    )
    discriminator = patch_discriminator(
        config.image_size,
        config.channels,
        receptive_field=int(extra.get("receptive_field", 70)),
        base_filters=base,
        norm="batch",
        conditional_channels=in_channels,
        name="discriminator",
    )
    model = Pix2Pix(
        generator,
        discriminator,
        loss=extra.get("loss", "l1_cgan"),
        lambda_l1=extra.get("lambda_l1", 100.0),
        seed=config.seed,
        name="pix2pix",
    )
    model.compile(
        g_optimizer=adam(config.g_learning_rate, config),
        d_optimizer=adam(config.d_learning_rate, config),
        jit_compile=config.jit_compile,
    )
    model.sample_source = lambda: load_held_out(
        lambda train: translation.paired_pipeline(
            config.dataset,
            batch_size=NUM_SAMPLES,
            image_size=config.image_size,
            task=extra.get("pairs"),
            train=train,
            jitter=False,
            shuffle=False,
            repeat=False,
            data_dir=config.data_dir,
            manual_dir=config.manual_dir,
        )
    )
    return model
