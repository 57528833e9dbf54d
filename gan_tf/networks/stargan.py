"""StarGAN generator and discriminator (Choi et al. 2018, "StarGAN: Unified Generative
Adversarial Networks for Multi-Domain Image-to-Image Translation", sec. 3 and appendix,
Tables 4 and 5).

Initialisation (`init`): the paper does not give one, and the authors' code (yunjey/stargan
model.py, solver.py) sets none, so its layers keep PyTorch's defaults: Conv2d and
ConvTranspose2d weights from kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
biases (only the discriminator's hidden convs have one) from the same range, instance norm
(affine=True) scale one and offset zero. "pytorch" (default) reproduces that
(`pytorch_kernel_init`, `pytorch_bias_init`); "glorot" is Keras's defaults (glorot_uniform
kernels, zero biases), what gan_tf used before. The `DomainModulation` ablation layers keep
their own start (`modulation_stddev`).
"""

from __future__ import annotations

import keras

from gan_tf.errors import UsageError
from gan_tf.networks.layers import (
    PYTORCH_OR_GLOROT,
    DomainModulation,
    check_init,
    check_positive_ints,
    count_halvings,
    instance_norm,
    kernel_init,
    pytorch_bias_init,
    residual_block,
)
from gan_tf.networks.options import DOMAIN_CONDITIONING

# Table 5 uses 6 stride-2 convolutions at 128x128 (a 2x2 final map).
PAPER_DISCRIMINATOR_LAYERS = 6

# "pytorch": the authors' code's (PyTorch's default) init; "glorot": Keras's defaults. See the
# module docstring.
INITS = PYTORCH_OR_GLOROT


def check_domain_conditioning(domain_conditioning: str, modulation_stddev: float = 0.0) -> None:
    """Raises UsageError (with what to do) for an unknown conditioning or a modulation
    start that the conditioning does not use."""
    if domain_conditioning not in DOMAIN_CONDITIONING:
        raise UsageError(
            f"domain_conditioning={domain_conditioning!r}: choose from "
            + ", ".join(DOMAIN_CONDITIONING)
        )
    if modulation_stddev < 0:
        raise UsageError(f"modulation_stddev={modulation_stddev} must be >= 0")
    if modulation_stddev and domain_conditioning != "input_and_norms":
        raise UsageError(
            f"modulation_stddev={modulation_stddev} sets how the label's scale and shift "
            "start, which only domain_conditioning=input_and_norms has: add it, or drop "
            "modulation_stddev"
        )


