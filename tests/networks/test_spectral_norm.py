"""Spectral normalisation against its definition (Miyato et al. 2018): sigma from the power
iteration against the SVD, the forward pass with W / sigma, the gradient of eq. 12, u's
bookkeeping, and the layers it wraps."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.networks.spectral_norm import SpectralNormalization, power_iteration


def largest_singular_value(matrix) -> float:
    return float(tf.linalg.svd(tf.constant(matrix, tf.float32), compute_uv=False)[0])


def wrapped_dense(units=5, fan_in=7, seed=0):
    layer = SpectralNormalization(
        keras.layers.Dense(units, kernel_initializer=keras.initializers.RandomNormal(seed=seed))
    )
    layer.build((None, fan_in))
    return layer


def test_the_power_iteration_converges_to_the_largest_singular_value():
    matrix = np.random.default_rng(0).normal(size=(9, 6)).astype(np.float32)
    u = tf.constant(np.random.default_rng(1).normal(size=(1, 6)), tf.float32)
    sigma = None
    for _ in range(50):
        sigma, u, _ = power_iteration(tf.constant(matrix), u)
    assert float(sigma) == pytest.approx(largest_singular_value(matrix), rel=1e-4)


def test_training_calls_carry_u_across_steps_until_sigma_is_the_svds():
    layer = wrapped_dense()
    kernel = layer.layer.kernel.numpy()
    first = float(layer.sigma(training=True))
    for _ in range(60):  # one power iteration per training call, as in Algorithm 1
        layer(tf.ones((2, 7)), training=True)
    assert float(layer.sigma()) == pytest.approx(largest_singular_value(kernel), rel=1e-4)
    assert first != pytest.approx(float(layer.sigma()), rel=1e-4)  # u did move
    # The normalised kernel then has spectral norm 1.
    assert largest_singular_value(layer.normalized_weight().numpy()) == pytest.approx(1, rel=1e-4)
    # The trained parameter is W itself, never overwritten by W / sigma.
    np.testing.assert_array_equal(layer.layer.kernel.numpy(), kernel)


def test_inference_calls_leave_u_unchanged_and_u_is_a_checkpointed_weight():
    layer = wrapped_dense()
    u = layer.u.numpy().copy()
    layer(tf.ones((2, 7)), training=False)
    np.testing.assert_array_equal(layer.u.numpy(), u)
    layer(tf.ones((2, 7)), training=True)
    assert not np.array_equal(layer.u.numpy(), u)
    assert any(w is layer.u for w in layer.non_trainable_weights)
    assert not any(w is layer.u for w in layer.trainable_weights)


def test_dense_output_is_the_input_times_w_over_sigma_plus_bias():
    layer = wrapped_dense()
    layer.layer.bias.assign(tf.range(5, dtype=tf.float32))
    x = tf.random.normal((3, 7), seed=2)
    sigma = float(layer.sigma())
    expected = x.numpy() @ (layer.layer.kernel.numpy() / sigma) + np.arange(5)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_the_gradient_is_eq_12_the_first_singular_direction_penalised():
    # dL/dW = (G - <G, W_SN> v^T u) / sigma with G = dL/dW_SN, for sigma = v W u^T and u, v
    # held constant (eq. 12 of Miyato et al. 2018 in this file's orientation of W).
    layer = wrapped_dense()
    for _ in range(60):
        layer(tf.ones((1, 7)), training=True)
    x = tf.random.normal((4, 7), seed=3)
    weights = tf.random.normal((4, 5), seed=4)
    kernel = layer.layer.kernel
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) * weights)
    gradient = tape.gradient(loss, kernel).numpy()

    matrix = tf.convert_to_tensor(kernel)
    sigma, u, v = power_iteration(matrix, tf.convert_to_tensor(layer.u), iterations=1)
    sigma, u, v = float(sigma), u.numpy(), v.numpy()
    normalized = kernel.numpy() / sigma
    g = x.numpy().T @ weights.numpy()  # dL / dW_SN
    expected = (g - np.sum(g * normalized) * v.T @ u) / sigma
    np.testing.assert_allclose(gradient, expected, rtol=1e-4, atol=1e-5)
    # Without the second term (a gradient that skips sigma) the test would fail:
    assert not np.allclose(gradient, g / sigma, rtol=1e-3, atol=1e-4)


def test_conv2d_is_normalised_over_its_kernel_as_a_fan_in_by_filters_matrix():
    conv = keras.layers.Conv2D(4, 3, padding="same", use_bias=False)
    layer = SpectralNormalization(conv)
    x = tf.random.normal((2, 5, 5, 3), seed=5)
    layer(x)
    for _ in range(60):
        layer(x, training=True)
    kernel = conv.kernel.numpy()
    assert float(layer.sigma()) == pytest.approx(
        largest_singular_value(kernel.reshape(-1, 4)), rel=1e-4
    )
    expected = tf.nn.conv2d(x, kernel / float(layer.sigma()), 1, "SAME")
    np.testing.assert_allclose(layer(x).numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)


def test_an_embedding_is_normalised_as_a_classes_by_dim_matrix():
    layer = SpectralNormalization(keras.layers.Embedding(6, 4))
    labels = tf.constant([0, 5, 2])
    layer(labels)
    for _ in range(60):
        layer(labels, training=True)
    table = layer.layer.embeddings.numpy()
    sigma = largest_singular_value(table)
    assert float(layer.sigma()) == pytest.approx(sigma, rel=1e-4)
    np.testing.assert_allclose(layer(labels).numpy(), table[[0, 5, 2]] / sigma, rtol=1e-4)


def test_a_training_call_compiles_with_xla():
    layer = wrapped_dense()
    x = tf.ones((2, 7))
    start = layer.u.numpy().copy()
    eager, eager_u = layer(x, training=True).numpy(), layer.u.numpy().copy()
    layer.u.assign(start)
    compiled = tf.function(lambda x: layer(x, training=True), jit_compile=True)(x).numpy()
    np.testing.assert_allclose(compiled, eager, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.u.numpy(), eager_u, rtol=1e-4, atol=1e-6)
    assert not np.allclose(eager_u, start)


def test_refuses_layers_it_cannot_normalise_and_an_activation_inside():
    with pytest.raises(ValueError, match="Dense, Conv2D or Embedding"):
        SpectralNormalization(keras.layers.BatchNormalization())
    with pytest.raises(ValueError, match="activation"):
        SpectralNormalization(keras.layers.Dense(3, activation="relu"))
