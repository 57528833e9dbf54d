"""The initial weights of a built network, pooled by kind, and checks of their distribution:
shared by the tests of each builder's `init` argument."""

from __future__ import annotations

import math
from collections.abc import Callable

import keras
import numpy as np

WEIGHTED_LAYERS = (keras.layers.Conv2D, keras.layers.Conv2DTranspose, keras.layers.Dense)


def weighted_layers(*models: keras.Model) -> list[keras.layers.Layer]:
    """The convolution, transposed convolution and dense layers of the models."""
    return [
        layer for model in models for layer in model.layers if isinstance(layer, WEIGHTED_LAYERS)
    ]


def kernels(*models: keras.Model) -> np.ndarray:
    """Every conv / transposed conv / dense kernel of the models, flattened into one array."""
    return np.concatenate([np.ravel(layer.kernel.numpy()) for layer in weighted_layers(*models)])


def biases(*models: keras.Model) -> np.ndarray:
    """Every bias of those layers (those built with use_bias), flattened into one array."""
    values = [np.ravel(layer.bias.numpy()) for layer in weighted_layers(*models) if layer.use_bias]
    assert values, "the network has no bias to check"
    return np.concatenate(values)


def norm_weights(kind: type, attribute: str, *models: keras.Model) -> np.ndarray:
    """`attribute` ("gamma" or "beta") of every normalization layer of type `kind`."""
    values = [
        np.ravel(getattr(layer, attribute).numpy())
        for model in models
        for layer in model.layers
        if isinstance(layer, kind)
    ]
    assert values, f"the network has no {kind.__name__}"
    return np.concatenate(values)


def glorot_limit(kernel_shape: tuple[int, ...]) -> float:
    """glorot_uniform's bound sqrt(6 / (fan_in + fan_out)), Keras's fans: the receptive field
    (all axes but the last two) times each of the last two axes."""
    receptive = math.prod(kernel_shape[:-2])
    return math.sqrt(6.0 / (receptive * (kernel_shape[-2] + kernel_shape[-1])))


def pytorch_limit(kernel_shape: tuple[int, ...]) -> float:
    """PyTorch's default bound 1 / sqrt(fan_in) (kaiming_uniform_ with a=sqrt(5)). Its fan_in
    is the product of all but the kernel's last axis, for a Keras Conv2D (kh, kw, in, out) as
    for a Conv2DTranspose (kh, kw, filters, in), where PyTorch too counts the filters
    (dimension 1 of its (in, out, kh, kw) weight)."""
    return 1.0 / math.sqrt(math.prod(kernel_shape[:-1]))


def assert_drawn_from(values: np.ndarray, mean: float, stddev: float, tolerance: float) -> None:
    """Normal(mean, stddev): the sample mean lies within `tolerance` * stddev of `mean`, the
    sample standard deviation within a relative `tolerance` of `stddev`, and the kurtosis
    within five standard errors of a normal's 3 (a uniform has 1.8; a pool of normals of
    different widths has more than 3)."""
    assert values.size >= 200, f"only {values.size} values: too few for the statistic"
    assert abs(values.mean() - mean) < tolerance * stddev, (values.mean(), mean)
    assert abs(values.std() / stddev - 1.0) < tolerance, (values.std(), stddev)
    centred = values.astype("float64") - values.mean()
    kurtosis = np.mean(centred**4) / np.mean(centred**2) ** 2
    assert abs(kurtosis - 3.0) < 5.0 * math.sqrt(24.0 / values.size), kurtosis


def assert_each_kernel_drawn_from_normal(
    models: tuple[keras.Model, ...], stddev: float, pooled_tolerance: float = 0.1
) -> None:
    """All kernels pooled are N(0, stddev) within `pooled_tolerance`, and each layer's kernel
    is within five standard errors of it (so a single layer left at another init is caught
    unless it is tiny)."""
    assert_drawn_from(kernels(*models), 0.0, stddev, pooled_tolerance)
    for layer in weighted_layers(*models):
        values = np.ravel(layer.kernel.numpy())
        relative_error = 5.0 / math.sqrt(2 * values.size)
        assert abs(values.std() / stddev - 1.0) < relative_error + 0.02, layer.name
        assert abs(values.mean()) < 5.0 * stddev / math.sqrt(values.size), layer.name


def assert_each_kernel_uniform(
    models: tuple[keras.Model, ...], limit_of: Callable[[tuple[int, ...]], float]
) -> None:
    """Each layer's kernel lies in [-limit, limit] (limit from its shape) with the spread of
    U(-limit, limit), limit / sqrt(3), within five standard errors."""
    for layer in weighted_layers(*models):
        values = np.ravel(layer.kernel.numpy())
        limit = limit_of(tuple(layer.kernel.shape))
        assert np.abs(values).max() <= limit * (1 + 1e-6), layer.name
        relative_error = 5.0 / math.sqrt(2 * values.size)
        assert abs(values.std() * math.sqrt(3.0) / limit - 1.0) < relative_error + 0.02, layer.name


def assert_kernels_drawn_independently(*models: keras.Model) -> None:
    """No two layers of the same kernel shape start with equal kernels (as they would if they
    shared one unseeded initializer instance)."""
    seen: dict[tuple[int, ...], list[tuple[str, np.ndarray]]] = {}
    for layer in weighted_layers(*models):
        values = layer.kernel.numpy()
        for other_name, other in seen.setdefault(tuple(values.shape), []):
            assert not np.array_equal(values, other), f"{layer.name} starts equal to {other_name}"
        seen[tuple(values.shape)].append((layer.name, values))
