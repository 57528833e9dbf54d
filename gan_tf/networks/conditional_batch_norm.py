"""Conditional batch normalisation: batch norm whose scale and offset depend on the sample
(de Vries et al. 2017; Dumoulin et al. 2017, "A Learned Representation for Artistic Style",
eq. 5): y = gamma(c) * (x - mu) / sqrt(sigma^2 + eps) + beta(c).

Two ways to get gamma and beta, both used by the class-conditional GANs of gan_tf:
- `ClassBatchNorm`: one learned (gamma, beta) per class, the categorical conditional batch norm
  of SNGAN's generator (Miyato & Koyama 2018, sec. 4; pfnet-research/sngan_projection,
  source/links/categorical_conditional_batch_normalization.py: gamma starts at 1, beta at 0);
- `ConditionalBatchNorm`: gamma and beta given as inputs, e.g. BigGAN's linear projections of
  [shared class embedding, z chunk] (Brock et al. 2019, sec. 3 and appendix B).

The normalisation itself is Keras's `BatchNormalization` without its own scale and offset, so
moving statistics, synchronised batch norm under tf.distribute and standing statistics
(`gan_tf.models.hooks.standing_statistics`) work as for any batch norm.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="gan_tf")
class ConditionalBatchNorm(keras.layers.Layer):
    """[x (batch, H, W, C), gamma (batch, C), beta (batch, C)] -> gamma * BN(x) + beta.

    Args:
      momentum, epsilon: the batch norm's (Keras's meaning of momentum: the moving statistics
        keep `momentum` of their value per training call).
    """

    def __init__(self, momentum: float = 0.9, epsilon: float = 1e-5, **kwargs) -> None:
        super().__init__(**kwargs)
        self.momentum = momentum
        self.epsilon = epsilon
        self.normalize = keras.layers.BatchNormalization(
            momentum=momentum, epsilon=epsilon, center=False, scale=False, name="batch_norm"
        )

    def build(self, input_shapes) -> None:
        self.normalize.build(input_shapes[0])
        self.built = True

    def call(self, inputs, training: bool | None = None):
        x, gamma, beta = inputs
        normalized = self.normalize(x, training=training)
        shape = (-1, *([1] * (len(x.shape) - 2)), x.shape[-1])
        gamma = ops.reshape(ops.cast(gamma, normalized.dtype), shape)
        beta = ops.reshape(ops.cast(beta, normalized.dtype), shape)
        return gamma * normalized + beta

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]

    def get_config(self) -> dict:
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="gan_tf")
class ClassBatchNorm(keras.layers.Layer):
    """[x (batch, H, W, C), labels (batch,)] -> gamma[label] * BN(x) + beta[label]: one scale
    and one offset per class, initialised to 1 and 0 (the authors' code).

    Args:
      num_classes: the number of classes.
      momentum, epsilon: the batch norm's.
    """

    def __init__(
        self, num_classes: int, momentum: float = 0.9, epsilon: float = 1e-5, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)
        self.momentum = momentum
        self.epsilon = epsilon
        self.conditional = ConditionalBatchNorm(momentum, epsilon, name="conditional")

    def build(self, input_shapes) -> None:
        channels = int(input_shapes[0][-1])
        self.gammas = keras.layers.Embedding(
            self.num_classes, channels, embeddings_initializer="ones", name="gamma"
        )
        self.betas = keras.layers.Embedding(
            self.num_classes, channels, embeddings_initializer="zeros", name="beta"
        )
        self.gammas.build((None,))
        self.betas.build((None,))
        self.conditional.build([input_shapes[0], (None, channels), (None, channels)])
        self.built = True

    def call(self, inputs, training: bool | None = None):
        x, labels = inputs
        labels = ops.cast(labels, "int32")
        return self.conditional([x, self.gammas(labels), self.betas(labels)], training=training)

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
        }
