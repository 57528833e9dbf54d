"""PatchGAN discriminators (Isola et al. 2017, "Image-to-Image Translation with Conditional
Adversarial Networks", sec. 2.2.2 and appendix 6.1.2) and a receptive-field calculator."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import keras

from gan_tf.errors import UsageError
from gan_tf.networks.layers import (
    NORMAL_OR_GLOROT,
    batch_norm,
    batch_norm_gamma_init,
    check_init,
    check_positive_ints,
    instance_norm,
    kernel_init,
)
from gan_tf.networks.options import PATCHGAN_STRIDED_CONVS as _STRIDED_CONVS
from gan_tf.networks.options import VALID_RECEPTIVE_FIELDS

NORMS = ("batch", "instance", "none")
# Filters are capped at 8 * base_filters (C512 at base 64), as in the 286 ImageGAN.
_MAX_FILTER_MULTIPLIER = 8
# "normal": Isola et al. 2017, sec. 6.2, and Zhu et al. 2017, sec. 7.1: weights from N(0, 0.02);
# batch norm scale N(1, 0.02) as in the authors' code (phillipi/pix2pix train.lua
# `weights_init`, junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py `init_weights`);
# instance norm scale one. "glorot": Keras's defaults.
INITS = NORMAL_OR_GLOROT


def _layer_plan(receptive_field: int, base_filters: int) -> list[tuple[int, int, int, bool]]:
    """(filters, kernel, stride, normalized) of each conv, output conv last."""
    if receptive_field == 1:
        # PixelGAN: 1x1 convs C64-C128, then a 1x1 conv to one logit per pixel.
        return [(base_filters, 1, 1, False), (2 * base_filters, 1, 1, True), (1, 1, 1, False)]
    strided = _STRIDED_CONVS[receptive_field]
    plan = []
    for i in range(strided + 1):
        filters = base_filters * min(2**i, _MAX_FILTER_MULTIPLIER)
        # No norm on the first layer (appendix 6.1.2); the last of these has stride 1.
        plan.append((filters, 4, 2 if i < strided else 1, i > 0))
    plan.append((1, 4, 1, False))
    return plan


def _output_size(size: int, plan: Sequence[tuple[int, int, int, bool]]) -> int:
    for _, kernel, stride, _ in plan:
        pad = 1 if kernel == 4 else 0
        size = (size + 2 * pad - kernel) // stride + 1
    return size


def patch_discriminator(
    image_size: int,
    in_channels: int = 3,
    receptive_field: int = 70,
    base_filters: int = 64,
    norm: str = "batch",
    conditional_channels: int = 0,
    name: str = "patch_discriminator",
    *,
    init: str = "normal",
) -> keras.Model:
    """PatchGAN discriminator of Isola et al. 2017, appendix 6.1.2 (and sec. 4.4, Table 3).

    Each output logit judges one receptive_field x receptive_field patch of the input:
        1   PixelGAN  1x1 convs C64-C128
        16            C64-C128
        70  (default) C64-C128-C256-C512           (30x30 logits for a 256x256 input)
        286 ImageGAN  C64-C128-C256-C512-C512-C512
    Ck = 4x4 Conv-Norm-LeakyReLU(0.2), stride 2 except the last Ck, which has stride 1;
    every 4x4 conv pads 1 pixel of zeros, like the authors' code. No norm on the first C64.
    A final 4x4 (1x1 for PixelGAN) conv maps to one channel. The output is logits: the
    sigmoid belongs in the loss.

    Args:
        image_size: height = width of the input images.
        in_channels: channels of the judged image.
        receptive_field: one of 1, 16, 70, 286.
        norm: "batch" (pix2pix), "instance" (CycleGAN, Zhu et al. 2017 appendix 7.2) or
            "none".
        conditional_channels: when > 0, a conditional discriminator D(x, y) (sec. 2.2): the
            model takes [condition, image] and concatenates them on channels.
        init: one of INITS. normal: Isola et al. 2017, sec. 6.2 / Zhu et al. 2017, sec. 7.1
            (kernels N(0, 0.02), biases zero; batch norm scale N(1, 0.02) as in the authors'
            code, instance norm scale one); glorot: Keras's defaults.

    Returns:
        A model mapping (batch, image_size, image_size, in_channels) -- or
        [condition, image] -- to (batch, h, w, 1) patch logits.

    Raises:
        UsageError: unknown receptive_field or norm, or an image too small for the layers.
        ValueError (an `InitError`, also a UsageError): unknown init.
    """
    builder = "patch_discriminator"
    check_init(builder, init, INITS)
    check_positive_ints(
        builder, image_size=image_size, in_channels=in_channels, base_filters=base_filters
    )
    if receptive_field not in VALID_RECEPTIVE_FIELDS:
        valid = ", ".join(str(r) for r in VALID_RECEPTIVE_FIELDS)
        raise UsageError(
            f"{builder}: receptive_field={receptive_field!r} is not available: use one of {valid}"
        )
    if norm not in NORMS:
        raise UsageError(f"{builder}: norm={norm!r} is unknown: use one of {', '.join(NORMS)}")
    if conditional_channels != 0:
        check_positive_ints(builder, conditional_channels=conditional_channels)
    image_size = int(image_size)

    plan = _layer_plan(receptive_field, base_filters)
    if _output_size(image_size, plan) < 1:
        smallest = next(s for s in range(1, 4096) if _output_size(s, plan) >= 1)
        raise UsageError(
            f"{builder}: image_size={image_size} is too small for receptive_field="
            f"{receptive_field}: use image_size >= {smallest} or a smaller receptive_field"
        )

    image = keras.Input(shape=(image_size, image_size, in_channels), name="image")
    if conditional_channels:
        condition = keras.Input(
            shape=(image_size, image_size, conditional_channels), name="condition"
        )
        inputs = [condition, image]
        x = keras.layers.Concatenate(name="condition_image")(inputs)
    else:
        inputs = image
        x = image

    for index, (filters, kernel, stride, normalized) in enumerate(plan):
        is_output = index == len(plan) - 1
        prefix = "out" if is_output else f"c{index + 1}"
        if kernel > 1:
            # Explicit symmetric padding of 1 (not "same", which pads 2 on one side only at
            # stride 1 and would give 32x32 instead of 30x30 at 256x256 input).
            x = keras.layers.ZeroPadding2D(1, name=f"{prefix}_pad")(x)
        use_norm = normalized and norm != "none"
        x = keras.layers.Conv2D(
            filters,
            kernel,
            strides=stride,
            padding="valid",
            use_bias=not use_norm,
            kernel_initializer=kernel_init(init),
            name=f"{prefix}_conv",
        )(x)
        if is_output:
            break
        if use_norm and norm == "batch":
            x = batch_norm(f"{prefix}_batch_norm", batch_norm_gamma_init(init))(x)
        elif use_norm:
            x = instance_norm(name=f"{prefix}_instance_norm")(x)
        x = keras.layers.LeakyReLU(negative_slope=0.2, name=f"{prefix}_lrelu")(x)

    return keras.Model(inputs, x, name=name)


def _conv_specs(layer: keras.layers.Layer) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(kernel, stride) per spatial axis of the layers that widen the receptive field."""
    if isinstance(layer, keras.Model):
        return [spec for sub in layer.layers for spec in _conv_specs(sub)]
    if isinstance(layer, keras.layers.Conv2D):
        # A dilated kernel spans d * (k - 1) + 1 pixels.
        kernel = tuple(
            d * (k - 1) + 1 for k, d in zip(layer.kernel_size, layer.dilation_rate, strict=True)
        )
        return [(kernel, tuple(layer.strides))]
    if isinstance(layer, keras.layers.MaxPooling2D | keras.layers.AveragePooling2D):
        return [(tuple(layer.pool_size), tuple(layer.strides))]
    return []  # padding, normalization, activations, ... do not change it


