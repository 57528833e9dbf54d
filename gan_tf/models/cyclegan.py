"""CycleGAN (Zhu et al. 2017, "Unpaired Image-to-Image Translation using Cycle-Consistent
Adversarial Networks"): two generators G: A -> B and F: B -> A, two PatchGAN discriminators
D_B (judges B images) and D_A (judges A images), trained on unpaired images.

The full objective, eq. 3 (+ the identity loss of sec. 5.2):
    L = L_GAN(G, D_B) + L_GAN(F, D_A) + lambda_cyc * L_cyc(G, F) + lambda_id * L_identity(G, F)
with least-squares adversarial losses (sec. 4, "Training details"), lambda_cyc = 10 and
lambda_id = 0.5 * lambda_cyc. D is updated on a history of 50 generated images (sec. 4,
after Shrivastava et al. 2017), kept by `ImagePool` inside the compiled step. Adam(2e-4, 0.5);
the learning rate is constant, then decays linearly to zero
(`gan_tf.models.schedules.LinearDecayAfter`).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import tensorflow as tf

from gan_tf import losses as gan_losses
from gan_tf.configs.cyclegan import CycleGANConfig
from gan_tf.errors import UsageError
from gan_tf.models import replicas
from gan_tf.models.base import RNG
from gan_tf.models.factory import adam
from gan_tf.models.schedules import LinearDecayAfter
from gan_tf.models.translation import Logs, TranslationModel, load_held_out
from gan_tf.networks.patchgan import patch_discriminator
from gan_tf.networks.resnet import resnet_generator

NUM_SAMPLES = 8


class ImagePool(keras.layers.Layer):
    """A history of generated images that works inside a compiled (XLA) step.

    Shrivastava et al. 2017, sec. 2.3 and CycleGAN sec. 4: the discriminator is updated with a
    history of generated images rather than only the latest ones. For each incoming image:
      - while the pool is not full, store it and return it;
      - once full, with probability 0.5 return a uniformly chosen stored image and store the
        new one in its place; otherwise return the new image.
    The state is two non-trainable variables (images, count), updated with tf ops only (no
    Python branches on values), and the random choices are stateless draws from a given seed,
    so `query` traces once and compiles with XLA.

    Within one batch the images are handled at once: the images that fill the free slots are
    returned as is, the others may swap with slots filled *before* this batch, each with a
    different slot. With a batch of one image (the paper's) this is exactly the sequential
    algorithm; with larger batches it differs only in the one batch during which the pool fills.
    """

    def __init__(self, image_shape: tuple[int, int, int], pool_size: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.pool_size = int(pool_size)
        self.images = self.add_weight(
            shape=(self.pool_size, *image_shape),
            initializer="zeros",
            trainable=False,
            name="images",
        )
        self.count = self.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False, name="count"
        )
        self.built = True  # its state exists from the start; `query` is its only entry point

    def query(self, images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        """Returns a batch shaped like `images` and updates the pool. `seed`: shape (2,)."""
        if self.pool_size == 0:
            return images
        batch = images.shape[0]
        if batch > self.pool_size:
            raise ValueError(f"batch of {batch} images exceeds the pool size {self.pool_size}")
        images = tf.cast(images, self.images.dtype)
        swap_seed, slot_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2, alg=RNG))
        count = tf.convert_to_tensor(self.count)
        pool = tf.convert_to_tensor(self.images)
        index = tf.range(batch)

        # 1. Images that fill the free slots count, count + 1, ...
        fill = index < self.pool_size - count
        fill_slot = count + index
        # 2. The others swap with probability 1/2 with distinct, already filled slots: a random
        #    permutation of the filled slots (unfilled ones sort last).
        coin = tf.random.stateless_uniform((batch,), seed=swap_seed, alg=RNG)
        keys = tf.random.stateless_uniform((self.pool_size,), seed=slot_seed, alg=RNG)
        keys += tf.cast(tf.range(self.pool_size) >= count, tf.float32) * 2.0
        swap_slot = tf.gather(tf.argsort(keys), index)
        swap = ~fill & (coin < 0.5) & (swap_slot < count)

        # 3. Returned: a stored image where swapped, the new image otherwise.
        stored = tf.gather(pool, swap_slot)
        returned = tf.where(swap[:, None, None, None], stored, images)

        # 4. Write the new images into their slots (a one-hot scatter, XLA-friendly).
        slot = tf.where(fill, fill_slot, tf.where(swap, swap_slot, self.pool_size))
        writes = tf.one_hot(slot, self.pool_size, dtype=pool.dtype)  # slot == size: no write
        written = tf.tensordot(writes, images, axes=[[0], [0]])
        mask = tf.reduce_sum(writes, axis=0) > 0
        self.images.assign(tf.where(mask[:, None, None, None], written, pool))
        self.count.assign(tf.minimum(count + batch, self.pool_size))
        return returned


class CycleGAN(TranslationModel):
    """CycleGAN with generators G (A -> B), F (B -> A) and discriminators D_A, D_B; one
    optimizer trains G and F, one D_A and D_B (`TranslationModel`).

    Args:
      lambda_cyc: weight of the cycle loss (sec. 4: 10).
      lambda_id: weight of the identity loss (sec. 5.2: 0.5 * lambda_cyc; 0 disables it).
      pool_size: images kept per discriminator's history (50; 0 disables the pool).
    """

    def __init__(
        self,
        generator_ab: keras.Model,
        generator_ba: keras.Model,
        discriminator_a: keras.Model,
        discriminator_b: keras.Model,
        *,
        lambda_cyc: float,
        lambda_id: float,
        pool_size: int,
        seed: int,
        **kwargs,
    ) -> None:
        super().__init__(seed=seed, **kwargs)
        self.generator_ab = generator_ab
        self.generator_ba = generator_ba
        self.discriminator_a = discriminator_a
        self.discriminator_b = discriminator_b
        self.lambda_cyc = float(lambda_cyc)
        self.lambda_id = float(lambda_id)
        shape = tuple(generator_ab.inputs[0].shape[1:])
        self.pool_a = ImagePool(shape, pool_size, name="pool_a")
        self.pool_b = ImagePool(shape, pool_size, name="pool_b")

    GENERATORS = ("generator_ab", "generator_ba")
    DISCRIMINATORS = ("discriminator_a", "discriminator_b")

    def checkpoint_objects(self) -> dict[str, Any]:
        """The base's networks, optimizers and step, and both image pools."""
        return {**super().checkpoint_objects(), "pool_a": self.pool_a, "pool_b": self.pool_b}

    def translate(self, images: tf.Tensor, to_b: bool = True, training: bool = False):
        generator = self.generator_ab if to_b else self.generator_ba
        return tf.cast(generator(images, training=training), tf.float32)

    def train_step(self, data) -> Logs:
        real_a, real_b = data
        self.start_step()
        lsgan_d = gan_losses.least_squares_discriminator_loss

        def lsgan_g(outputs):
            # Sec. 4: G minimises E[(D(G(x)) - 1)^2]; the library's form carries Mao et al.'s
            # 1/2, which CycleGAN keeps only on D's side.
            return 2.0 * gan_losses.least_squares_generator_loss(outputs)

        # 1. Generators (G and F together): adversarial + cycle + identity losses.
        fakes = {}

        def g_loss_fn():
            fake_b = fakes["b"] = self.generator_ab(real_a, training=True)
            fake_a = fakes["a"] = self.generator_ba(real_b, training=True)
            cycled_a = self.generator_ba(fake_b, training=True)  # F(G(a)) ~ a
            cycled_b = self.generator_ab(fake_a, training=True)  # G(F(b)) ~ b
            g_adv_b = lsgan_g(tf.cast(self.discriminator_b(fake_b, training=True), tf.float32))
            g_adv_a = lsgan_g(tf.cast(self.discriminator_a(fake_a, training=True), tf.float32))
            cycle = gan_losses.cycle_consistency_loss(real_a, cycled_a, real_b, cycled_b)
            loss = g_adv_b + g_adv_a + self.lambda_cyc * cycle
            identity = tf.constant(0.0)
            if self.lambda_id:
                same_b = self.generator_ab(real_b, training=True)  # G(b) ~ b
                same_a = self.generator_ba(real_a, training=True)  # F(a) ~ a
                identity = gan_losses.identity_loss(real_a, same_a, real_b, same_b)
                loss += self.lambda_id * identity
            return loss, {
                "g_adv_a": g_adv_a,
                "g_adv_b": g_adv_b,
                "cycle": cycle,
                "identity": identity,
            }

        g_loss, g_logs, g_grad_norm = self.minimize("g", g_loss_fn)

        # 2. Discriminators on real images and on fakes from the history pools:
        #    D_B minimises 1/2 E[(D_B(b) - 1)^2] + 1/2 E[D_B(G(a))^2], D_A likewise.
        pooled_b = self.pool_b.query(tf.stop_gradient(fakes["b"]), self.next_seed())
        pooled_a = self.pool_a.query(tf.stop_gradient(fakes["a"]), self.next_seed())

        def d_loss_fn():
            real_b_out = tf.cast(self.discriminator_b(real_b, training=True), tf.float32)
            fake_b_out = tf.cast(self.discriminator_b(pooled_b, training=True), tf.float32)
            real_a_out = tf.cast(self.discriminator_a(real_a, training=True), tf.float32)
            fake_a_out = tf.cast(self.discriminator_a(pooled_a, training=True), tf.float32)
            d_loss_b = lsgan_d(real_b_out, fake_b_out)
            d_loss_a = lsgan_d(real_a_out, fake_a_out)
            return d_loss_a + d_loss_b, {
                "d_loss_a": d_loss_a,
                "d_loss_b": d_loss_b,
                "d_real_a": tf.reduce_mean(real_a_out),
                "d_fake_a": tf.reduce_mean(fake_a_out),
                "d_real_b": tf.reduce_mean(real_b_out),
                "d_fake_b": tf.reduce_mean(fake_b_out),
            }

        _, d_logs, d_grad_norm = self.minimize("d", d_loss_fn)
        logs = {
            "g_loss": g_loss,
            **g_logs,
            **d_logs,
            "g_grad_norm": g_grad_norm,  # G and F together
            "d_grad_norm": d_grad_norm,  # D_A and D_B together
        }
        return self.finish_step(logs, images=real_a.shape[0])

    def grid_columns(self, samples) -> list[np.ndarray]:
        """Columns: a, G(a), F(G(a)), b, F(b), G(F(b))."""
        a, b = samples
        fake_b, fake_a = self.translate(a).numpy(), self.translate(b, to_b=False).numpy()
        return [
            a,
            fake_b,
            self.translate(fake_b, to_b=False).numpy(),
            b,
            fake_a,
            self.translate(fake_a).numpy(),
        ]


def build_cyclegan(config: CycleGANConfig) -> CycleGAN:
    """CycleGAN from its config (`gan_tf.configs.cyclegan`)."""
    from gan_tf.data import translation

    size, channels = config.image_size, config.channels
    base = config.base_filters or 64  # appendix 7.2: c7s1-64 / C64

    def generator(name):
        return resnet_generator(
            size, channels, base, num_residual_blocks=config.num_residual_blocks, name=name
        )

    def discriminator(name):
        return patch_discriminator(
            size,
            channels,
            receptive_field=config.receptive_field,
            base_filters=base,
            norm="instance",
            name=name,
        )

    # Sec. 5.2: the identity weight is half the cycle weight unless set.
    lambda_id = 0.5 * config.lambda_cyc if config.lambda_id is None else config.lambda_id
    # Sec. 4: constant for the first half of training, then linearly to zero.
    decay_start = config.train_steps // 2 if config.decay_start is None else config.decay_start
    if decay_start < 0:
        raise UsageError(f"--decay_start must be >= 0, got {decay_start}")
    if config.pool_size and config.batch_size > config.pool_size:
        raise UsageError(
            f"--batch_size={config.batch_size} exceeds --pool_size={config.pool_size}: "
            "use a batch of at most the pool size (the paper uses 1)"
        )

    model = CycleGAN(
        generator("generator_ab"),
        generator("generator_ba"),
        discriminator("discriminator_a"),
        discriminator("discriminator_b"),
        lambda_cyc=config.lambda_cyc,
        lambda_id=lambda_id,
        pool_size=config.pool_size,
        seed=config.seed,
        name="cyclegan",
    )

    def schedule(rate):
        return LinearDecayAfter(rate, decay_start, config.train_steps)

    model.compile(
        g_optimizer=adam(schedule(config.g_learning_rate), config.beta_1, config.beta_2),
        d_optimizer=adam(schedule(config.d_learning_rate), config.beta_1, config.beta_2),
        jit_compile=replicas.jit_compile_of(config),
    )
    model.sample_source = lambda: load_held_out(
        lambda train: translation.unpaired_pipeline(
            config.dataset,
            batch_size=NUM_SAMPLES,
            image_size=size,
            domain_b=config.domain_b,
            train=train,
            shuffle=False,
            repeat=False,
            data_dir=config.data_dir,
            manual_dir=config.manual_dir,
        )
    )
    return model
