"""Small layers and building blocks shared by the image-to-image network builders.

Everything here is a Keras 3 layer or a function that adds library layers to a functional
graph, so the models stay serializable and compile under XLA.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import keras

from gan_tf.errors import UsageError

# DCGAN (Radford et al. 2016, sec. 4), pix2pix (Isola et al. 2017, sec. 6.2) and CycleGAN
# (Zhu et al. 2017, sec. 7.1) draw all weights from N(0, 0.02).
INIT_STDDEV = 0.02
# The papers are silent on batch norm's scale; the authors' code draws it from N(1, 0.02) with a
# zero offset: Newmu/dcgan_code faces/train_uncond_dcgan.py (`gain_ifn = inits.Normal(loc=1.,
# scale=0.02)`, `bias_ifn = inits.Constant(c=0.)`), phillipi/pix2pix train.lua (`weights_init`)
# and junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py (`init_weights`).
BATCH_NORM_GAMMA_MEAN = 1.0

# `init` values of the builders: "normal" is the papers' N(0, 0.02) above; "glorot" is Keras's
# defaults (glorot_uniform kernels, zero biases, batch norm scale one); "pytorch" is PyTorch's
# default for Conv2d / ConvTranspose2d / Linear, which the StarGAN code keeps (see
# `pytorch_kernel_init`).
NORMAL_OR_GLOROT = ("normal", "glorot")
PYTORCH_OR_GLOROT = ("pytorch", "glorot")

# PyTorch's defaults, which the reference implementations use (Keras defaults to 1e-3 / 0.99).
NORM_EPSILON = 1e-5
BATCH_NORM_MOMENTUM = 0.9


class InitError(UsageError, ValueError):
    """An `init` a builder does not know. A ValueError, and a UsageError so the command line
    prints it as one line."""


def check_init(builder: str, init: str, choices: Sequence[str]) -> None:
    """Raise InitError naming the builder when `init` is not one of `choices`."""
    if init not in choices:
        raise InitError(f"{builder}: init={init!r} is unknown: use one of {', '.join(choices)}")


@keras.saving.register_keras_serializable(package="gan_tf")
class ReflectionPad2D(keras.layers.Layer):
    """Reflection padding of the two spatial axes of an NHWC tensor.

    Zhu et al. 2017 (CycleGAN), appendix 7.2: "Reflection padding was used to reduce
    artifacts". The border is mirrored without repeating the edge pixel (numpy's "reflect"),
    so each padding must be smaller than the corresponding spatial size.

    Args:
        padding: an int (same on all four sides) or ((top, bottom), (left, right)).
    """

    def __init__(self, padding: int | Sequence[Sequence[int]] = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(padding, int):
            padding = ((padding, padding), (padding, padding))
        self.padding = tuple(tuple(int(p) for p in pair) for pair in padding)
        if len(self.padding) != 2 or any(len(pair) != 2 or min(pair) < 0 for pair in self.padding):
            raise ValueError(f"padding must be an int or ((top, bottom), (left, right)): {padding}")

    def call(self, inputs):
        (top, bottom), (left, right) = self.padding
        return keras.ops.pad(inputs, ((0, 0), (top, bottom), (left, right), (0, 0)), mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        (top, bottom), (left, right) = self.padding
        height = None if height is None else height + top + bottom
        width = None if width is None else width + left + right
        return (batch, height, width, channels)

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding}


@keras.saving.register_keras_serializable(package="gan_tf")
class DomainModulation(keras.layers.Layer):
    """Per-channel scale and shift of normalized features, predicted from a domain vector:
    x * (1 + gamma(c)) + beta(c), gamma and beta linear in c (conditional instance norm,
    Dumoulin et al. 2017, eq. 5, with a linear map in place of a lookup table).

    With `stddev=0` (default) both maps start at zero, so a network built with this layer
    starts as the same network without it. With `stddev > 0` their weights start from
    N(0, stddev), so each domain has its own scale and shift from the first step (as
    Dumoulin et al.'s per-style parameters do) rather than growing them from zero at the
    optimizer's pace. Call it as `DomainModulation()([features, domain])`.
    """

    def __init__(self, stddev: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        if stddev < 0:
            raise ValueError(f"stddev must be >= 0, got {stddev}")
        self.stddev = float(stddev)

    def build(self, input_shape) -> None:
        channels = int(input_shape[0][-1])
        initializer = (
            keras.initializers.RandomNormal(stddev=self.stddev) if self.stddev else "zeros"
        )
        # A copy each: one unseeded instance would give the scale and the shift equal weights.
        self.gamma = keras.layers.Dense(
            channels, use_bias=False, kernel_initializer=fresh_initializer(initializer)
        )
        self.beta = keras.layers.Dense(
            channels, use_bias=False, kernel_initializer=fresh_initializer(initializer)
        )
        self.gamma.build(input_shape[1])
        self.beta.build(input_shape[1])

    def call(self, inputs):
        features, domain = inputs
        domain = keras.ops.cast(domain, features.dtype)
        gamma = self.gamma(domain)[:, None, None, :]
        beta = self.beta(domain)[:, None, None, :]
        return features * (1.0 + gamma) + beta

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev}


def normal_init() -> keras.initializers.Initializer:
    """N(0, 0.02) kernel initializer of DCGAN / pix2pix / CycleGAN (seeded by Keras' global
    seed). A new one per layer: one instance called twice gives the same values."""
    return keras.initializers.RandomNormal(mean=0.0, stddev=INIT_STDDEV)


def kernel_init(init: str) -> keras.initializers.Initializer | str:
    """Kernel initializer for `init`: "normal" N(0, 0.02), "glorot" Keras's glorot_uniform,
    "pytorch" PyTorch's default (`pytorch_kernel_init`). Call once per layer."""
    if init == "normal":
        return normal_init()
    if init == "glorot":
        return "glorot_uniform"
    if init == "pytorch":
        return pytorch_kernel_init()
    raise InitError(f"init={init!r} is unknown: use normal, glorot or pytorch")


def batch_norm_gamma_init(init: str) -> keras.initializers.Initializer | str:
    """Batch norm scale initializer: N(1, 0.02) for "normal" (the authors' code, see
    BATCH_NORM_GAMMA_MEAN), one otherwise (Keras's and PyTorch's default). Only batch norm:
    instance and layer norm keep a scale of one (junyanz's instance norm has no scale at all,
    affine=False, which a scale of one equals at the start)."""
    if init == "normal":
        return keras.initializers.RandomNormal(mean=BATCH_NORM_GAMMA_MEAN, stddev=INIT_STDDEV)
    return "ones"


def pytorch_kernel_init() -> keras.initializers.Initializer:
    """PyTorch's default weight init of Conv2d, ConvTranspose2d and Linear:
    kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (torch.nn.modules.conv
    `reset_parameters`). VarianceScaling(1/3, fan_in, uniform) has the limit sqrt(3 * (1/3) /
    fan_in). Keras's fan_in of a kernel is the product of all but its last axis: kh * kw * in
    for Conv2D (kh, kw, in, out), kh * kw * filters for Conv2DTranspose (kh, kw, filters, in),
    the same as PyTorch's, which reads dimension 1 of a transposed conv's (in, out, kh, kw)."""
    return keras.initializers.VarianceScaling(
        scale=1.0 / 3.0, mode="fan_in", distribution="uniform"
    )


def pytorch_bias_init(fan_in: int) -> keras.initializers.Initializer:
    """PyTorch's default bias init of a layer whose kernel has `fan_in`:
    U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1.0 / math.sqrt(fan_in)
    return keras.initializers.RandomUniform(minval=-bound, maxval=bound)


def instance_norm(name: str | None = None) -> keras.layers.Layer:
    """Instance normalization (Ulyanov et al. 2016) as a library layer.

    GroupNormalization with one group per channel normalizes each sample and channel over
    its spatial positions, which is exactly instance norm; it has learned scale and offset.
    """
    return keras.layers.GroupNormalization(groups=-1, epsilon=NORM_EPSILON, name=name)


def batch_norm(
    name: str | None = None, gamma_initializer: keras.initializers.Initializer | str = "ones"
) -> keras.layers.Layer:
    """BatchNormalization with PyTorch's epsilon and momentum, as the reference code uses."""
    return keras.layers.BatchNormalization(
        momentum=BATCH_NORM_MOMENTUM,
        epsilon=NORM_EPSILON,
        gamma_initializer=gamma_initializer,
        name=name,
    )


def fresh_initializer(
    initializer: keras.initializers.Initializer | str,
) -> keras.initializers.Initializer | str:
    """A new initializer of the same kind and settings. An unseeded Keras initializer draws
    the same values at every call, so two layers of one shape sharing an instance would start
    equal; a copy made from its config draws anew (a seeded one keeps its seed). Names such
    as "glorot_uniform" are already made anew for each layer."""
    if isinstance(initializer, keras.initializers.Initializer):
        return initializer.__class__.from_config(initializer.get_config())
    return initializer


def residual_block(
    x,
    filters: int,
    *,
    padding: str,
    name: str,
    kernel_initializer: keras.initializers.Initializer | str = "glorot_uniform",
):
    """Two 3x3 conv-InstanceNorm layers (ReLU between them) plus an identity shortcut.

    He et al. 2016 residual block in the form of Johnson et al. 2016 / Zhu et al. 2017
    (appendix 7.2, "Rk") and Choi et al. 2018 (StarGAN, Table 4). No activation after the
    addition, as in those implementations.

    Args:
        x: NHWC tensor with `filters` channels.
        padding: "reflect" (CycleGAN) or "zero" (StarGAN).
        kernel_initializer: the kind of init of both convs; each conv gets its own copy, so
            the two start from independent draws (see `fresh_initializer`).
    """
    if padding not in ("reflect", "zero"):
        raise ValueError(f"padding must be 'reflect' or 'zero', not {padding!r}")
    shortcut = x
    for i in (1, 2):
        if padding == "reflect":
            x = ReflectionPad2D(1, name=f"{name}_pad{i}")(x)
            conv_padding = "valid"
        else:
            conv_padding = "same"
        # No bias: the instance norm that follows has its own offset.
        x = keras.layers.Conv2D(
            filters,
            3,
            padding=conv_padding,
            use_bias=False,
            kernel_initializer=fresh_initializer(kernel_initializer),
            name=f"{name}_conv{i}",
        )(x)
        x = instance_norm(name=f"{name}_norm{i}")(x)
        if i == 1:
            x = keras.layers.ReLU(name=f"{name}_relu")(x)
    return keras.layers.Add(name=f"{name}_add")([shortcut, x])


def count_halvings(size: int) -> int:
    """How many times `size` can be halved exactly (its number of factors of 2)."""
    count = 0
    while size > 0 and size % 2 == 0:
        size //= 2
        count += 1
    return count


def check_positive_ints(builder: str, **values: int) -> None:
    """Raise UsageError naming the builder when any of the given arguments is not an int >= 1."""
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise UsageError(f"{builder}: {key} must be a positive integer, got {value!r}")
