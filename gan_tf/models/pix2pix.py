"""pix2pix (Isola et al. 2017, "Image-to-Image Translation with Conditional Adversarial
Networks"): a U-Net generator and a conditional PatchGAN trained on paired images.

The objective, eq. 4:   G* = arg min_G max_D  L_cGAN(G, D) + lambda * L_L1(G)
    L_cGAN = E[log D(x, y)] + E[log(1 - D(x, G(x)))]      (eq. 1; D sees input and output)
    L_L1   = E[||y - G(x)||_1]                             (eq. 3; lambda = 100)
`--loss` picks l1, cgan or l1_cgan, the comparison of sec. 4.2 / Table 1.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from gan_tf import losses as gan_losses
from gan_tf.configs.pix2pix import LOSSES, Pix2PixConfig
from gan_tf.errors import UsageError
from gan_tf.models import replicas
from gan_tf.models.factory import adam_optimizers
from gan_tf.models.translation import Logs, TranslationModel, load_held_out
from gan_tf.networks.patchgan import patch_discriminator
from gan_tf.networks.unet import unet_generator

NUM_SAMPLES = 8  # held-out inputs shown in sample grids


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
        loss: str,
        lambda_l1: float,
        seed: int,
        **kwargs,
    ) -> None:
        super().__init__(seed=seed, **kwargs)
        if loss not in LOSSES:
            raise UsageError(f"unknown pix2pix loss {loss!r}: choose one of {', '.join(LOSSES)}")
        self.generator = generator
        self.discriminator = discriminator
        self.loss = loss
        self.lambda_l1 = float(lambda_l1)

    def translate(self, inputs: tf.Tensor, training: bool = False) -> tf.Tensor:
        return tf.cast(self.generator(inputs, training=training), tf.float32)

    def _discriminate(self, inputs, outputs) -> tf.Tensor:
        return tf.cast(self.discriminator([inputs, outputs], training=True), tf.float32)

    def train_step(self, data) -> Logs:
        inputs, targets = data
        self.start_step()
        adversarial = self.loss != "l1"
        logs: Logs = {}

        # G's tape is entered around G's forward pass here and around its loss in step 3
        # (`minimize` re-enters it), so that D's update in between is not recorded on it.
        g_tape = tf.GradientTape()
        with g_tape:
            # 1. Translate; dropout in the decoder is G's only noise (sec. 2.1).
            fakes = self.translate(inputs, training=True)

        # 2. D step: max log D(x, y) + log(1 - D(x, G(x))), halved as in sec. 3.3 ("we divide
        #    the objective by 2 while optimizing D").
        if adversarial:

            def d_loss_fn():
                real_logits = self._discriminate(inputs, targets)
                fake_logits = self._discriminate(inputs, tf.stop_gradient(fakes))
                loss = 0.5 * gan_losses.minimax_discriminator_loss(real_logits, fake_logits)
                return loss, {
                    "d_real": tf.reduce_mean(tf.sigmoid(real_logits)),
                    "d_fake": tf.reduce_mean(tf.sigmoid(fake_logits)),
                }

            d_loss, d_logs, d_grad_norm = self.minimize("d", d_loss_fn)
            logs.update(d_loss=d_loss, d_grad_norm=d_grad_norm, **d_logs)

        # 3. G step: the non-saturating -log D(x, G(x)) (sec. 3.3) against the updated D, plus
        #    lambda * ||y - G(x)||_1 (eq. 4).
        def g_loss_fn():
            g_l1 = gan_losses.l1_loss(targets, fakes)
            loss, g_logs = 0.0, {"g_l1": g_l1}
            if adversarial:
                g_gan = gan_losses.non_saturating_generator_loss(self._discriminate(inputs, fakes))
                loss += g_gan
                g_logs["g_gan"] = g_gan
            if self.loss != "cgan":
                loss += self.lambda_l1 * g_l1
            return loss, g_logs

        g_loss, g_logs, g_grad_norm = self.minimize("g", g_loss_fn, tape=g_tape)
        logs.update(g_loss=g_loss, g_grad_norm=g_grad_norm, **g_logs)
        return self.finish_step(logs, images=inputs.shape[0])

    def grid_columns(self, samples) -> list[np.ndarray]:
        """Columns: input, translation, ground truth."""
        inputs, targets = samples
        return [inputs, self.translate(inputs).numpy(), targets]


def build_pix2pix(config: Pix2PixConfig) -> Pix2Pix:
    """pix2pix from its config (`gan_tf.configs.pix2pix`)."""
    from gan_tf.data import translation

    base = config.base_filters or 64  # sec. 6.1.1: C64 at the highest resolution
    generator = unet_generator(
        config.image_size,
        config.input_channels,
        config.channels,
        base_filters=base,
        num_levels=config.unet_levels,
        name="generator",
    )
    discriminator = patch_discriminator(
        config.image_size,
        config.channels,
        receptive_field=config.receptive_field,
        base_filters=base,
        norm="batch",
        conditional_channels=config.input_channels,
        name="discriminator",
    )
    model = Pix2Pix(
        generator,
        discriminator,
        loss=config.loss,
        lambda_l1=config.lambda_l1,
        seed=config.seed,
        name="pix2pix",
    )
    model.compile(**adam_optimizers(config), jit_compile=replicas.jit_compile_of(config))
    model.sample_source = lambda: load_held_out(
        lambda train: translation.paired_pipeline(
            config.dataset,
            batch_size=NUM_SAMPLES,
            image_size=config.image_size,
            task=config.pairs,
            train=train,
            jitter=False,
            shuffle=False,
            repeat=False,
            data_dir=config.data_dir,
            manual_dir=config.manual_dir,
        )
    )
    return model
