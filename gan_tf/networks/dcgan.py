"""DCGAN generator and discriminator (Radford et al. 2016, sec. 3 "approach and model
architecture", and fig. 1 for the 64x64 layout).

The paper's rules: strided convolutions instead of pooling (fractionally strided in G); batch
norm in both networks except the generator output and the discriminator input; no fully
connected hidden layers (the first generator layer is a projection, written here as a
transposed convolution on a 1x1 map, and the last discriminator layer a convolution over the
whole final map); ReLU in G with tanh at the output; LeakyReLU(0.2) in D.

Layout for image size S: the generator starts at s0 x s0 (7 for 28, else 4) and doubles the
resolution up to S, halving the filters each time; the discriminator mirrors it. At S = 64 with
`base_filters=128` this is exactly fig. 1: 1x1x100 -> 4x4x1024 -> 8x8x512 -> 16x16x256 ->
32x32x128 -> 64x64xC.

Initialisation (`init`): "normal" is the paper's, sec. 4 "Details of adversarial training":
"All weights were initialized from a zero-centered Normal distribution with standard deviation
0.02". Every convolution and transposed convolution kernel is drawn from N(0, 0.02) and every
bias is zero. The paper says nothing about batch norm; its scale is drawn from N(1, 0.02) and
its offset is zero, as in the authors' code (Newmu/dcgan_code, faces/train_uncond_dcgan.py:
`gain_ifn = inits.Normal(loc=1., scale=0.02)`, `bias_ifn = inits.Constant(c=0.)`) and in the
PyTorch DCGAN example (pytorch/examples dcgan/main.py `weights_init`), which WGAN's code
(martinarjovsky/WassersteinGAN main.py) copies. The critic's layer norm option keeps a scale of
one (no DCGAN code has it). "glorot" is Keras's defaults: glorot_uniform kernels, zero biases,
batch norm scale one.
"""

from __future__ import annotations

import math

import keras
from keras import layers

from gan_tf.errors import UsageError
from gan_tf.networks.layers import NORMAL_OR_GLOROT, batch_norm_gamma_init, check_init, kernel_init

SUPPORTED_SIZES = (28, 32, 64)
# "normal": Radford et al. 2016, sec. 4; "glorot": Keras's defaults (see the module docstring).
INITS = NORMAL_OR_GLOROT


