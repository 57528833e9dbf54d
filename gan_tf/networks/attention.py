"""Self-attention for convolutional GANs (Zhang et al. 2019, "Self-Attention Generative
Adversarial Networks", ICML, sec. 3, eqs. 1-3), as BigGAN uses it (Brock et al. 2019, sec. 3;
ajbrock/BigGAN-PyTorch layers.py `Attention`, the released SAGAN code's form):

    f = theta(x) (C/8 channels),  g = maxpool(phi(x)) (C/8),  h = maxpool(g_conv(x)) (C/2)
    beta = softmax_j(f_i . g_j)                 attention of each position over the pooled map
    o = v(sum_j beta_ij h_j)                    back to C channels
    y = gamma * o + x                           gamma learned, starting at 0 (eq. 3)

All four 1x1 convolutions have no bias and are spectrally normalised (as every weight of
BigGAN's G and D); the 2x2 max-pooling of the keys and values is the released code's (the paper
attends to every position).

Written here: Keras's `MultiHeadAttention` works on sequences with its own dense projections
and no learned residual gate.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from gan_tf.networks.spectral_norm import SpectralNormalization


@keras.saving.register_keras_serializable(package="gan_tf")
class SelfAttention(layers.Layer):
    """(batch, H, W, C) -> (batch, H, W, C); H and W even, C divisible by 8.

    Args:
      kernel_initializer: of the four 1x1 convolutions.
      power_iterations: of their spectral norms; None: no spectral norm.
    """

    def __init__(
        self,
        kernel_initializer="orthogonal",
        power_iterations: int | None = 1,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.power_iterations = power_iterations

    def _conv(self, filters: int, name: str) -> layers.Layer:
        conv = layers.Conv2D(
            filters,
            1,
            use_bias=False,
            kernel_initializer=keras.initializers.get(
                keras.initializers.serialize(self.kernel_initializer)
            ),
            name=name,
        )
        if self.power_iterations is None:
            return conv
        return SpectralNormalization(conv, self.power_iterations, name=f"{name}_sn")

    def build(self, input_shape) -> None:
        channels = int(input_shape[-1])
        if channels % 8:
            raise ValueError(f"self-attention needs channels divisible by 8, got {channels}")
        self.channels = channels
        self.theta = self._conv(channels // 8, "theta")
        self.phi = self._conv(channels // 8, "phi")
        self.g = self._conv(channels // 2, "g")
        self.o = self._conv(channels, "o")
        for conv in (self.theta, self.phi, self.g):
            conv.build(input_shape)
        self.o.build((*input_shape[:-1], channels // 2))
        self.gamma = self.add_weight(shape=(), initializer="zeros", name="gamma")
        self.built = True

    def call(self, x, training: bool | None = None):
        height, width = x.shape[1], x.shape[2]
        positions, pooled = height * width, (height // 2) * (width // 2)
        theta = ops.reshape(self.theta(x, training=training), (-1, positions, self.channels // 8))
        phi = ops.max_pool(self.phi(x, training=training), 2, 2)
        phi = ops.reshape(phi, (-1, pooled, self.channels // 8))
        g = ops.max_pool(self.g(x, training=training), 2, 2)
        g = ops.reshape(g, (-1, pooled, self.channels // 2))
        beta = ops.softmax(ops.matmul(theta, ops.transpose(phi, (0, 2, 1))), axis=-1)
        attended = ops.reshape(ops.matmul(beta, g), (-1, height, width, self.channels // 2))
        o = self.o(attended, training=training)
        return ops.cast(self.gamma, o.dtype) * o + x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "power_iterations": self.power_iterations,
        }
