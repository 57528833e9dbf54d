"""StyleGAN's networks: the parameter count against the paper's, AdaIN's statistics, the blur,
and the fade-in of the growing generator."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf.networks import pggan, resampling
from gan_tf.networks import stylegan as sg


def count(network) -> int:
    return int(sum(np.prod(v.shape) for v in network.trainable_weights))


def test_parameter_count_at_1024_is_the_papers():
    # Karras et al. 2019, sec. 2: the style-based generator has 26.2M trainable parameters
    # (with a toRGB per resolution, as the growing networks hold them).
    g = sg.StyleGANGenerator(512, 1024, 3)
    assert count(g) == 26_219_627
    assert abs(count(g) - 26.2e6) / 26.2e6 < 0.001
    assert count(g.mapping_network) == 8 * (512 * 512 + 512)
    # D is PGGAN's (23.1M, its Table 2); the blur has no parameters.
    d = pggan.ProgressiveDiscriminator(1024, 3, blur=True)
    assert count(d) == count(pggan.ProgressiveDiscriminator(1024, 3)) == 23_087_249


def test_adain_sets_each_feature_maps_mean_and_deviation_from_the_style():
    epilogue = sg.LayerEpilogue(8)
    x = tf.random.stateless_normal([2, 8, 8, 3], seed=[1, 2]) * 5.0 + 3.0
    w = tf.random.stateless_normal([2, 6], seed=[3, 4])
    out = epilogue([x, w], noise_mode="none").numpy()
    scale, shift = np.split(epilogue.style(w).numpy(), 2, axis=-1)
    # Instance norm after the leaky ReLU, then x * (y_s + 1) + y_b (sec. 2, eq. 1).
    np.testing.assert_allclose(out.mean(axis=(1, 2)), shift, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(1, 2)), np.abs(scale + 1.0), rtol=1e-3)


def test_blur_is_the_normalised_1_2_1_filter():
    np.testing.assert_allclose(resampling.blur_filter(), np.outer([1, 2, 1], [1, 2, 1]) / 16)
    impulse = np.zeros([1, 5, 5, 1], np.float32)
    impulse[0, 2, 2, 0] = 1.0
    np.testing.assert_allclose(
        resampling.blur(impulse).numpy()[0, 1:4, 1:4, 0], resampling.blur_filter()
    )


@pytest.fixture(scope="module")
def generator():
    g = sg.StyleGANGenerator(4, 16, 1, w_dim=4, mapping_layers=2, channel_base=64, channel_max=8)
    for layer in g.layers:
        if isinstance(layer, sg.LayerEpilogue):
            layer.style.bias.assign(tf.random.stateless_normal(layer.style.bias.shape, [5, 6]))
    return g


def test_fade_in_blends_the_upsampled_lower_image_and_the_new_block(generator):
    ws = generator.mapping(tf.random.stateless_normal([2, 4], seed=[7, 8]))
    lower = generator.grow(ws, 1, None, "none")
    upper = generator.grow(ws, 2, None, "none")
    at_0 = generator.grow(ws, 2, tf.constant(0.0), "none")
    at_1 = generator.grow(ws, 2, tf.constant(1.0), "none")
    np.testing.assert_allclose(at_0, pggan.upsample(lower), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(at_1, upper, rtol=1e-5, atol=1e-6)
    generator.show(1, 1.0)  # a plain call shows the stage, upsampled to full size
    z = tf.random.stateless_normal([2, 4], seed=[7, 8])
    generator.noise_mode = "none"
    np.testing.assert_allclose(generator(z), pggan.upsample(lower), rtol=1e-5, atol=1e-6)
    generator.noise_mode = "random"
