"""Tests of the CycleGAN ResNet generator (Zhu et al. 2017, appendix 7.2) and of the shared
layers it uses (reflection padding, instance norm)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.errors import UsageError
from gan_tf.networks.layers import ReflectionPad2D, instance_norm
from gan_tf.networks.resnet import INITS, resnet_generator
from tests.networks.init_stats import (
    assert_each_kernel_drawn_from_normal,
    assert_each_kernel_uniform,
    assert_kernels_drawn_independently,
    biases,
    glorot_limit,
    norm_weights,
)


def _images(size: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, (1, size, size, channels)).astype("float32")


def _count(model: keras.Model, kind: type) -> int:
    return sum(isinstance(layer, kind) for layer in model.layers)


def test_reflection_padding_values() -> None:
    x = np.arange(1, 10, dtype="float32").reshape(1, 3, 3, 1)
    padded = ReflectionPad2D(1)(x).numpy()[0, :, :, 0]
    # Mirror without repeating the edge: the row above [1 2 3] is [4 5 6].
    expected = [
        [5, 4, 5, 6, 5],
        [2, 1, 2, 3, 2],
        [5, 4, 5, 6, 5],
        [8, 7, 8, 9, 8],
        [5, 4, 5, 6, 5],
    ]
    np.testing.assert_array_equal(padded, np.array(expected, dtype="float32"))


def test_reflection_padding_asymmetric_matches_numpy() -> None:
    x = np.random.default_rng(0).normal(size=(2, 5, 4, 3)).astype("float32")
    layer = ReflectionPad2D(((1, 2), (3, 0)))
    expected = np.pad(x, ((0, 0), (1, 2), (3, 0), (0, 0)), mode="reflect")
    np.testing.assert_array_equal(layer(x).numpy(), expected)
    assert layer.compute_output_shape((None, 5, None, 3)) == (None, 8, None, 3)
    clone = ReflectionPad2D.from_config(layer.get_config())
    np.testing.assert_array_equal(clone(x).numpy(), expected)


def test_instance_norm_normalizes_each_sample_and_channel() -> None:
    x = np.random.default_rng(1).normal(3.0, 5.0, size=(2, 6, 6, 4)).astype("float32")
    y = instance_norm()(x).numpy()
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=(1, 2)), 1.0, atol=1e-3)


@pytest.mark.parametrize("image_size", [28, 32, 64])
def test_output_shape(image_size: int) -> None:
    model = resnet_generator(image_size, channels=1, base_filters=4, num_residual_blocks=2)
    out = model(_images(image_size, channels=1), training=False)
    assert tuple(out.shape) == (1, image_size, image_size, 1)
    assert float(tf.reduce_max(tf.abs(out))) <= 1.0  # tanh


def test_paper_layout() -> None:
    model = resnet_generator(64)  # base 64, 6 blocks below 256 px
    convs = [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D | keras.layers.Conv2DTranspose)
    ]
    # c7s1-64, d128, d256, R256 x 6 (two convs each), u128, u64, c7s1-3.
    assert [c.filters for c in convs] == [64, 128, 256] + [256] * 12 + [128, 64, 3]
    assert [c.kernel_size[0] for c in convs] == [7, 3, 3] + [3] * 12 + [3, 3, 7]
    assert [c.strides[0] for c in convs] == [1, 2, 2] + [1] * 12 + [2, 2, 1]
    assert isinstance(convs[-3], keras.layers.Conv2DTranspose)
    assert (
        _count(model, keras.layers.GroupNormalization) == 1 + 2 + 12 + 2
    )  # none on the output layer


@pytest.mark.parametrize(("image_size", "blocks"), [(128, 6), (256, 9)])
def test_default_residual_blocks_follow_the_paper(image_size: int, blocks: int) -> None:
    model = resnet_generator(image_size, base_filters=2)
    assert _count(model, keras.layers.Add) == blocks
    # Reflection padding in the two 7x7 layers and in both convs of every residual block.
    assert _count(model, ReflectionPad2D) == 2 + 2 * blocks


def test_residual_blocks_add_their_input() -> None:
    model = resnet_generator(32, base_filters=2, num_residual_blocks=2)
    add = model.get_layer("res1_add")
    sources = [t._keras_history.operation.name for t in add._inbound_nodes[0].input_tensors]
    assert sources == ["d2_relu", "res1_norm2"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"image_size": 30},
        {"image_size": 4},
        {"image_size": 32, "num_residual_blocks": 0},
        {"image_size": 32, "channels": 0},
    ],
)
def test_bad_arguments_raise_usage_error(kwargs: dict) -> None:
    with pytest.raises(UsageError, match=r"^resnet_generator: "):
        resnet_generator(**kwargs)


def test_runs_under_xla() -> None:
    model = resnet_generator(32, base_filters=4, num_residual_blocks=2)
    out = tf.function(model, jit_compile=True)(tf.constant(_images(32)))
    assert tuple(out.shape) == (1, 32, 32, 3)
    np.testing.assert_allclose(out.numpy(), model(_images(32)).numpy(), atol=1e-5)


def _init_resnet(**kwargs) -> keras.Model:
    # base 16, 2 residual blocks: 0.3M kernel weights.
    keras.utils.set_random_seed(0)
    return resnet_generator(32, base_filters=16, num_residual_blocks=2, **kwargs)


@pytest.mark.parametrize("kwargs", [{}, {"init": "normal"}])
def test_normal_init_is_the_papers_by_default(kwargs: dict) -> None:
    # Zhu et al. 2017, sec. 7.1: weights from N(0, 0.02); the authors' instance norm has no
    # scale (affine=False), which a scale of one equals at the start.
    assert INITS == ("normal", "glorot")
    model = _init_resnet(**kwargs)
    assert_each_kernel_drawn_from_normal((model,), 0.02)
    assert_kernels_drawn_independently(model)
    assert np.all(biases(model) == 0.0)  # the output conv
    assert np.all(norm_weights(keras.layers.GroupNormalization, "gamma", model) == 1.0)
    assert np.all(norm_weights(keras.layers.GroupNormalization, "beta", model) == 0.0)


def test_glorot_init_keeps_keras_defaults() -> None:
    model = _init_resnet(init="glorot")
    with pytest.raises(AssertionError):
        assert_each_kernel_drawn_from_normal((model,), 0.02)
    assert_each_kernel_uniform((model,), glorot_limit)
    assert_kernels_drawn_independently(model)
    assert np.all(biases(model) == 0.0)


def test_unknown_init_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^resnet_generator: init='xavier' .* normal, glorot"):
        resnet_generator(32, init="xavier")
