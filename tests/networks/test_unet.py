"""Tests of the pix2pix U-Net generator (Isola et al. 2017, appendix 6.1.1)."""

import functools

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.errors import UsageError
from gan_tf.networks.unet import INITS, unet_generator
from tests.networks.init_stats import (
    assert_drawn_from,
    assert_each_kernel_drawn_from_normal,
    assert_each_kernel_uniform,
    assert_kernels_drawn_independently,
    biases,
    glorot_limit,
    norm_weights,
)


def _images(size: int, batch: int = 1, channels: int = 3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, (batch, size, size, channels)).astype("float32")


def _layers_of(model: keras.Model, kind: type) -> list:
    return [layer for layer in model.layers if isinstance(layer, kind)]


@pytest.fixture(scope="module")
def small_unet() -> keras.Model:
    return unet_generator(32, base_filters=4, max_filters=16)


@pytest.mark.parametrize(
    ("image_size", "levels", "bottleneck"), [(28, 2, 7), (32, 5, 1), (64, 6, 1)]
)
def test_output_shape_and_levels(image_size: int, levels: int, bottleneck: int) -> None:
    model = unet_generator(image_size, in_channels=1, out_channels=2, base_filters=4)
    out = model(_images(image_size, batch=2, channels=1), training=False)
    assert tuple(out.shape) == (2, image_size, image_size, 2)
    assert float(tf.reduce_max(tf.abs(out))) <= 1.0  # tanh
    encoder = [layer for layer in model.layers if layer.name.endswith("_conv")]
    assert len(encoder) == levels
    assert encoder[-1].output.shape[1] == bottleneck
    assert len(_layers_of(model, keras.layers.Conv2DTranspose)) == levels


def test_paper_architecture_at_256() -> None:
    model = unet_generator()  # 256x256, base 64, 8 levels down to 1x1
    assert model.output_shape == (None, 256, 256, 3)
    encoder = [model.get_layer(f"enc{i}_conv") for i in range(1, 9)]
    assert [layer.filters for layer in encoder] == [64, 128, 256, 512, 512, 512, 512, 512]
    assert encoder[-1].output.shape[1:3] == (1, 1)
    # Appendix 6.1.1 counts the decoder's channels after concatenation: the input channels
    # of the eight transposed convolutions.
    decoder = _layers_of(model, keras.layers.Conv2DTranspose)
    assert [layer.input.shape[-1] for layer in decoder] == [
        512, 1024, 1024, 1024, 1024, 512, 256, 128
    ]  # fmt: skip
    assert [layer.filters for layer in decoder] == [512, 512, 512, 512, 256, 128, 64, 3]
    # BatchNorm on every encoder level except the first (paper) and the 1x1 innermost.
    norms = [layer.name for layer in _layers_of(model, keras.layers.BatchNormalization)]
    assert [n for n in norms if n.startswith("enc")] == [f"enc{i}_bn" for i in range(2, 8)]
    out = model(_images(256), training=False)
    assert tuple(out.shape) == (1, 256, 256, 3)


def test_skip_connections_join_matching_encoder_levels(small_unet: keras.Model) -> None:
    concats = _layers_of(small_unet, keras.layers.Concatenate)
    assert len(concats) == 4  # 5 levels -> 4 skip connections
    for block, concat in enumerate(concats, start=1):
        sources = [t._keras_history.operation.name for t in concat._inbound_nodes[0].input_tensors]
        assert sources == [f"dec{block}_relu", f"enc{5 - block}_lrelu"]


def test_skip_connections_carry_the_input_past_the_bottleneck() -> None:
    model = unet_generator(32, base_filters=4, max_filters=16)
    # Cut the bottleneck: with a zero innermost conv nothing reaches the decoder through
    # it, so only the skip connections can make the output depend on the input.
    innermost = model.get_layer("enc5_conv")
    innermost.set_weights([np.zeros_like(w) for w in innermost.get_weights()])
    first = model(_images(32, seed=1), training=False)
    second = model(_images(32, seed=2), training=False)
    assert float(tf.reduce_max(tf.abs(first - second))) > 1e-3


def test_dropout_is_the_only_noise_and_only_in_training(small_unet: keras.Model) -> None:
    assert [layer.name for layer in _layers_of(small_unet, keras.layers.Dropout)] == [
        "dec1_dropout",
        "dec2_dropout",
        "dec3_dropout",
    ]
    x = _images(32, batch=2)
    train_a, train_b = small_unet(x, training=True), small_unet(x, training=True)
    assert float(tf.reduce_max(tf.abs(train_a - train_b))) > 1e-4
    infer_a, infer_b = small_unet(x, training=False), small_unet(x, training=False)
    np.testing.assert_array_equal(infer_a.numpy(), infer_b.numpy())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"image_size": 30},  # 2 * 15: a single level, no skip connection
        {"image_size": 27},
        {"image_size": 32, "num_levels": 6},  # 32 / 64 is not an image
        {"image_size": 32, "num_levels": 1},
        {"image_size": 32, "base_filters": 0},
        {"image_size": 32.0},
    ],
)
def test_bad_arguments_raise_usage_error(kwargs: dict) -> None:
    with pytest.raises(UsageError) as info:
        unet_generator(**kwargs)
    message = str(info.value)
    assert message.startswith("unet_generator:") and "\n" not in message
    if "base_filters" not in kwargs and isinstance(kwargs["image_size"], int):
        assert "32, 64, 128, 256" in message


def test_runs_under_xla(small_unet: keras.Model) -> None:
    x = tf.constant(_images(32))
    for training in (True, False):
        run = tf.function(functools.partial(small_unet, training=training), jit_compile=True)
        out = run(x)
        assert tuple(out.shape) == (1, 32, 32, 3)
        assert bool(tf.reduce_all(tf.math.is_finite(out)))


def _init_unet(**kwargs) -> keras.Model:
    # 5 levels of 32-128 filters: 0.9M kernel weights, 672 batch norm scales.
    keras.utils.set_random_seed(0)
    return unet_generator(32, base_filters=32, max_filters=128, **kwargs)


@pytest.mark.parametrize("kwargs", [{}, {"init": "normal"}])
def test_normal_init_is_the_papers_by_default(kwargs: dict) -> None:
    # Isola et al. 2017, sec. 6.2: weights from N(0, 0.02); batch norm scale N(1, 0.02) and
    # offset 0 as in the authors' code (phillipi/pix2pix train.lua `weights_init`).
    assert INITS == ("normal", "glorot")
    model = _init_unet(**kwargs)
    assert_each_kernel_drawn_from_normal((model,), 0.02)
    assert_kernels_drawn_independently(model)
    assert np.all(biases(model) == 0.0)  # first and innermost encoder convs, output deconv
    assert_drawn_from(norm_weights(keras.layers.BatchNormalization, "gamma", model), 1.0, 0.02, 0.1)
    assert np.all(norm_weights(keras.layers.BatchNormalization, "beta", model) == 0.0)


def test_glorot_init_keeps_keras_defaults() -> None:
    model = _init_unet(init="glorot")
    with pytest.raises(AssertionError):
        assert_each_kernel_drawn_from_normal((model,), 0.02)
    assert_each_kernel_uniform((model,), glorot_limit)
    assert np.all(biases(model) == 0.0)
    assert np.all(norm_weights(keras.layers.BatchNormalization, "gamma", model) == 1.0)


def test_unknown_init_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^unet_generator: init='xavier' .* normal, glorot"):
        unet_generator(32, init="xavier")
