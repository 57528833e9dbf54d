"""Small layers and building blocks shared by the image-to-image network builders.

Everything here is a Keras 3 layer or a function that adds library layers to a functional
graph, so the models stay serializable and compile under XLA.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import keras

from gan_tf.errors import UsageError

# pix2pix (Isola et al. 2017, sec. 6.2) and CycleGAN (Zhu et al. 2017, sec. 7.1) draw all
# weights from N(0, 0.02).
INIT_STDDEV = 0.02

# PyTorch's defaults, which the reference implementations use (Keras defaults to 1e-3 / 0.99).
NORM_EPSILON = 1e-5
BATCH_NORM_MOMENTUM = 0.9


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
        self.gamma = keras.layers.Dense(channels, use_bias=False, kernel_initializer=initializer)
        self.beta = keras.layers.Dense(channels, use_bias=False, kernel_initializer=initializer)
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
    """N(0, 0.02) kernel initializer of pix2pix / CycleGAN (seeded by Keras' global seed)."""
    return keras.initializers.RandomNormal(mean=0.0, stddev=INIT_STDDEV)


def instance_norm(name: str | None = None) -> keras.layers.Layer:
    """Instance normalization (Ulyanov et al. 2016) as a library layer.

    GroupNormalization with one group per channel normalizes each sample and channel over
    its spatial positions, which is exactly instance norm; it has learned scale and offset.
    """
    return keras.layers.GroupNormalization(groups=-1, epsilon=NORM_EPSILON, name=name)


def batch_norm(name: str | None = None) -> keras.layers.Layer:
    """BatchNormalization with PyTorch's epsilon and momentum, as the reference code uses."""
    return keras.layers.BatchNormalization(
        momentum=BATCH_NORM_MOMENTUM, epsilon=NORM_EPSILON, name=name
    )


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
            kernel_initializer=kernel_initializer,
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