def stargan_generator(
    image_size: int,
    channels: int,
    num_domains: int,
    base_filters: int = 64,
    num_residual_blocks: int = 6,
    domain_conditioning: str = "input",
    modulation_stddev: float = 0.0,
    name: str = "stargan_generator",
    *,
    init: str = "pytorch",
) -> keras.Model:
    """The StarGAN generator, Choi et al. 2018, appendix Table 4.

    The target-domain label c is tiled spatially and concatenated to the image on channels
    (sec. 3, "input image x and target domain label c"), then:
        down:       7x7 conv N64 s1, 4x4 conv N128 s2, 4x4 conv N256 s2
        bottleneck: num_residual_blocks x residual block (two 3x3 N256 convs)
        up:         4x4 transposed conv N128 s2, 4x4 transposed conv N64 s2
        output:     7x7 conv N=channels s1, tanh
    Every layer but the output uses InstanceNorm and ReLU and zero padding ("P3", "P1" of
    Table 4). Filter counts scale with base_filters (64 in the paper).

    Args:
        image_size: height = width; a multiple of 4 (two stride-2 halvings). Paper: 128.
        channels: channels of the input and output image.
        num_domains: length of the target-domain vector (one-hot, or multi-hot attributes).
        domain_conditioning: "input" (the paper) or "input_and_norms". Why the second: away
            from the image border a tiled label adds the same constant to every position of
            the first convolution's output, which the instance norm right after it subtracts
            again, so the label reaches the network only through the zero-padded border
            (its own values, and its share of the norm's mean and variance).
            "input_and_norms" adds `DomainModulation` (scale and shift from the label, zero
            at the start) after the instance norms of the 7x7, down- and up-sampling layers.
        modulation_stddev: with "input_and_norms", the standard deviation of the scale and
            shift weights at the start (0: zero, the network starts as the paper's; > 0:
            each domain starts with its own random scale and shift, see `DomainModulation`).
        init: one of INITS. pytorch: the authors' code (yunjey/stargan model.py keeps
            PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)) kernels; the generator has no
            biases); glorot: Keras's glorot_uniform.

    Returns:
        A model mapping [image (batch, size, size, channels), domain (batch, num_domains)]
        to a translated image of the image's shape in [-1, 1].

    Raises:
        UsageError: image_size not a multiple of 4, non-positive arguments, an unknown
            domain_conditioning or a modulation_stddev it does not use.
        ValueError (an `InitError`, also a UsageError): unknown init.
    """
    builder = "stargan_generator"
    check_init(builder, init, INITS)
    check_positive_ints(
        builder,
        image_size=image_size,
        channels=channels,
        num_domains=num_domains,
        base_filters=base_filters,
        num_residual_blocks=num_residual_blocks,
    )
    image_size, num_domains = int(image_size), int(num_domains)
    if image_size % 4:
        raise UsageError(
            f"{builder}: image_size={image_size} does not work: use a multiple of 4 "
            "(e.g. 32, 64, 128 as in the paper, 256)"
        )
    try:
        check_domain_conditioning(domain_conditioning, modulation_stddev)
    except UsageError as error:
        raise UsageError(f"{builder}: {error}") from None

    image = keras.Input(shape=(image_size, image_size, channels), name="image")
    domain = keras.Input(shape=(num_domains,), name="domain")
    # Tile the label over all pixels with library layers: a 1x1 map upsampled (nearest) to
    # the image size is the label repeated at every position.
    tiled = keras.layers.Reshape((1, 1, num_domains), name="domain_1x1")(domain)
    tiled = keras.layers.UpSampling2D(size=image_size, name="domain_tiled")(tiled)
    x = keras.layers.Concatenate(name="image_domain")([image, tiled])

    def conv_norm_relu(x, layer: keras.layers.Layer, prefix: str):
        x = layer(x)
        x = instance_norm(name=f"{prefix}_norm")(x)
        if domain_conditioning == "input_and_norms":
            modulation = DomainModulation(modulation_stddev, name=f"{prefix}_domain")
            x = modulation([x, domain])
        return keras.layers.ReLU(name=f"{prefix}_relu")(x)

    # Convs have no bias (the authors' code): instance norm's offset follows each one.
    x = conv_norm_relu(
        x,
        keras.layers.Conv2D(
            base_filters,
            7,
            padding="same",
            use_bias=False,
            kernel_initializer=kernel_init(init),
            name="c1_conv",
        ),
        "c1",
    )
    for i, multiplier in enumerate((2, 4), start=1):
        # Explicit pad 1 then 4x4 stride 2: Table 4's "P1" (Keras "same" would pad 1 + 2).
        x = keras.layers.ZeroPadding2D(1, name=f"down{i}_pad")(x)
        conv = keras.layers.Conv2D(
            base_filters * multiplier,
            4,
            strides=2,
            use_bias=False,
            kernel_initializer=kernel_init(init),
            name=f"down{i}_conv",
        )
        x = conv_norm_relu(x, conv, f"down{i}")

    for block in range(int(num_residual_blocks)):
        x = residual_block(
            x,
            base_filters * 4,
            padding="zero",
            name=f"res{block + 1}",
            kernel_initializer=kernel_init(init),
        )

    for i, multiplier in enumerate((2, 1), start=1):
        # 4x4, stride 2, "same" = PyTorch padding 1: the output is exactly twice the input.
        deconv = keras.layers.Conv2DTranspose(
            base_filters * multiplier,
            4,
            strides=2,
            padding="same",
            use_bias=False,
            kernel_initializer=kernel_init(init),
            name=f"up{i}_deconv",
        )
        x = conv_norm_relu(x, deconv, f"up{i}")

    x = keras.layers.Conv2D(
        channels,
        7,
        padding="same",
        use_bias=False,
        kernel_initializer=kernel_init(init),
        name="out_conv",
    )(x)
    output = keras.layers.Activation("tanh", name="out_tanh")(x)
    return keras.Model([image, domain], output, name=name)


def default_discriminator_layers(image_size: int) -> int:
    """Stride-2 layers for `image_size`: 6 (paper, 2x2 final map at 128 px; 4x4 at 256 px),
    fewer for small images so that the final map stays at least 2x2 (32 -> 4 layers)."""
    layers = 0
    size = image_size
    while layers < PAPER_DISCRIMINATOR_LAYERS and size % 2 == 0 and size // 2 >= 2:
        size //= 2
        layers += 1
    return layers


