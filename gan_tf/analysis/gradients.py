"""The generator's gradient against a given discriminator, for a frozen generator.

Arjovsky & Bottou 2017 ("Towards Principled Methods for Training Generative Adversarial
Networks", sec. 2.2, figs. 2 and 3) freeze a partly trained DCGAN generator, train a fresh
discriminator from scratch against it, and watch the norm of the gradient of G's loss with
respect to G's parameters as D improves: with the minimax loss it vanishes, with -log D it
grows and fluctuates. `generator_gradient_norm` measures that quantity for any generator loss
of `gan_tf.losses` (and for a Wasserstein critic's).
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import tensorflow as tf


def generator_gradient_norm(
    generator: keras.Model,
    discriminator: keras.Model,
    generator_loss: Callable[[tf.Tensor], tf.Tensor],
    z: tf.Tensor,
    training: bool = True,
) -> tf.Tensor:
    """|| d generator_loss(D(G(z))) / d theta_G ||_2 over all of G's trainable weights.

    Nothing is updated. `training=True` calls both networks as the library's generator step
    does (batch norm on batch statistics); batch-norm layers then also move their running
    statistics, which no training-mode call reads.
    """
    with tf.GradientTape() as tape:
        fake = generator(z, training=training)
        scores = tf.cast(discriminator(fake, training=training), tf.float32)
        loss = generator_loss(scores)
    gradients = tape.gradient(loss, generator.trainable_variables)
    return tf.linalg.global_norm(gradients)
