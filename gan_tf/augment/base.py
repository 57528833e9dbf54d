"""`Augmentation`: what a noise-to-image model calls on the images D sees in training.

The model augments every image D scores (`__call__`, with a stateless seed of the step), shows
the augmentation D's raw scores of each real batch of its main update (`observe`), and calls
`update` once per step; an adaptive augmentation (ADA) moves its strength there. Its state,
`variables`, is checkpointed with the model.
"""

from __future__ import annotations

import tensorflow as tf


class Augmentation:
    """A fixed augmentation: no state, nothing to observe."""

    def __call__(self, images: tf.Tensor, seed) -> tf.Tensor:
        raise NotImplementedError

    def observe(self, real_scores: tf.Tensor) -> None:
        """D's raw scores of a batch of (augmented) reals, in its main update."""

    def update(self, step: tf.Tensor) -> dict[str, tf.Tensor]:
        """Once per training step (`step`: the steps done before it); returns values to log."""
        return {}

    @property
    def variables(self) -> dict:
        """The state to checkpoint, by name."""
        return {}
