import math

import numpy as np
import pytest
import tensorflow as tf

from gan_tf.analysis import smoothness
from gan_tf.models.stylegan2 import path_lengths
from gan_tf.networks import stylegan2 as sg2


class LinearGenerator:
    """w = z on each of 2 layers; the image (4x4x1) is `matrix` applied to the flat ws."""

    latent_dim, num_ws = 8, 2

    def __init__(self, matrix):
        self.matrix = tf.constant(matrix, tf.float32)  # (num_ws * latent_dim, 16)

    def mapping(self, z):
        return tf.tile(z[:, None, :], [1, self.num_ws, 1])

    def synthesize(self, ws, noise_mode="random"):
        assert noise_mode == "const"
        flat = tf.reshape(ws, [-1, self.num_ws * self.latent_dim])
        return tf.reshape(flat @ self.matrix, [-1, 4, 4, 1])


def test_jacobian_lengths_are_the_norm_of_the_transposed_jacobian_times_y():
    matrix = np.random.default_rng(0).normal(size=(16, 16)).astype(np.float32)
    generator = LinearGenerator(matrix)
    z = tf.random.stateless_normal([5, 8], seed=[1, 2])
    seed = [3, 4]
    got = smoothness.jacobian_lengths(generator, z, seed)
    # J^T y for a linear map is matrix @ y, the same for every w.
    y = tf.random.stateless_normal([5, 4, 4, 1], seed) / math.sqrt(16)
    gradients = tf.reshape(tf.reshape(y, [5, 16]) @ matrix.T, [5, 2, 8])
    np.testing.assert_allclose(got, path_lengths(gradients), rtol=1e-5)
    expected = np.sqrt((np.reshape(gradients, [5, 2, 8]) ** 2).sum(-1).mean(-1))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_path_length_of_a_scaled_identity_is_its_expected_value():
    # g(w) = c w: d = mean((c (w2 - w1))^2) with w2 - w1 ~ N(0, 2 I), so the length is 2 c^2.
    scale = 3.0
    generator = LinearGenerator(scale * np.eye(16, dtype=np.float32))
    got = smoothness.path_length_in_w(generator, num_pairs=2_000, seed=0, batch=500)
    assert got == pytest.approx(2 * scale**2, rel=0.05)


def test_path_length_scales_with_the_square_of_the_image_and_is_zero_for_a_constant():
    matrix = np.random.default_rng(1).normal(size=(16, 16)).astype(np.float32)
    one = smoothness.path_length_in_w(LinearGenerator(matrix), num_pairs=300, seed=5, batch=128)
    two = smoothness.path_length_in_w(LinearGenerator(2 * matrix), 300, seed=5, batch=128)
    assert two == pytest.approx(4 * one, rel=1e-4)
    assert smoothness.path_length_in_w(LinearGenerator(0 * matrix), 10, seed=5) == 0.0
    with pytest.raises(ValueError, match="num_pairs"):
        smoothness.path_length_in_w(LinearGenerator(matrix), 0, seed=5)


def test_measures_run_on_a_stylegan2_generator():
    generator = sg2.StyleGAN2Generator(
        4, 16, 1, w_dim=8, mapping_layers=2, channel_base=64, channel_max=8
    )
    z = tf.random.stateless_normal([6, 4], [0, 1])
    lengths = smoothness.jacobian_lengths(generator, z, [2, 3])
    assert lengths.shape == (6,) and np.all(np.isfinite(lengths)) and np.all(lengths > 0)
    assert smoothness.coefficient_of_variation(lengths) > 0
    assert smoothness.coefficient_of_variation([2.0, 2.0, 2.0]) == 0.0
    assert np.isfinite(smoothness.path_length_in_w(generator, num_pairs=8, seed=1, batch=4))
