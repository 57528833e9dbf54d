import keras
import numpy as np
import tensorflow as tf

from gan_tf import losses
from gan_tf.analysis.gradients import generator_gradient_norm


def _linear_networks(w, v):
    generator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, use_bias=False)])
    discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    generator.set_weights([w])
    discriminator.set_weights([v])
    return generator, discriminator


def test_matches_the_analytic_gradient_and_changes_nothing():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 2)).astype("float32")
    v = rng.standard_normal((2, 1)).astype("float32")
    z = rng.standard_normal((5, 3)).astype("float32")
    generator, discriminator = _linear_networks(w, v)
    norm = generator_gradient_norm(
        generator, discriminator, losses.wasserstein_generator_loss, tf.constant(z)
    )
    # loss = -mean_i z_i W v, so d loss / dW = -mean_i outer(z_i, v).
    expected = np.linalg.norm(-np.outer(z.mean(axis=0), v[:, 0]))
    np.testing.assert_allclose(float(norm), expected, rtol=1e-5)
    np.testing.assert_array_equal(generator.get_weights()[0], w)
    np.testing.assert_array_equal(discriminator.get_weights()[0], v)


def test_minimax_gradient_vanishes_where_d_rejects_the_fakes():
    # D scores every fake about -20 (D(G(z)) ~ 2e-9): the minimax gradient is ~D(G(z)) times
    # the non-saturating one.
    z = tf.ones((4, 3))
    generator, discriminator = _linear_networks(
        np.full((3, 2), 1.0, "float32"), np.full((2, 1), -10.0 / 3.0, "float32")
    )
    minimax = generator_gradient_norm(generator, discriminator, losses.minimax_generator_loss, z)
    non_saturating = generator_gradient_norm(
        generator, discriminator, losses.non_saturating_generator_loss, z
    )
    assert float(minimax) < 1e-6 * float(non_saturating)
    assert float(non_saturating) > 1.0
