"""Tests of the PatchGAN discriminators (Isola et al. 2017, appendix 6.1.2)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.errors import UsageError
from gan_tf.networks.patchgan import INITS, patch_discriminator, receptive_field
from tests.networks.init_stats import (
    assert_drawn_from,
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


def _convs(model: keras.Model) -> list:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


# Receptive field -> output side at a 256x256 input (30x30 for the 70x70 PatchGAN, sec. 4.4).
OUTPUT_AT_256 = {1: 256, 16: 126, 70: 30, 286: 6}


@pytest.mark.parametrize("field", [1, 16, 70, 286])
def test_receptive_field_is_computed_from_the_layers(field: int) -> None:
    model = patch_discriminator(256, 3, receptive_field=field, base_filters=4)
    assert receptive_field(model) == field
    assert model.output_shape == (None, OUTPUT_AT_256[field], OUTPUT_AT_256[field], 1)


def test_paper_filters_of_each_setting() -> None:
    expected = {
        1: [64, 128, 1],
        16: [64, 128, 1],
        70: [64, 128, 256, 512, 1],
        286: [64, 128, 256, 512, 512, 512, 1],
    }
    for field, filters in expected.items():
        model = patch_discriminator(286, 3, receptive_field=field, base_filters=64)
        assert [conv.filters for conv in _convs(model)] == filters, field


def test_receptive_field_of_layer_specs() -> None:
    assert receptive_field([]) == 1
    assert receptive_field([(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)]) == 70
    assert receptive_field([(3, 1), (3, 1)]) == 5
    assert receptive_field([(2, 2), (3, 1)]) == 6  # jump 2 after the first layer


def test_receptive_field_counts_dilation_and_nested_models() -> None:
    inner_in = keras.Input((None, None, 1))
    inner = keras.Model(inner_in, keras.layers.Conv2D(1, 3, dilation_rate=2)(inner_in))
    outer_in = keras.Input((16, 16, 1))
    x = keras.layers.Conv2D(1, 2, strides=2)(outer_in)  # r = 2, jump 2
    outer = keras.Model(outer_in, inner(x))  # dilated 3x3 spans 5: r = 2 + 4 * 2
    assert receptive_field(outer) == 10


def test_70_patchgan_gives_30x30_logits_at_256() -> None:
    model = patch_discriminator(256, 3, base_filters=8)
    logits = model(_images(256), training=False)
    assert tuple(logits.shape) == (1, 30, 30, 1)
    # Logits, not probabilities: the last layer is a linear conv.
    assert _convs(model)[-1].activation is keras.activations.linear


@pytest.mark.parametrize(
    ("norm", "kind", "count"),
    [
        ("batch", keras.layers.BatchNormalization, 3),
        ("instance", keras.layers.GroupNormalization, 3),
        ("none", keras.layers.Layer, 0),
    ],
)
def test_norm_choice(norm: str, kind: type, count: int) -> None:
    model = patch_discriminator(64, 3, base_filters=4, norm=norm)
    norms = [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.BatchNormalization | keras.layers.GroupNormalization)
    ]
    assert len(norms) == count
    assert all(isinstance(layer, kind) for layer in norms)
    # No norm on the first C64 layer.
    assert "c1" not in {layer.name.split("_")[0] for layer in norms}


def test_instance_norm_is_one_group_per_channel() -> None:
    model = patch_discriminator(64, 3, base_filters=4, norm="instance")
    for layer in model.layers:
        if isinstance(layer, keras.layers.GroupNormalization):
            assert layer.groups == layer.input.shape[-1]


def test_conditional_discriminator_takes_condition_and_image() -> None:
    model = patch_discriminator(32, 3, base_filters=4, conditional_channels=1, norm="none")
    assert [tuple(t.shape) for t in model.inputs] == [(None, 32, 32, 1), (None, 32, 32, 3)]
    image = _images(32)
    with_a = model([_images(32, channels=1, seed=1), image])
    with_b = model([_images(32, channels=1, seed=2), image])
    assert tuple(with_a.shape) == (1, 2, 2, 1)
    assert float(tf.reduce_max(tf.abs(with_a - with_b))) > 0.0  # the condition is seen


@pytest.mark.parametrize(
    ("kwargs", "hint"),
    [
        ({"receptive_field": 50}, "1, 16, 70, 286"),
        ({"norm": "layer"}, "batch, instance, none"),
        ({"image_size": 64, "receptive_field": 286}, ">= 96"),
        ({"conditional_channels": -1}, "conditional_channels"),
        ({"in_channels": 0}, "in_channels"),
    ],
)
def test_bad_arguments_raise_usage_error(kwargs: dict, hint: str) -> None:
    kwargs = {"image_size": 32, "in_channels": 3, **kwargs}
    with pytest.raises(UsageError, match="patch_discriminator") as info:
        patch_discriminator(**kwargs)
    assert hint in str(info.value) and "\n" not in str(info.value)


def test_runs_under_xla() -> None:
    model = patch_discriminator(32, 3, base_filters=4, norm="instance", conditional_channels=3)
    run = tf.function(model, jit_compile=True)
    out = run([tf.constant(_images(32, seed=1)), tf.constant(_images(32))])
    assert tuple(out.shape) == (1, 2, 2, 1)
    assert bool(tf.reduce_all(tf.math.is_finite(out)))


def _init_patchgan(**kwargs) -> keras.Model:
    # 70x70 PatchGAN of 32-256 filters: 0.7M kernel weights, 448 batch norm scales.
    keras.utils.set_random_seed(0)
    return patch_discriminator(64, 3, base_filters=32, **kwargs)


@pytest.mark.parametrize("kwargs", [{}, {"init": "normal"}])
def test_normal_init_is_the_papers_by_default(kwargs: dict) -> None:
    # Isola et al. 2017, sec. 6.2 and Zhu et al. 2017, sec. 7.1: weights from N(0, 0.02);
    # batch norm scale N(1, 0.02) and offset 0 as in the authors' code (junyanz `init_weights`).
    assert INITS == ("normal", "glorot")
    model = _init_patchgan(**kwargs)
    assert_each_kernel_drawn_from_normal((model,), 0.02)
    assert_kernels_drawn_independently(model)
    assert np.all(biases(model) == 0.0)  # first conv and output conv
    assert_drawn_from(norm_weights(keras.layers.BatchNormalization, "gamma", model), 1.0, 0.02, 0.1)
    assert np.all(norm_weights(keras.layers.BatchNormalization, "beta", model) == 0.0)


def test_normal_init_leaves_the_instance_norm_scale_at_one() -> None:
    # CycleGAN's instance norm has no scale in the authors' code (affine=False); one is the same.
    model = _init_patchgan(norm="instance")
    assert_each_kernel_drawn_from_normal((model,), 0.02)
    assert np.all(norm_weights(keras.layers.GroupNormalization, "gamma", model) == 1.0)


def test_glorot_init_keeps_keras_defaults() -> None:
    model = _init_patchgan(init="glorot")
    with pytest.raises(AssertionError):
        assert_each_kernel_drawn_from_normal((model,), 0.02)
    assert_each_kernel_uniform((model,), glorot_limit)
    assert np.all(biases(model) == 0.0)
    assert np.all(norm_weights(keras.layers.BatchNormalization, "gamma", model) == 1.0)


def test_unknown_init_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^patch_discriminator: init='xavier' .* normal, glorot"):
        patch_discriminator(64, init="xavier")
