"""PGGAN's networks: the paper's size at 1024x1024, the equalized learning rate, pixel norm,
the minibatch standard deviation, and the fade-in of a new block in G and D."""

import math

import numpy as np
import pytest
import tensorflow as tf

from gan_tf.errors import UsageError
from gan_tf.networks import pggan

TINY = dict(resolution=32, channels=1, fmap_base=64, fmap_max=16)


def trainable_count(network) -> int:
    return sum(int(np.prod(w.shape)) for w in network.trainable_weights)


def test_parameter_counts_at_1024_are_the_papers_table_2():
    # Table 2: 23.1M parameters in G and in D; every toRGB / fromRGB of the lower resolutions
    # is counted (the networks hold them all, as the authors' `Network`s do).
    generator = pggan.ProgressiveGenerator()
    discriminator = pggan.ProgressiveDiscriminator()
    g, d = trainable_count(generator), trainable_count(discriminator)
    assert (g, d) == (23_079_115, 23_087_249)
    assert g == pytest.approx(23.1e6, rel=0.01) and d == pytest.approx(23.1e6, rel=0.01)
    assert [pggan.feature_maps(s, 8192, 1.0, 512) for s in range(1, 10)] == [
        512, 512, 512, 512, 256, 128, 64, 32, 16
    ]  # fmt: skip


def test_equalized_conv_stores_unit_normal_weights_and_scales_them_at_run_time():
    conv = pggan.EqualizedConv2D(64, 3)
    x = tf.random.stateless_normal([2, 8, 8, 32], seed=[1, 2])
    y = conv(x)
    kernel = conv.kernel.numpy()
    assert abs(kernel.mean()) < 0.02 and abs(kernel.std() - 1.0) < 0.02  # N(0, 1) as stored
    scale = math.sqrt(2.0) / math.sqrt(3 * 3 * 32)  # He: sqrt(2 / fan_in)
    assert conv.scale == pytest.approx(scale)
    expected = tf.nn.conv2d(x, kernel * scale, 1, "SAME") + conv.bias
    np.testing.assert_allclose(y, expected, atol=1e-5)


def test_equalized_dense_scales_by_its_gain_over_the_root_fan_in():
    dense = pggan.EqualizedDense(3, gain=1.0)
    x = tf.ones([2, 16])
    y = dense(x)
    expected = x @ (dense.kernel.numpy() / 4.0) + dense.bias
    np.testing.assert_allclose(y, expected, atol=1e-6)


def test_pixel_norm_divides_each_feature_vector_by_its_rms():
    x = tf.constant([[[[3.0, 4.0], [1.0, 1.0]]]])  # two pixels, two features
    rms = np.sqrt([[12.5], [1.0]])  # sqrt(mean(9, 16)), sqrt(mean(1, 1))
    expected = np.array([[3.0, 4.0], [1.0, 1.0]]) / rms
    np.testing.assert_allclose(pggan.pixel_norm(x)[0, 0], expected, rtol=1e-6)


def test_minibatch_stddev_appends_the_groups_mean_standard_deviation():
    x = np.arange(8 * 2 * 2 * 3, dtype=np.float32).reshape(8, 2, 2, 3) ** 1.5
    out = pggan.minibatch_stddev(tf.constant(x), group_size=4).numpy()
    assert out.shape == (8, 2, 2, 4)
    np.testing.assert_array_equal(out[..., :3], x)
    for n in range(8):  # sample n is in group n % 2: samples {0, 2, 4, 6} and {1, 3, 5, 7}
        group = x[n % 2 :: 2]
        expected = np.sqrt(group.var(axis=0) + 1e-8).mean()
        np.testing.assert_allclose(out[n, ..., 3], expected, rtol=1e-5)


def test_generator_fade_in_blends_the_upsampled_previous_image_and_the_new_block():
    generator = pggan.ProgressiveGenerator(latent_dim=8, **TINY)
    z = tf.random.stateless_normal([4, 8], seed=[3, 4])
    for level in (1, 2, 3):
        previous = pggan.upsample(generator.grow(z, level - 1))
        new = generator.grow(z, level)
        np.testing.assert_allclose(generator.grow(z, level, 0.0), previous, atol=1e-5)
        np.testing.assert_allclose(generator.grow(z, level, 1.0), new, atol=1e-5)
        np.testing.assert_allclose(
            generator.grow(z, level, 0.25), 0.75 * previous + 0.25 * new, atol=1e-5
        )
        assert not np.allclose(previous, new, atol=1e-3)  # the two really differ


def test_a_plain_call_shows_the_stage_it_holds_at_full_size():
    generator = pggan.ProgressiveGenerator(latent_dim=8, **TINY)
    z = tf.random.stateless_normal([2, 8], seed=[5, 6])
    generator.show(1, 0.5)
    expected = pggan.upsample(generator.grow(z, 1, 0.5), 4)  # 8x8 -> 32x32
    np.testing.assert_allclose(generator(z), expected, atol=1e-6)


def test_discriminator_fade_in_at_alpha_0_is_the_previous_stage_on_downsampled_images():
    discriminator = pggan.ProgressiveDiscriminator(**TINY)
    images = tf.random.stateless_uniform([4, 16, 16, 1], seed=[7, 8], minval=-1.0)
    previous = discriminator.score(pggan.downsample(images), 1)
    new = discriminator.score(images, 2)
    np.testing.assert_allclose(discriminator.score(images, 2, 0.0), previous, atol=1e-5)
    np.testing.assert_allclose(discriminator.score(images, 2, 1.0), new, atol=1e-5)
    assert not np.allclose(previous, new, atol=1e-4)


@pytest.mark.parametrize("resolution", [2, 24, 2048])
def test_refuses_a_resolution_it_cannot_grow_to(resolution):
    with pytest.raises(UsageError, match="power of two from 4 to 1024"):
        pggan.check_resolution(resolution)