def dcgan_layout(image_size: int) -> tuple[int, int]:
    """(start size s0, number of upsamplings) for a DCGAN of the given image size."""
    if image_size not in SUPPORTED_SIZES:
        sizes = ", ".join(map(str, SUPPORTED_SIZES))
        raise UsageError(f"DCGAN takes image sizes {sizes}; got {image_size}")
    start = 7 if image_size == 28 else 4
    return start, int(math.log2(image_size // start))


def default_base_filters(image_size: int) -> int:
    """128 at 64x64 (the paper's 1024 filters at 4x4); 64 for the small 28/32 images."""
    return 128 if image_size >= 64 else 64


def _label_maps(labels, num_classes: int, size: int):
    """One-hot labels tiled as `num_classes` constant feature maps of size x size (the usual
    way to condition a conv net, Mirza & Osindero 2014 applied to images)."""
    one_hot = layers.CategoryEncoding(num_classes, "one_hot")(labels)
    maps = layers.Reshape((1, 1, num_classes))(one_hot)
    return layers.UpSampling2D(size)(maps)


def dcgan_generator(
    latent_dim: int = 100,
    image_size: int = 64,
    channels: int = 3,
    base_filters: int | None = None,
    num_classes: int | None = None,
    name: str = "dcgan_generator",
    *,
    init: str = "normal",
) -> keras.Model:
    """z (latent_dim,) -> image (image_size, image_size, channels) in [-1, 1].

    With `num_classes`, a second input (int labels) is one-hot encoded and joined to z.

    Args:
      init: one of INITS. normal: Radford et al. 2016, sec. 4 (kernels N(0, 0.02), biases
        zero, batch norm scale N(1, 0.02) as in the authors' code); glorot: Keras's defaults.

    Raises:
      ValueError (an `InitError`, also a UsageError): unknown init.
    """
    check_init("dcgan_generator", init, INITS)
    start, num_up = dcgan_layout(image_size)
    base = base_filters or default_base_filters(image_size)
    z = keras.Input((latent_dim,), name="z")
    inputs = [z]
    h = z
    if num_classes:
        labels = keras.Input((), dtype="int32", name="label")
        inputs.append(labels)
        h = layers.Concatenate()([z, layers.CategoryEncoding(num_classes, "one_hot")(labels)])
    h = layers.Reshape((1, 1, h.shape[-1]))(h)
    # Projection of z to s0 x s0 x (base * 2^(num_up-1)), as a convolution (no dense layer).
    h = layers.Conv2DTranspose(
        base * 2 ** (num_up - 1),
        start,
        padding="valid",
        use_bias=False,
        kernel_initializer=kernel_init(init),
    )(h)
    h = layers.BatchNormalization(gamma_initializer=batch_norm_gamma_init(init))(h)
    h = layers.ReLU()(h)
    for i in range(num_up - 1, 0, -1):
        h = layers.Conv2DTranspose(
            base * 2 ** (i - 1),
            4,
            strides=2,
            padding="same",
            use_bias=False,
            kernel_initializer=kernel_init(init),
        )(h)
        h = layers.BatchNormalization(gamma_initializer=batch_norm_gamma_init(init))(h)
        h = layers.ReLU()(h)
    # Output layer: no batch norm, tanh; its bias starts at zero.
    images = layers.Conv2DTranspose(
        channels,
        4,
        strides=2,
        padding="same",
        activation="tanh",
        kernel_initializer=kernel_init(init),
        name="image",
    )(h)
    return keras.Model(inputs if num_classes else z, images, name=name)


def dcgan_discriminator(
    image_size: int = 64,
    channels: int = 3,
    base_filters: int | None = None,
    num_classes: int | None = None,
    normalization: str = "batch",
    use_bias: bool = True,
    name: str = "dcgan_discriminator",
    *,
    init: str = "normal",
) -> keras.Model:
    """image -> one logit per image (no sigmoid), strided convolutions only.

    Args:
      normalization: "batch" (DCGAN), "layer" or "none". WGAN-GP's penalty is per sample, so
        its critic must not use batch norm (Gulrajani et al. 2017, sec. 4); "layer" is the
        replacement they recommend.
      use_bias: False removes the biases of every layer of the critic.
      num_classes: join one-hot label maps to the input image as extra channels.
      init: one of INITS. normal: Radford et al. 2016, sec. 4 (kernels N(0, 0.02), biases
        zero, batch norm scale N(1, 0.02) as in the authors' code; layer norm scale one);
        glorot: Keras's defaults.

    Raises:
      ValueError (an `InitError`, also a UsageError): unknown init.
    """
    check_init("dcgan_discriminator", init, INITS)
    start, num_down = dcgan_layout(image_size)
    base = base_filters or default_base_filters(image_size)
    images = keras.Input((image_size, image_size, channels), name="image")
    inputs = [images]
    h = images
    if num_classes:
        labels = keras.Input((), dtype="int32", name="label")
        inputs.append(labels)
        h = layers.Concatenate()([h, _label_maps(labels, num_classes, image_size)])
    for i in range(num_down):
        h = layers.Conv2D(
            base * 2**i,
            4,
            strides=2,
            padding="same",
            use_bias=use_bias,
            kernel_initializer=kernel_init(init),
        )(h)
        if i > 0:  # no normalisation on the discriminator input layer
            h = _normalization(normalization, init)(h)
        h = layers.LeakyReLU(0.2)(h)
    # Final convolution over the whole s0 x s0 map gives one score (no dense layer).
    h = layers.Conv2D(
        1, start, padding="valid", use_bias=use_bias, kernel_initializer=kernel_init(init)
    )(h)
    logits = layers.Flatten(name="logit")(h)
    return keras.Model(inputs if num_classes else images, logits, name=name)


def _normalization(kind: str, init: str) -> layers.Layer:
    if kind == "batch":
        return layers.BatchNormalization(gamma_initializer=batch_norm_gamma_init(init))
    if kind == "layer":
        # Normalise each sample over (H, W, C), as Gulrajani et al. 2017 do in the critic.
        return layers.LayerNormalization(axis=(1, 2, 3))
    if kind == "none":
        return layers.Identity()
    raise UsageError(f"unknown normalization {kind!r}: choose batch, layer or none")
