"""The InfoGAN networks of the large-scale GAN study (Lucic et al. 2018, "Are GANs Created
Equal? A Large-Scale Study", sec. 4 and appendix: one architecture for every loss).

The layers follow the study's code, google/compare_gan at 49495fd (2018-02),
`compare_gan/src/gans/abstract_gan.py` (`generator`, `discriminator`) and `ops.py`:

    G: z -> FC 1024, BN, lReLU -> FC 128 * S/4 * S/4, BN, lReLU -> reshape ->
       deconv 64 (4x4, stride 2), BN, lReLU -> deconv C (4x4, stride 2) -> sigmoid
    D: x -> conv 64 (4x4, stride 2), lReLU -> conv 128 (4x4, stride 2), [BN], lReLU ->
       flatten -> FC 1024, [BN], lReLU -> FC 1 (the logit)

with leaky ReLU 0.2 in both networks (`ops.lrelu`), biases in every layer, weights from
N(0, 0.02) (the convolutions' truncated at two standard deviations, `ops.conv2d`), zero biases,
and batch norm with decay 0.999 and epsilon 0.001, scale and offset learnt (`ops.batch_norm`:
`tf.contrib.layers.batch_norm(decay=0.999, epsilon=0.001, scale=True)`). D's two batch norms
are the study's `discriminator_batchnorm` setting (True or False).

The study's images are in [0, 1] and its G ends in a sigmoid; gan_tf's images are in [-1, 1].
The networks here are the study's functions of [0, 1] images: D first maps x to (x + 1) / 2,
and G's sigmoid output u is returned as 2u - 1, so every weight plays the role it has in the
study's code (the penalties' pixel units: `gan_tf.models.regularizers`).
"""

from __future__ import annotations

import keras
from keras import layers

from gan_tf.errors import UsageError
from gan_tf.networks.layers import NORMAL_OR_GLOROT, check_init

INITS = NORMAL_OR_GLOROT
LEAK = 0.2  # ops.lrelu
BATCH_NORM_MOMENTUM = 0.999  # ops.batch_norm: decay=0.999
BATCH_NORM_EPSILON = 1e-3  # ops.batch_norm: epsilon=0.001
STDDEV = 0.02  # ops.linear, ops.conv2d, ops.deconv2d: stddev=0.02
NORMALIZATIONS = ("batch", "layer", "none")


def check_image_size(image_size: int) -> None:
    """The networks halve the image twice: its side must be a multiple of 4."""
    if image_size % 4 or image_size < 4:
        raise UsageError(
            f"the InfoGAN networks take image sizes that are multiples of 4; got {image_size}"
        )


def _kernel(init: str, truncated: bool = False) -> keras.initializers.Initializer | str:
    if init == "glorot":
        return "glorot_uniform"
    if truncated:
        return keras.initializers.TruncatedNormal(stddev=STDDEV)
    return keras.initializers.RandomNormal(stddev=STDDEV)


def _batch_norm() -> layers.Layer:
    return layers.BatchNormalization(momentum=BATCH_NORM_MOMENTUM, epsilon=BATCH_NORM_EPSILON)


def infogan_generator(
    latent_dim: int = 64,
    image_size: int = 28,
    channels: int = 1,
    name: str = "infogan_generator",
    *,
    init: str = "normal",
) -> keras.Model:
    """z (latent_dim,) -> image (image_size, image_size, channels) in [-1, 1].

    Args:
      init: "normal" (the study's N(0, 0.02), zero biases) or "glorot" (Keras's defaults).
    """
    check_init("infogan_generator", init, INITS)
    check_image_size(image_size)
    quarter = image_size // 4
    z = keras.Input((latent_dim,), name="z")
    h = layers.Dense(1024, kernel_initializer=_kernel(init), name="g_fc1")(z)
    h = layers.LeakyReLU(LEAK)(_batch_norm()(h))
    h = layers.Dense(128 * quarter * quarter, kernel_initializer=_kernel(init), name="g_fc2")(h)
    h = layers.LeakyReLU(LEAK)(_batch_norm()(h))
    h = layers.Reshape((quarter, quarter, 128))(h)
    h = layers.Conv2DTranspose(
        64, 4, strides=2, padding="same", kernel_initializer=_kernel(init), name="g_dc3"
    )(h)
    h = layers.LeakyReLU(LEAK)(_batch_norm()(h))
    h = layers.Conv2DTranspose(
        channels,
        4,
        strides=2,
        padding="same",
        activation="sigmoid",
        kernel_initializer=_kernel(init),
        name="g_dc4",
    )(h)
    # The study's [0, 1] image u as gan_tf's [-1, 1] image 2u - 1.
    images = layers.Rescaling(2.0, offset=-1.0, name="image")(h)
    return keras.Model(z, images, name=name)


def infogan_discriminator(
    image_size: int = 28,
    channels: int = 1,
    normalization: str = "batch",
    use_bias: bool = True,
    name: str = "infogan_discriminator",
    *,
    init: str = "normal",
) -> keras.Model:
    """image in [-1, 1] -> one logit per image (no sigmoid).

    Args:
      normalization: "batch" (the study's discriminator_batchnorm=True), "none" (False), or
        "layer" (per-sample, for a critic with a gradient penalty; not in the study).
      use_bias: False removes the biases of every layer.
      init: "normal" (the study's: N(0, 0.02), truncated for the convolutions) or "glorot".
    """
    check_init("infogan_discriminator", init, INITS)
    check_image_size(image_size)
    if normalization not in NORMALIZATIONS:
        raise UsageError(
            f"unknown normalization {normalization!r}: choose {', '.join(NORMALIZATIONS)}"
        )

    def normalize(h, axis):
        if normalization == "batch":
            return _batch_norm()(h)
        if normalization == "layer":
            return layers.LayerNormalization(axis=axis)(h)
        return h

    images = keras.Input((image_size, image_size, channels), name="image")
    # gan_tf's [-1, 1] image x as the study's [0, 1] image (x + 1) / 2.
    h = layers.Rescaling(0.5, offset=0.5)(images)
    h = layers.Conv2D(
        64,
        4,
        strides=2,
        padding="same",
        use_bias=use_bias,
        kernel_initializer=_kernel(init, truncated=True),
        name="d_conv1",
    )(h)
    h = layers.LeakyReLU(LEAK)(h)
    h = layers.Conv2D(
        128,
        4,
        strides=2,
        padding="same",
        use_bias=use_bias,
        kernel_initializer=_kernel(init, truncated=True),
        name="d_conv2",
    )(h)
    h = layers.LeakyReLU(LEAK)(normalize(h, (1, 2, 3)))
    h = layers.Flatten()(h)
    h = layers.Dense(1024, use_bias=use_bias, kernel_initializer=_kernel(init), name="d_fc3")(h)
    h = layers.LeakyReLU(LEAK)(normalize(h, -1))
    logits = layers.Dense(1, use_bias=use_bias, kernel_initializer=_kernel(init), name="logit")(h)
    return keras.Model(images, logits, name=name)
