"""Spectral normalisation (Miyato et al. 2018, "Spectral Normalization for Generative
Adversarial Networks", ICLR): a layer computes with W_SN = W / sigma(W), eq. 8, where sigma(W)
is W's largest singular value, estimated by one power iteration per training call from a
vector u kept across steps (Algorithm 1).

Written here rather than taken from Keras: `keras.layers.SpectralNormalization` (Keras 3.15)
overwrites the wrapped layer's kernel with W / sigma in place at every training call, so
(1) the gradient reaches the stored, already normalised weights without passing through
sigma, dropping the term of eq. 12 that penalises the first singular direction; (2) the
variable the optimizer trains is the normalised one rather than the paper's W; and (3) the
in-place assignment of a mirrored trainable variable inside a replica's step fails under
tf.distribute. Here W stays the trained parameter and W / sigma is computed in the forward
pass, with u and v held constant (`stop_gradient`), as in the authors' code
(pfnet-research/sngan_projection, source/functions/max_sv.py and source/links/sn_*.py) and in
BigGAN-PyTorch (layers.py `SN`).
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

# The l2 normalisation's epsilon, as the authors' `_l2normalize` (eps=1e-12).
NORM_EPSILON = 1e-12


def _l2_normalize(x: tf.Tensor) -> tf.Tensor:
    return x / (tf.norm(x) + NORM_EPSILON)


def power_iteration(
    matrix: tf.Tensor, u: tf.Tensor, iterations: int = 1
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """(sigma, u, v) of W = `matrix` (m, n), from u (1, n), the running estimate of W's first
    right singular vector: `iterations` times v = normalize(u W^T), u = normalize(v W); then
    sigma = v W u^T (Miyato et al. 2018, Algorithm 1, eqs. 19-20, for the transposed matrix).
    u and v come back without gradient, so sigma is differentiable in W as in eq. 12."""
    for _ in range(iterations):
        v = _l2_normalize(tf.matmul(u, matrix, transpose_b=True))
        u = _l2_normalize(tf.matmul(v, matrix))
    u, v = tf.stop_gradient(u), tf.stop_gradient(v)
    sigma = tf.reshape(tf.matmul(tf.matmul(v, matrix), u, transpose_b=True), [])
    return sigma, u, v


@keras.saving.register_keras_serializable(package="gan_tf")
class SpectralNormalization(keras.layers.Wrapper):
    """Wraps a `Dense`, `Conv2D` or `Embedding` layer so that it computes with W / sigma(W).

    The kernel is seen as the matrix (fan_in, units): a Conv2D's (kh, kw, in, out) kernel is
    reshaped to (kh * kw * in, out) as in the paper (sec. 2.1 treats a convolution's kernel as
    that matrix), an Embedding's table as (classes, dim). u, one vector of size `units`, is a
    non-trainable weight, so checkpoints keep it and a resumed run continues its power
    iteration. A training call runs `power_iterations` steps and stores the new u; an
    inference call uses sigma from the stored u without changing it.

    Args:
      layer: the layer to normalise; its activation must be None (apply it after).
      power_iterations: power iteration steps per training call (the paper: 1).
    """

    SUPPORTED = (keras.layers.Dense, keras.layers.Conv2D, keras.layers.Embedding)

    def __init__(self, layer: keras.layers.Layer, power_iterations: int = 1, **kwargs) -> None:
        if not isinstance(layer, self.SUPPORTED):
            raise ValueError(
                f"SpectralNormalization wraps Dense, Conv2D or Embedding, got {type(layer)}"
            )
        if getattr(layer, "activation", None) not in (None, keras.activations.linear):
            raise ValueError("the wrapped layer's activation must be None: apply it after")
        if power_iterations < 1:
            raise ValueError(f"power_iterations must be >= 1, got {power_iterations}")
        super().__init__(layer, **kwargs)
        self.power_iterations = int(power_iterations)

    def build(self, input_shape) -> None:
        if not self.layer.built:
            self.layer.build(input_shape)
        self.units = int(self._weight().shape[-1])
        # The authors' code draws u from N(0, 1); any start converges (Algorithm 1).
        self.u = self.add_weight(
            shape=(1, self.units),
            initializer=keras.initializers.RandomNormal(stddev=1.0),
            trainable=False,
            name="u",
            # Every replica computes the same u from the same W.
            aggregation="only_first_replica",
        )
        self.built = True

    def _weight(self):
        if isinstance(self.layer, keras.layers.Embedding):
            return self.layer.embeddings
        return self.layer.kernel

    def sigma(self, training: bool = False) -> tf.Tensor:
        """The estimate of sigma(W) the layer divides by; in training it advances u."""
        weight = tf.convert_to_tensor(self._weight())
        matrix = tf.reshape(tf.cast(weight, tf.float32), [-1, self.units])
        sigma, u, _ = power_iteration(matrix, tf.convert_to_tensor(self.u), self.power_iterations)
        if training:
            self.u.assign(u)
        return sigma

    def normalized_weight(self, training: bool = False) -> tf.Tensor:
        """W / sigma(W), eq. 8 of Miyato et al. 2018, in the layer's compute dtype."""
        weight = tf.convert_to_tensor(self._weight())
        normalized = tf.cast(weight, tf.float32) / self.sigma(training)
        return tf.cast(normalized, self.layer.compute_dtype)

    def call(self, inputs, training: bool | None = None):
        weight = self.normalized_weight(bool(training))
        layer = self.layer
        if isinstance(layer, keras.layers.Embedding):
            return ops.take(weight, ops.cast(inputs, "int32"), axis=0)
        inputs = ops.cast(inputs, layer.compute_dtype)
        if isinstance(layer, keras.layers.Conv2D):
            outputs = layer.convolution_op(inputs, weight)
        else:
            outputs = ops.matmul(inputs, weight)
        if layer.use_bias:
            outputs = outputs + ops.cast(layer.bias, layer.compute_dtype)
        return outputs

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "power_iterations": self.power_iterations}