def receptive_field(
    model_or_layer_specs: keras.layers.Layer | Iterable[tuple[int, int]],
) -> int:
    """Receptive field, in input pixels, of one output unit of a chain of convolutions.

    The standard recurrence (cf. Isola et al. 2017, sec. 4.4 on patch sizes): starting from
    r = 1 and jump = 1, each layer with kernel k and stride s does r += (k - 1) * jump,
    then jump *= s.

    Args:
        model_or_layer_specs: a Keras model or layer, whose Conv2D and 2D pooling layers are
            read in order (nested models included; meant for single-path models such as a
            PatchGAN, not for networks with branches such as a U-Net), or an iterable of
            (kernel_size, stride) pairs.

    Returns:
        The receptive field as an int.

    Raises:
        ValueError: when the receptive field is not square (differs between height and
            width).
    """
    if isinstance(model_or_layer_specs, keras.layers.Layer):
        specs = _conv_specs(model_or_layer_specs)
    else:
        specs = [((int(k), int(k)), (int(s), int(s))) for k, s in model_or_layer_specs]
    fields = []
    for axis in (0, 1):
        field, jump = 1, 1
        for kernel, stride in specs:
            field += (kernel[axis] - 1) * jump
            jump *= stride[axis]
        fields.append(field)
    if fields[0] != fields[1]:
        raise ValueError(f"receptive field is not square: {fields[0]}x{fields[1]}")
    return fields[0]
