"""Conditional batch norm: per-sample scale and offset on batch-normalised features."""

import keras
import numpy as np
import tensorflow as tf

from gan_tf.networks.conditional_batch_norm import ClassBatchNorm, ConditionalBatchNorm

EPSILON = 1e-5


def batch_normalized(x: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=(0, 1, 2))
    var = x.var(axis=(0, 1, 2))
    return (x - mean) / np.sqrt(var + EPSILON)


def test_each_class_gets_its_own_scale_and_shift():
    layer = ClassBatchNorm(3, epsilon=EPSILON)
    x = tf.random.normal((4, 2, 2, 5), seed=0) * 3 + 1
    labels = tf.constant([0, 2, 1, 2])
    layer([x, labels])
    gammas = np.arange(15, dtype=np.float32).reshape(3, 5) / 7 + 0.5
    betas = -np.arange(15, dtype=np.float32).reshape(3, 5) / 3
    layer.gammas.embeddings.assign(gammas)
    layer.betas.embeddings.assign(betas)
    out = layer([x, labels], training=True).numpy()
    normalized = batch_normalized(x.numpy())
    for i, label in enumerate(labels.numpy()):
        np.testing.assert_allclose(
            out[i], gammas[label] * normalized[i] + betas[label], rtol=1e-4, atol=1e-4
        )


def test_classes_start_at_scale_one_and_offset_zero():
    layer = ClassBatchNorm(10, epsilon=EPSILON)
    x = tf.random.normal((6, 3, 3, 4), seed=1)
    out = layer([x, tf.constant([0, 1, 2, 3, 4, 9])], training=True)
    np.testing.assert_allclose(out.numpy(), batch_normalized(x.numpy()), rtol=1e-4, atol=1e-4)


def test_given_scale_and_offset_apply_per_sample_and_moving_statistics_are_kept():
    layer = ConditionalBatchNorm(momentum=0.0, epsilon=EPSILON)
    x = tf.random.normal((3, 2, 2, 4), seed=2) * 2 + 5
    gamma = tf.random.normal((3, 4), seed=3)
    beta = tf.random.normal((3, 4), seed=4)
    out = layer([x, gamma, beta], training=True).numpy()
    expected = (
        gamma.numpy()[:, None, None] * batch_normalized(x.numpy()) + beta.numpy()[:, None, None]
    )
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    # momentum 0: the moving statistics are this batch's, so inference normalises alike.
    inference = layer([x, gamma, beta], training=False).numpy()
    np.testing.assert_allclose(inference, expected, rtol=1e-3, atol=1e-3)
    assert isinstance(layer.normalize, keras.layers.BatchNormalization)
