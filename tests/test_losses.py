"""Losses against their closed forms."""

import math

import numpy as np
import pytest
import tensorflow as tf

from gan_tf import losses

LOG2 = math.log(2.0)


def test_minimax_discriminator_loss_at_indifference_is_2_log_2():
    # D(x) = D(G(z)) = 1/2 everywhere (logit 0): -log(1/2) - log(1/2) = 2 log 2.
    zeros = tf.zeros([8, 1])
    assert float(losses.minimax_discriminator_loss(zeros, zeros)) == pytest.approx(2 * LOG2)


def test_minimax_discriminator_loss_matches_cross_entropy_formula():
    real, fake = np.array([[2.0], [-1.0]]), np.array([[0.5], [-3.0]])
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    expected = -np.mean(np.log(sig(real))) - np.mean(np.log(1 - sig(fake)))
    got = losses.minimax_discriminator_loss(tf.constant(real), tf.constant(fake))
    assert float(got) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("logit", [-6.0, -1.0, 0.0, 2.5])
def test_generator_losses_match_their_formulas(logit):
    d = 1 / (1 + math.exp(-logit))
    fake = tf.constant([[logit]])
    assert float(losses.minimax_generator_loss(fake)) == pytest.approx(math.log(1 - d), rel=1e-5)
    assert float(losses.non_saturating_generator_loss(fake)) == pytest.approx(
        -math.log(d), rel=1e-5
    )


def test_minimax_generator_gradient_vanishes_where_non_saturating_does_not():
    # Early in training D rejects fakes confidently (logit << 0): the saturating loss has
    # almost no gradient, the non-saturating one has a strong one (Goodfellow et al. 2014).
    logit = tf.Variable([[-8.0]])
    with tf.GradientTape(persistent=True) as tape:
        saturating = losses.minimax_generator_loss(logit)
        non_saturating = losses.non_saturating_generator_loss(logit)
    assert abs(float(tape.gradient(saturating, logit)[0, 0])) < 1e-3
    assert abs(float(tape.gradient(non_saturating, logit)[0, 0])) > 0.99


def test_wasserstein_losses_have_the_right_sign():
    real, fake = tf.constant([[3.0], [1.0]]), tf.constant([[-1.0], [0.0]])
    # The critic maximises E f(x) - E f(G(z)) = 2.5, so its loss is -2.5.
    assert float(losses.wasserstein_critic_loss(real, fake)) == pytest.approx(-2.5)
    # G wants high critic scores on its samples: loss -E f(G(z)) = 0.5.
    assert float(losses.wasserstein_generator_loss(fake)) == pytest.approx(0.5)


def test_least_squares_losses_equal_their_formulas():
    real, fake = tf.constant([[0.8], [1.5]]), tf.constant([[0.1], [-0.4]])
    d = 0.5 * np.mean((np.array([0.8, 1.5]) - 1) ** 2) + 0.5 * np.mean(np.array([0.1, -0.4]) ** 2)
    g = 0.5 * np.mean((np.array([0.1, -0.4]) - 1) ** 2)
    assert float(losses.least_squares_discriminator_loss(real, fake)) == pytest.approx(d)
    assert float(losses.least_squares_generator_loss(fake)) == pytest.approx(g)


def test_hinge_losses():
    real, fake = tf.constant([[2.0], [0.5]]), tf.constant([[-2.0], [0.5]])
    assert float(losses.hinge_discriminator_loss(real, fake)) == pytest.approx(0.25 + 0.75)
    assert float(losses.hinge_generator_loss(fake)) == pytest.approx(0.75)


def test_orthogonal_penalty_value_and_gradient_on_a_small_matrix():
    # W = [[1, 2], [0, 1], [1, 0]]: W^T W = [[2, 2], [2, 5]], off-diagonal 2 and 2: value 8.
    w = tf.constant([[1.0, 2.0], [0.0, 1.0], [1.0, 0.0]])
    with tf.GradientTape() as tape:
        tape.watch(w)
        value = losses.orthogonal_penalty(w)
    assert float(value) == pytest.approx(8.0)
    # Its gradient 4 W (W^T W * (1 - I)) = 4 W [[0, 2], [2, 0]].
    expected = 4 * w.numpy() @ np.array([[0.0, 2.0], [2.0, 0.0]])
    np.testing.assert_allclose(tape.gradient(value, w).numpy(), expected, rtol=1e-6)
    # Orthogonal columns of any norms cost nothing.
    assert float(losses.orthogonal_penalty(tf.constant([[3.0, 0.0], [0.0, 0.5]]))) == 0.0


def test_gradient_penalty_of_a_linear_critic_is_its_closed_form():
    # D(x) = w.x has gradient w everywhere, so the penalty is (||w|| - 1)^2 at any point.
    w = tf.constant(np.arange(1.0, 13.0).reshape(2, 2, 3), tf.float32)
    critic = lambda x: tf.reduce_sum(x * w, axis=[1, 2, 3])  # noqa: E731
    points = tf.random.normal([5, 2, 2, 3])
    penalty, norm = losses.gradient_penalty(critic, points)
    expected_norm = float(tf.norm(w))
    assert float(norm) == pytest.approx(expected_norm, rel=1e-5)
    assert float(penalty) == pytest.approx((expected_norm - 1) ** 2, rel=1e-5)


def test_interpolate_uses_one_coefficient_per_sample():
    real, fake = tf.ones([3, 2, 2, 1]), tf.zeros([3, 2, 2, 1])
    mixed = losses.interpolate(real, fake, tf.constant([0.0, 0.25, 1.0]))
    np.testing.assert_allclose(mixed.numpy().reshape(3, -1).mean(axis=1), [0.0, 0.25, 1.0])


def test_l1_loss():
    assert float(losses.l1_loss(tf.constant([1.0, -1.0]), tf.constant([0.5, 0.0]))) == 0.75
