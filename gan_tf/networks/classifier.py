"""A small CNN classifier for 28x28 grayscale digit-like images (MNIST, Fashion-MNIST).

It is the feature network of the classifier-based GAN scores (``gan_tf.metrics.classifier_score``),
the MNIST counterpart of the Inception network: TF-GAN's ``classifier_score`` and
``frechet_classifier_distance`` evaluate MNIST GANs on a classifier trained on MNIST, because an
ImageNet network says little about 28x28 digits.

Layout (one 3x3 convolution with batch norm and ReLU per stage, max-pooled after each stage):

    28x28x1 -> conv 16 -> pool -> conv 32 -> pool -> conv 64 -> pool (3x3x64) -> flatten
            -> dense 64 + ReLU ("features") -> dropout -> dense 10 ("logits")

It is small on purpose: about 61,000 parameters (a 0.29 MB weights file that ships with the
package) and 2 M multiply-adds per image, so it trains to over 99% MNIST test accuracy in six
epochs on a CPU (settings and training time in gan_tf/metrics/classifier_weights/mnist.json).
Two convolutions per stage with global average pooling instead of the flattened 3x3 maps were
tried and learned more slowly per CPU second. The ``features`` layer is the penultimate feature
space of the Fréchet classifier distance; ``logits`` gives p(y|x) for the classifier score.

Inputs are float32 images in [-1, 1] (the range of the data pipelines and of a tanh generator).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

FEATURES_LAYER = "features"
LOGITS_LAYER = "logits"


def digit_classifier(
    image_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    filters: Sequence[int] = (16, 32, 64),
    feature_dim: int = 64,
    dropout: float = 0.3,
    name: str = "digit_classifier",
) -> keras.Model:
    """images in [-1, 1] -> class logits (no softmax).

    Args:
      image_shape: (height, width, channels) of the inputs.
      num_classes: number of classes (10 for MNIST and Fashion-MNIST).
      filters: filters of each stage; every stage halves the resolution (floor).
      feature_dim: width of the penultimate ``features`` layer.
      dropout: dropout rate before the logits (training only).
    """
    if not filters or min(filters) < 1 or feature_dim < 1 or num_classes < 2:
        raise ValueError(
            f"need filters >= 1, feature_dim >= 1 and >= 2 classes; got filters={filters}, "
            f"feature_dim={feature_dim}, num_classes={num_classes}"
        )
    images = keras.Input(tuple(image_shape), name="image")
    x = images
    for stage, width in enumerate(filters):
        x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"conv{stage}")(x)
        x = layers.BatchNormalization(name=f"bn{stage}")(x)
        x = layers.ReLU(name=f"relu{stage}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{stage}")(x)
    x = layers.Flatten(name="flatten")(x)
    features = layers.Dense(feature_dim, activation="relu", name=FEATURES_LAYER)(x)
    x = layers.Dropout(dropout, name="dropout")(features)
    logits = layers.Dense(num_classes, name=LOGITS_LAYER)(x)
    return keras.Model(images, logits, name=name)


def with_features(classifier: keras.Model) -> keras.Model:
    """The same layers (shared weights) with two outputs: ``(logits, features)``."""
    return keras.Model(
        classifier.inputs,
        [classifier.get_layer(LOGITS_LAYER).output, classifier.get_layer(FEATURES_LAYER).output],
        name=f"{classifier.name}_with_features",
    )
