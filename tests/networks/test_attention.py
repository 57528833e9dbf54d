"""SAGAN's self-attention as BigGAN uses it: shapes, the gate starting at 0, the attention map
against a hand computation."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf.networks.attention import SelfAttention


def test_output_shape_and_the_gate_starts_at_zero_so_the_layer_starts_as_the_identity():
    layer = SelfAttention(power_iterations=None)
    x = tf.random.stateless_normal((2, 8, 6, 16), seed=[1, 2])
    y = layer(x)
    assert y.shape == x.shape
    assert float(layer.gamma.numpy()) == 0.0
    np.testing.assert_array_equal(y.numpy(), x.numpy())


def test_the_output_is_gamma_times_attention_over_pooled_positions_plus_x():
    layer = SelfAttention(kernel_initializer="glorot_uniform", power_iterations=None)
    x = tf.random.stateless_normal((1, 4, 4, 8), seed=[3, 4])
    layer(x)
    layer.gamma.assign(0.7)
    out = layer(x).numpy()[0]
    w = {name: getattr(layer, name).kernel.numpy()[0, 0] for name in ("theta", "phi", "g", "o")}
    xs = x.numpy()[0]

    def pool(maps):  # 2x2 max pooling
        return maps.reshape(2, 2, 2, 2, -1).max(axis=(1, 3)).reshape(4, -1)

    theta = xs.reshape(16, 8) @ w["theta"]  # (16, 1)
    phi = pool(xs @ w["phi"])  # (4, 1)
    g = pool(xs @ w["g"])  # (4, 4)
    logits = theta @ phi.T
    beta = np.exp(logits - logits.max(1, keepdims=True))
    beta /= beta.sum(1, keepdims=True)
    o = (beta @ g) @ w["o"]
    np.testing.assert_allclose(out, 0.7 * o.reshape(4, 4, 8) + xs, rtol=1e-4, atol=1e-5)


def test_refuses_channels_not_divisible_by_eight():
    with pytest.raises(ValueError, match="divisible by 8"):
        SelfAttention()(tf.zeros((1, 4, 4, 12)))