def stargan_discriminator(
    image_size: int,
    channels: int,
    num_domains: int,
    base_filters: int = 64,
    num_layers: int | None = None,
    name: str = "stargan_discriminator",
    *,
    init: str = "pytorch",
) -> keras.Model:
    """The StarGAN discriminator, Choi et al. 2018, appendix Table 5 (a PatchGAN with an
    auxiliary domain classifier, sec. 3).

        hidden: num_layers x (4x4 conv stride 2, zero pad 1, LeakyReLU(0.01)), no norm;
                filters base_filters * 2**i (64 ... 2048 in the paper)
        D_src:  3x3 conv stride 1 to 1 channel -> (h/2**L, w/2**L, 1) real/fake logits
        D_cls:  conv whose kernel covers the whole final map (h/64 at 128 px) to
                num_domains channels -> (num_domains,) domain logits

    Args:
        image_size: height = width of the input.
        num_layers: stride-2 layers L; image_size must be divisible by 2**L. None (default)
            adapts to the image: 6 as in the paper when the image allows (128 px -> 2x2
            final map), otherwise the largest L keeping a final map of at least 2x2
            (32 px -> 4, 64 px -> 5).
        init: one of INITS. pytorch: the authors' code (yunjey/stargan model.py keeps
            PyTorch's defaults: kernels and the hidden convs' biases from
            U(-1/sqrt(fan_in), 1/sqrt(fan_in))); glorot: Keras's defaults (zero biases).

    Returns:
        A model mapping (batch, size, size, channels) images to two outputs:
        [src (batch, size/2**L, size/2**L, 1) patch logits, cls (batch, num_domains) logits].

    Raises:
        UsageError: num_layers would shrink the map below 1x1 (or to a fractional size), an
            image that allows no layer (odd or < 4), or non-positive arguments.
        ValueError (an `InitError`, also a UsageError): unknown init.
    """
    builder = "stargan_discriminator"
    check_init(builder, init, INITS)
    check_positive_ints(
        builder,
        image_size=image_size,
        channels=channels,
        num_domains=num_domains,
        base_filters=base_filters,
    )
    image_size, num_domains = int(image_size), int(num_domains)
    if num_layers is None:
        num_layers = default_discriminator_layers(image_size)
        if num_layers < 1:
            raise UsageError(
                f"{builder}: image_size={image_size} does not work: use an even size of at "
                "least 4 (e.g. 32, 64, 128 as in the paper, 256)"
            )
    else:
        check_positive_ints(builder, num_layers=num_layers)
        num_layers = int(num_layers)
        if num_layers > count_halvings(image_size):
            raise UsageError(
                f"{builder}: num_layers={num_layers} would shrink a {image_size}x{image_size} "
                f"image below 1x1 or to a fractional size: use num_layers <= "
                f"{count_halvings(image_size)} (image_size divisible by 2**num_layers) or None"
            )
    final_size = image_size // 2**num_layers

    image = keras.Input(shape=(image_size, image_size, channels), name="image")
    x = image
    in_channels = channels
    for i in range(num_layers):
        filters = base_filters * 2**i
        x = keras.layers.ZeroPadding2D(1, name=f"c{i + 1}_pad")(x)
        x = keras.layers.Conv2D(
            filters,
            4,
            strides=2,
            kernel_initializer=kernel_init(init),
            # PyTorch draws a bias from the range of its layer's kernel: fan_in = 4 * 4 * in.
            bias_initializer=pytorch_bias_init(16 * in_channels) if init == "pytorch" else "zeros",
            name=f"c{i + 1}_conv",
        )(x)
        x = keras.layers.LeakyReLU(negative_slope=0.01, name=f"c{i + 1}_lrelu")(x)
        in_channels = filters

    src = keras.layers.Conv2D(
        1, 3, padding="same", use_bias=False, kernel_initializer=kernel_init(init), name="src"
    )(x)
    cls = keras.layers.Conv2D(
        num_domains,
        final_size,
        use_bias=False,
        kernel_initializer=kernel_init(init),
        name="cls_conv",
    )(x)
    cls = keras.layers.Reshape((num_domains,), name="cls")(cls)
    return keras.Model(image, [src, cls], name=name)
