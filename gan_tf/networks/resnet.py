"""CycleGAN ResNet generator (Zhu et al. 2017, "Unpaired Image-to-Image Translation using
Cycle-Consistent Adversarial Networks", appendix 7.2; after Johnson et al. 2016)."""

from __future__ import annotations

import keras

from gan_tf.errors import UsageError
from gan_tf.networks.layers import (
    NORMAL_OR_GLOROT,
    ReflectionPad2D,
    check_init,
    check_positive_ints,
    instance_norm,
    kernel_init,
    residual_block,
)

# "normal": Zhu et al. 2017, sec. 7.1 ("Weights are initialized from a Gaussian distribution
# N(0, 0.02)"), as in the authors' code (junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py
# `init_weights`, init_type="normal", init_gain=0.02). There instance norm has no scale
# (affine=False); here its scale starts at one, the same function. "glorot": Keras's defaults.
INITS = NORMAL_OR_GLOROT


def default_num_residual_blocks(image_size: int) -> int:
    """Zhu et al. 2017, appendix 7.2: 6 blocks for 128x128 training images, 9 for 256x256
    and higher resolutions. Sizes below 128 get 6 as well."""
    return 9 if image_size >= 256 else 6


def resnet_generator(
    image_size: int = 256,
    channels: int = 3,
    base_filters: int = 64,
    num_residual_blocks: int | None = None,
    name: str = "resnet_generator",
    *,
    init: str = "normal",
) -> keras.Model:
    """The CycleGAN generator of Zhu et al. 2017, appendix 7.2 (Johnson et al. 2016's network).

        c7s1-64, d128, d256, R256 x n, u128, u64, c7s1-3 (tanh)

    c7s1-k: reflection pad 3, 7x7 Conv stride 1, InstanceNorm, ReLU.
    dk: 3x3 Conv stride 2 (zero pad 1, as in the authors' code), InstanceNorm, ReLU.
    Rk: residual block of two reflection-padded 3x3 convs with InstanceNorm (ReLU between).
    uk: 3x3 transposed conv stride 2 ("fractional stride 1/2"), InstanceNorm, ReLU.
    The last c7s1-3 has no norm and a tanh instead of ReLU (the authors' code), so outputs
    lie in [-1, 1]. Filter counts scale with base_filters (64 in the paper).

    Args:
        image_size: height = width; a multiple of 4 and at least 8 (two stride-2 halvings,
            and reflection padding needs maps larger than the padding).
        channels: channels of both the input and the output image.
        num_residual_blocks: n; None picks the paper's choice, see
            `default_num_residual_blocks` (6 below 256 px, 9 from 256 px).
        init: one of INITS. normal: Zhu et al. 2017, sec. 7.1 (kernels N(0, 0.02), biases
            zero, instance norm scale one); glorot: Keras's defaults.

    Returns:
        A model mapping (batch, image_size, image_size, channels) images to images of the
        same shape in [-1, 1].

    Raises:
        UsageError: unsupported image_size or non-positive arguments.
        ValueError (an `InitError`, also a UsageError): unknown init.
    """
    builder = "resnet_generator"
    check_init(builder, init, INITS)
    check_positive_ints(
        builder, image_size=image_size, channels=channels, base_filters=base_filters
    )
    image_size = int(image_size)
    if image_size % 4 or image_size < 8:
        raise UsageError(
            f"{builder}: image_size={image_size} does not work: use a multiple of 4 that is "
            "at least 8 (e.g. 32, 64, 128, 256)"
        )
    if num_residual_blocks is None:
        num_residual_blocks = default_num_residual_blocks(image_size)
    check_positive_ints(builder, num_residual_blocks=num_residual_blocks)

    image = keras.Input(shape=(image_size, image_size, channels), name="image")

    def conv_norm_relu(x, filters: int, kernel: int, stride: int, prefix: str):
        # No bias before instance norm: its offset makes a bias redundant.
        x = keras.layers.Conv2D(
            filters,
            kernel,
            strides=stride,
            padding="valid",
            use_bias=False,
            kernel_initializer=kernel_init(init),
            name=f"{prefix}_conv",
        )(x)
        x = instance_norm(name=f"{prefix}_norm")(x)
        return keras.layers.ReLU(name=f"{prefix}_relu")(x)

    x = ReflectionPad2D(3, name="c7s1_pad")(image)
    x = conv_norm_relu(x, base_filters, 7, 1, "c7s1")
    for i, multiplier in enumerate((2, 4), start=1):
        x = keras.layers.ZeroPadding2D(1, name=f"d{i}_pad")(x)
        x = conv_norm_relu(x, base_filters * multiplier, 3, 2, f"d{i}")

    for block in range(int(num_residual_blocks)):
        x = residual_block(
            x,
            base_filters * 4,
            padding="reflect",
            name=f"res{block + 1}",
            kernel_initializer=kernel_init(init),
        )

    for i, multiplier in enumerate((2, 1), start=1):
        x = keras.layers.Conv2DTranspose(
            base_filters * multiplier,
            3,
            strides=2,
            padding="same",  # output exactly twice the input, like output_padding=1
            use_bias=False,
            kernel_initializer=kernel_init(init),
            name=f"u{i}_deconv",
        )(x)
        x = instance_norm(name=f"u{i}_norm")(x)
        x = keras.layers.ReLU(name=f"u{i}_relu")(x)

    x = ReflectionPad2D(3, name="out_pad")(x)
    x = keras.layers.Conv2D(channels, 7, kernel_initializer=kernel_init(init), name="out_conv")(x)
    output = keras.layers.Activation("tanh", name="out_tanh")(x)
    return keras.Model(image, output, name=name)
