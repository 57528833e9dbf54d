"""ADA: the pipeline's geometry against known maps, the identity at p = 0, differentiability,
value ranges, the p controller on a toy D, and the model's use of it (one trace, XLA, p in
the logs). p's resume: tests/training/test_resume.py (its cgan case runs ADA)."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf import configs
from gan_tf.augment import ada
from gan_tf.errors import UsageError
from gan_tf.models.zoo import build_model

SEED = tf.constant([4, 2], tf.int64)


def images(batch=8, side=16, channels=3, seed=(1, 2)):
    return tf.random.stateless_uniform([batch, side, side, channels], seed, -1, 1)


def smooth_images(batch=8, side=16, channels=3):
    coarse = images(batch, side // 4, channels)
    return tf.image.resize(coarse, (side, side), "bilinear")


def per_image(matrix, batch=8):
    return tf.tile(tf.constant(matrix, tf.float32)[None], [batch, 1, 1])


def test_at_p_0_the_pipeline_is_the_identity():
    for channels in (1, 3):
        x = images(channels=channels)
        np.testing.assert_array_equal(ada.augment(x, SEED, 0.0), x)


def test_the_resampling_of_the_identity_map_is_the_identity():
    # Up- and downsampling with the orthogonal wavelet's filters cancel: the convention of the
    # filters (convolution up, correlation down) and of pixel centres is the authors'.
    x = images()
    np.testing.assert_allclose(ada.apply_geometric(x, per_image(np.eye(3))), x, atol=1e-4)


def test_an_integer_translation_moves_whole_pixels():
    x = images()
    shift = per_image([[1, 0, -2], [0, 1, 1], [0, 0, 1]])  # out(x, y) = in(x - 2, y + 1)
    out = ada.apply_geometric(x, shift).numpy()
    np.testing.assert_allclose(out[:, :-1, 2:], x.numpy()[:, 1:, :-2], atol=1e-4)


def test_a_flip_and_a_quarter_turn_of_a_smooth_image():
    # Exact up to the symlet filter's small asymmetry, smallest on smooth images.
    x = smooth_images()
    flip = ada.apply_geometric(x, per_image(np.diag([-1.0, 1.0, 1.0])))
    np.testing.assert_allclose(flip, x[:, :, ::-1], atol=0.1)
    quarter = ada.apply_geometric(x, per_image([[0, -1, 0], [1, 0, 0], [0, 0, 1]]))
    np.testing.assert_allclose(
        quarter[:, 3:-3, 3:-3], tf.image.rot90(x, 1)[:, 3:-3, 3:-3], atol=0.1
    )
    assert np.abs(quarter - x).max() > 0.5


def test_every_transformation_draws_per_image_and_at_its_probability():
    x = smooth_images(batch=96)
    for name in ada.BGC:
        only = {name: 1.0}
        out = ada.augment(x, SEED, 0.5, only).numpy()
        changed = np.abs(out - x.numpy()).max(axis=(1, 2, 3)) > 1e-3
        # Half the images (three quarters for rotation: before or after), less the draws
        # that leave an image as it is (a flip index 0, a zero shift, ...).
        assert 0.15 < changed.mean() < 0.8, (name, changed.mean())


def test_gradients_reach_the_images_through_every_transformation():
    x = images(channels=3)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = ada.augment(x, SEED, 1.0)
        loss = tf.reduce_sum(tf.square(out))
    gradient = tape.gradient(loss, x).numpy()
    assert np.isfinite(gradient).all() and (np.abs(gradient).sum(axis=(1, 2, 3)) > 0).all()


def test_value_ranges():
    x = smooth_images(batch=64)
    geometric = {name: 1.0 for name in ("xflip", "rotate90", "xint", "scale", "rotate", "aniso")}
    out = ada.augment(x, SEED, 1.0, geometric).numpy()
    # Reflection, bilinear sampling and the low-pass filters: within the range, up to the
    # filters' ringing; a larger scale or rotation brings no value from outside.
    assert out.min() > -1.1 and out.max() < 1.1
    # Colour: an affine map of each image's values, whose gain and offset have the paper's
    # spreads (brightness std 0.2, contrast log2 std 0.5, luma flips).
    gray = smooth_images(batch=512, channels=1)
    brightness = ada.augment(gray, SEED, 1.0, {"brightness": 1.0}) - gray
    assert np.std(brightness.numpy().mean(axis=(1, 2, 3))) == pytest.approx(0.2, rel=0.15)
    assert np.ptp(brightness.numpy(), axis=(1, 2, 3)).max() < 1e-5  # the same offset everywhere


def test_one_grayscale_channel_takes_the_colour_matrix_mean():
    x = images(channels=1)
    matrix = np.diag([2.0, 2.0, 2.0, 1.0])
    matrix[:3, 3] = 0.1, 0.3, 0.5  # offsets: their mean is applied
    matrix[0, 1] = 1.0  # gains: the rows' means summed, 2 + 1/3
    expected = (2.0 + 1.0 / 3.0) * x + 0.3
    np.testing.assert_allclose(ada.apply_color(x, per_image(matrix)), expected, atol=1e-6)


def test_p_rises_when_d_is_sure_of_reals_and_falls_otherwise():
    augmentation = ada.AdaptiveAugmentation(target=0.6, interval=2, speed_images=1000)

    def run(scores, steps):
        for step in steps:
            augmentation.observe(scores)
            logs = augmentation.update(tf.constant(step, tf.int64))
        return float(logs["augment_p"]), float(logs["augment_rt"])

    sure = tf.fill([10, 1], 3.0)  # signs +1: r_t = 1 > 0.6
    # Adjusted at step 0 (10 reals seen) and step 2 (20): p = 30 / 1000.
    assert run(sure, range(3)) == pytest.approx((0.03, 1.0))
    unsure = tf.constant([[1.0], [-1.0], [-2.0], [4.0], [-1.0]])  # r_t = -0.2 < 0.6
    # Adjusted at steps 4 and 6, 10 reals each.
    assert run(unsure, range(3, 7)) == pytest.approx((0.01, -0.2))
    assert run(unsure, range(7, 40))[0] == 0.0  # kept in [0, 1]
    assert run(sure, range(40, 1000))[0] == 1.0


def test_a_fixed_strength_keeps_p_and_still_measures_r_t():
    augmentation = ada.AdaptiveAugmentation(interval=2, speed_images=1000, p=0.3, adjusted=False)
    for step in range(5):
        augmentation.observe(tf.fill([10, 1], 3.0))
        logs = augmentation.update(tf.constant(step, tf.int64))
    assert (float(logs["augment_p"]), float(logs["augment_rt"])) == pytest.approx((0.3, 1.0))
    with pytest.raises(ValueError, match="probability"):
        ada.AdaptiveAugmentation(p=1.5)


def tiny(**overrides):
    values = dict(
        dataset="mnist_demo", batch_size=4, base_filters=4, image_size=28, jit_compile=False,
        augment="ada", ada_images=100, ada_interval=2, seed=3,
    )  # fmt: skip
    values.update(overrides)
    return configs.get("dcgan", **values)


@pytest.mark.parametrize(
    "jit_compile", [False, pytest.param(True, marks=pytest.mark.long)], ids=["graph", "xla"]
)
def test_a_step_with_ada_traces_once_and_logs_p(jit_compile):
    from tests.models.test_noise_to_image import count_traces

    model = build_model(tiny(jit_compile=jit_compile))
    traces = count_traces(model)
    data = tf.data.Dataset.from_tensors(images(batch=4, side=28, channels=1)).repeat()
    history = model.fit(data, steps_per_epoch=5, epochs=1, verbose=0)
    assert len(traces) == 1
    assert {"augment_p", "augment_rt"} <= set(history.history)
    # Adjusted at steps 0, 2 and 4 from 4, 8 and 8 reals (D's untrained signs move p either
    # way): p is a sum of moves of 0.04 or 0.08, within [0, 0.2].
    p = float(model.augmentation.p.value)
    assert 0.0 <= p <= 0.2 + 1e-6 and abs(p / 0.04 - round(p / 0.04)) < 1e-4


def test_ada_settings_need_ada():
    with pytest.raises(UsageError, match="--ada_target needs --augment=ada"):
        build_model(tiny(augment="none", ada_images=500_000, ada_interval=4, ada_target=0.5))


def test_ada_fixed_takes_its_strength_and_needs_it():
    from gan_tf.models.factory import augmentation

    made = augmentation(configs.get("dcgan", dataset="mnist", augment="ada_fixed", ada_p=0.3))
    assert not made.adjusted and float(made.p.value) == pytest.approx(0.3)
    with pytest.raises(UsageError, match="--augment=ada_fixed needs its strength"):
        augmentation(configs.get("dcgan", dataset="mnist", augment="ada_fixed"))
    with pytest.raises(UsageError, match="--ada_p needs --augment=ada_fixed"):
        augmentation(configs.get("dcgan", dataset="mnist", augment="ada", ada_p=0.3))


def test_every_noise_to_image_variant_takes_ada():
    from gan_tf.augment.ada import AdaptiveAugmentation
    from gan_tf.configs.families import NoiseToImageConfig
    from gan_tf.models.factory import augmentation

    variants = [
        v for v in configs.VARIANTS if issubclass(configs.config_class(v), NoiseToImageConfig)
    ]
    assert {"dcgan", "wgan_gp", "sngan", "biggan", "pggan", "stylegan", "stylegan2"} <= set(
        variants
    )
    for variant in variants:
        config = configs.get(variant, dataset="mnist", augment="ada", ada_target=0.5)
        made = augmentation(config)
        assert isinstance(made, AdaptiveAugmentation) and made.target == 0.5, variant
