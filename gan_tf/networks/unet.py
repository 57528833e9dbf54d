"""pix2pix U-Net generator (Isola et al. 2017, "Image-to-Image Translation with Conditional
Adversarial Networks", sec. 3.2.1 and appendix 6.1.1)."""

from __future__ import annotations

import keras

from gan_tf.errors import UsageError
from gan_tf.networks.layers import (
    NORMAL_OR_GLOROT,
    batch_norm,
    batch_norm_gamma_init,
    check_init,
    check_positive_ints,
    count_halvings,
    kernel_init,
)

# Appendix 6.1.1: dropout (rate 0.5) only in the first three decoder blocks ("CD512").
DROPOUT_RATE = 0.5
NUM_DROPOUT_BLOCKS = 3
MIN_LEVELS = 2  # at least one skip connection
# "normal": Isola et al. 2017, sec. 6.2 ("Weights were initialized from a Gaussian distribution
# with mean 0 and standard deviation 0.02"), batch norm scale N(1, 0.02) as in the authors' code
# (phillipi/pix2pix train.lua and junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py, both
# `weights_init` / `init_weights`); "glorot": Keras's defaults.
INITS = NORMAL_OR_GLOROT


def _sizes_hint() -> str:
    return (
        "image_size must be a multiple of 4: a power of two (32, 64, 128, 256, ...) goes down "
        "to a 1x1 bottleneck, other sizes stop at their odd factor (28 -> 7x7)"
    )


def unet_generator(
    image_size: int = 256,
    in_channels: int = 3,
    out_channels: int = 3,
    base_filters: int = 64,
    max_filters: int = 512,
    num_levels: int | None = None,
    name: str = "unet_generator",
    *,
    init: str = "normal",
) -> keras.Model:
    """The pix2pix U-Net generator, Isola et al. 2017, appendix 6.1.1 ("U-Net decoder").

    Encoder, 4x4 convolutions with stride 2, each halving the image:
        C64-C128-C256-C512-C512-C512-C512-C512   (at 256x256: 8 levels, down to 1x1)
    Ck = Conv-BatchNorm-LeakyReLU(0.2); no BatchNorm on the first level (as in the paper) nor
    on the innermost one (as in the authors' code: batch statistics of a 1x1 map at batch
    size 1 would erase the bottleneck).
    Decoder, 4x4 transposed convolutions with stride 2, mirroring the encoder:
        CD512-CD512-CD512-C512-C256-C128-C64, then a transposed conv to `out_channels` + tanh
    CDk = ConvTranspose-BatchNorm-Dropout(0.5)-ReLU. Decoder block j (1-based) is concatenated
    on channels with encoder level n-j (same resolution): the U-Net skip connections, so the
    paper's channel counts after concatenation (CD1024, ...) appear as the Concatenate outputs.
    Filters are min(base_filters * 2**i, max_filters) at encoder level i (0-based).

    Dropout is the only noise (sec. 2.1). It is active when the model is called with
    training=True and off otherwise. The paper also keeps dropout and batch statistics at
    test time (sec. 6.3); call the model with training=True to get that behaviour.

    Args:
        image_size: height = width of input and output. Sizes: any multiple of 4.
        num_levels: encoder levels (= decoder levels). Default: as many halvings as
            image_size allows exactly, i.e. log2(image_size) for a power of two (256 -> 8,
            32 -> 5, bottleneck 1x1) and 2 for 28 (bottleneck 7x7). Must be >= 2 with
            image_size divisible by 2**num_levels.
        init: one of INITS. normal: Isola et al. 2017, sec. 6.2 (kernels N(0, 0.02), biases
            zero; batch norm scale N(1, 0.02) as in the authors' code); glorot: Keras's
            defaults (glorot_uniform kernels, batch norm scale one).

    Returns:
        A functional model mapping (batch, image_size, image_size, in_channels) images in
        [-1, 1] to (batch, image_size, image_size, out_channels) images in [-1, 1].

    Raises:
        UsageError: unsupported image_size / num_levels or non-positive sizes.
        ValueError (an `InitError`, also a UsageError): unknown init.
    """
    builder = "unet_generator"
    check_init(builder, init, INITS)
    check_positive_ints(
        builder,
        image_size=image_size,
        in_channels=in_channels,
        out_channels=out_channels,
        base_filters=base_filters,
        max_filters=max_filters,
    )
    image_size = int(image_size)
    possible = count_halvings(image_size)
    if num_levels is None:
        if possible < MIN_LEVELS:
            raise UsageError(f"{builder}: image_size={image_size} does not work: {_sizes_hint()}")
        num_levels = possible
    else:
        check_positive_ints(builder, num_levels=num_levels)
        num_levels = int(num_levels)
        if num_levels < MIN_LEVELS or num_levels > possible:
            raise UsageError(
                f"{builder}: num_levels={num_levels} does not work with image_size={image_size}:"
                f" use 2 <= num_levels <= {possible} (image_size divisible by 2**num_levels),"
                f" or num_levels=None; {_sizes_hint()}"
            )

    filters = [min(base_filters * 2**level, max_filters) for level in range(num_levels)]
    image = keras.Input(shape=(image_size, image_size, in_channels), name="image")

    # Encoder. "same" padding with a 4x4 kernel, stride 2 and an even size pads 1 on each
    # side, the paper's (PyTorch/Torch) padding of 1.
    skips = []
    x = image
    for level in range(num_levels):
        normalized = 0 < level < num_levels - 1
        prefix = f"enc{level + 1}"
        x = keras.layers.Conv2D(
            filters[level],
            4,
            strides=2,
            padding="same",
            use_bias=not normalized,  # BatchNorm's offset replaces the bias
            kernel_initializer=kernel_init(init),
            name=f"{prefix}_conv",
        )(x)
        if normalized:
            x = batch_norm(f"{prefix}_bn", batch_norm_gamma_init(init))(x)
        x = keras.layers.LeakyReLU(negative_slope=0.2, name=f"{prefix}_lrelu")(x)
        skips.append(x)

    # Decoder: block j upsamples to the resolution of encoder level n-1-j (0-based) and
    # concatenates that level's output.
    for block in range(num_levels - 1):
        level = num_levels - 2 - block
        prefix = f"dec{block + 1}"
        x = keras.layers.Conv2DTranspose(
            filters[level],
            4,
            strides=2,
            padding="same",
            use_bias=False,
            kernel_initializer=kernel_init(init),
            name=f"{prefix}_deconv",
        )(x)
        x = batch_norm(f"{prefix}_bn", batch_norm_gamma_init(init))(x)
        if block < NUM_DROPOUT_BLOCKS:
            x = keras.layers.Dropout(DROPOUT_RATE, name=f"{prefix}_dropout")(x)
        x = keras.layers.ReLU(name=f"{prefix}_relu")(x)
        x = keras.layers.Concatenate(name=f"{prefix}_skip")([x, skips[level]])

    x = keras.layers.Conv2DTranspose(
        out_channels,
        4,
        strides=2,
        padding="same",
        kernel_initializer=kernel_init(init),
        name="out_deconv",
    )(x)
    output = keras.layers.Activation("tanh", name="out_tanh")(x)
    return keras.Model(image, output, name=name)
