"""DiffAugment: each policy against what it must do to an image, differentiability, the
stateless draws, and the model's use of it (D's images in training only; one trace)."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf import configs
from gan_tf.augment import diffaugment as da
from gan_tf.errors import UsageError
from gan_tf.models.zoo import build_model

SEED = tf.constant([4, 2], tf.int64)


def images(batch=8, side=16, channels=3):
    return tf.random.stateless_uniform([batch, side, side, channels], [1, 2], -1, 1)


def test_translation_shifts_whole_pixels_and_fills_with_zeros():
    x = images(batch=64, channels=1)
    out = da.translation(x, SEED).numpy()
    for original, moved in zip(x.numpy(), out, strict=True):
        found = False
        for dy in range(-2, 3):  # 16 / 8 = 2 pixels at most
            for dx in range(-2, 3):
                shifted = np.roll(original, (-dy, -dx), axis=(0, 1))
                rows = slice(max(0, -dy), 16 - max(0, dy))
                cols = slice(max(0, -dx), 16 - max(0, dx))
                expected = np.zeros_like(original)
                expected[rows, cols] = shifted[rows, cols]
                found |= np.array_equal(moved, expected)
        assert found
    assert not np.array_equal(out, x.numpy())


def test_cutout_zeroes_a_square_of_half_the_side():
    x = tf.ones([64, 16, 16, 1])
    out = da.cutout(x, SEED).numpy()[..., 0]
    zeros = (out == 0).sum(axis=(1, 2))
    assert zeros.max() == 64 and zeros.min() > 0  # 8 x 8, clipped at the border
    for mask in out == 0:
        rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
        assert mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].all()


def test_color_moves_brightness_saturation_and_contrast_per_sample():
    x = images(batch=256)
    out = da.color(x, SEED).numpy()
    shift = out.mean(axis=(1, 2, 3)) - x.numpy().mean(axis=(1, 2, 3))
    assert -0.5 <= shift.min() < -0.3 and 0.3 < shift.max() <= 0.5  # brightness U(-0.5, 0.5)
    gray = np.repeat(x.numpy().mean(axis=3, keepdims=True), 3, axis=3)
    np.testing.assert_allclose(  # a gray image keeps no colour whatever the saturation
        da.color(tf.constant(gray), SEED).numpy().std(axis=3), 0.0, atol=1e-5
    )


@pytest.mark.parametrize("name", da.POLICIES)
def test_each_policy_is_differentiable_and_a_function_of_its_seed(name):
    x = images()
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = da.FUNCTIONS[name](x, SEED)
        loss = tf.reduce_sum(tf.square(out))
    gradient = tape.gradient(loss, x).numpy()
    assert np.isfinite(gradient).all() and np.abs(gradient).sum() > 0
    np.testing.assert_array_equal(out, da.FUNCTIONS[name](x, SEED))
    assert not np.array_equal(out, da.FUNCTIONS[name](x, SEED + 1))
    assert out.shape == x.shape


def tiny(**overrides):
    values = dict(
        dataset="mnist_demo", batch_size=4, base_filters=4, image_size=28, jit_compile=False,
        augment="diffaugment", seed=3,
    )  # fmt: skip
    values.update(overrides)
    return configs.get("dcgan", **values)


def test_the_model_augments_what_d_sees_in_training_only():
    model = build_model(tiny())
    x = images(batch=4, side=28, channels=1)
    np.testing.assert_array_equal(model.discriminate(x), model.discriminator(x))
    model.start_step()
    assert not np.allclose(
        model.discriminate(x, training=True), model.discriminator(x, training=True)
    )


def test_a_step_with_diffaugment_traces_once():
    # With XLA: tests/models/test_stylegan2.py::test_a_step_with_both_lazy_regularisers_...
    from tests.models.test_noise_to_image import count_traces

    model = build_model(tiny())
    traces = count_traces(model)
    data = tf.data.Dataset.from_tensors(images(batch=4, side=28, channels=1)).repeat()
    model.fit(data, steps_per_epoch=3, epochs=1, verbose=0)
    assert len(traces) == 1


def test_bad_policies_are_refused():
    with pytest.raises(UsageError, match="diffaugment_policy takes"):
        build_model(tiny(diffaugment_policy=["color", "flip"]))
    with pytest.raises(UsageError, match="needs --augment=diffaugment"):
        build_model(tiny(augment="none", diffaugment_policy=["color"]))
