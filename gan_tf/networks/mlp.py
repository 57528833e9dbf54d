"""Fully connected generator and discriminator of the original GAN (Goodfellow et al. 2014).

The paper's generator mixed rectifiers and sigmoids and its discriminator used maxout units with
dropout; we keep the structure (noise -> hidden -> 784 with tanh; 784 -> hidden -> 1) with
ReLU in G and LeakyReLU(0.2) plus dropout in D, the form that trains reliably with Adam.

`mlp_vector_generator` is the same stack with a linear output of any width, for low-dimensional
data such as the 2-D toy mixtures (`gan_tf.data.toy`), whose points lie outside tanh's range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras
from keras import layers


def mlp_generator(
    latent_dim: int = 100,
    image_shape: Sequence[int] = (28, 28, 1),
    hidden_units: Sequence[int] = (256, 512, 1024),
    num_classes: int | None = None,
    name: str = "mlp_generator",
) -> keras.Model:
    """z -> hidden ReLU layers -> prod(image_shape) with tanh, reshaped to an image.

    With `num_classes`, a second input (int labels) is one-hot encoded and concatenated to z:
    the conditional generator of Mirza & Osindero 2014, sec. 3.2.
    """
    z = keras.Input((latent_dim,), name="z")
    inputs = [z]
    h = z
    if num_classes:
        labels = keras.Input((), dtype="int32", name="label")
        inputs.append(labels)
        h = layers.Concatenate()([z, layers.CategoryEncoding(num_classes, "one_hot")(labels)])
    for units in hidden_units:
        h = layers.Dense(units)(h)
        h = layers.ReLU()(h)
    h = layers.Dense(math.prod(image_shape), activation="tanh")(h)
    images = layers.Reshape(tuple(image_shape), name="image")(h)
    return keras.Model(inputs if num_classes else z, images, name=name)


def mlp_discriminator(
    image_shape: Sequence[int] = (28, 28, 1),
    hidden_units: Sequence[int] = (1024, 512, 256),
    dropout: float = 0.3,
    num_classes: int | None = None,
    name: str = "mlp_discriminator",
) -> keras.Model:
    """image -> flatten -> hidden LeakyReLU(0.2) layers with dropout -> one logit (no sigmoid).

    With `num_classes`, the one-hot label is concatenated to the flattened image (Mirza &
    Osindero 2014, sec. 3.2).
    """
    images = keras.Input(tuple(image_shape), name="image")
    inputs = [images]
    h = layers.Flatten()(images)
    if num_classes:
        labels = keras.Input((), dtype="int32", name="label")
        inputs.append(labels)
        h = layers.Concatenate()([h, layers.CategoryEncoding(num_classes, "one_hot")(labels)])
    for units in hidden_units:
        h = layers.Dense(units)(h)
        h = layers.LeakyReLU(0.2)(h)
        if dropout:
            h = layers.Dropout(dropout)(h)
    logits = layers.Dense(1, name="logit")(h)
    return keras.Model(inputs if num_classes else images, logits, name=name)


def mlp_vector_generator(
    latent_dim: int = 2,
    output_dim: int = 2,
    hidden_units: Sequence[int] = (512, 512, 512),
    name: str = "mlp_vector_generator",
) -> keras.Model:
    """z -> hidden ReLU layers -> `output_dim` linear outputs: a generator of vectors.

    The generator of the 2-D toy experiments of Gulrajani et al. 2017 (`gan_toy.py`: 2-D noise,
    three ReLU layers of 512, a linear projection to 2). The output is linear, not tanh, because
    the toy data are not confined to [-1, 1] (the ring of `gan_tf.data.toy` has radius 2).
    """
    if latent_dim < 1 or output_dim < 1:
        raise ValueError(f"need latent_dim, output_dim >= 1, got {latent_dim}, {output_dim}")
    z = keras.Input((latent_dim,), name="z")
    h = z
    for units in hidden_units:
        h = layers.Dense(units)(h)
        h = layers.ReLU()(h)
    outputs = layers.Dense(output_dim, name="sample")(h)
    return keras.Model(z, outputs, name=name)
