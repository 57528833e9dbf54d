"""The 2-D mixture of Gaussians on a ring: the standard toy for watching GANs drop modes.

Eight equal-weight isotropic Gaussians with their means evenly spaced on a circle is the "2D
ring" / "8 Gaussians" dataset on which the unrolled GAN paper (Metz et al. 2017, "Unrolled
Generative Adversarial Networks") and VEEGAN (Srivastava et al. 2017, "VEEGAN: Reducing Mode
Collapse in GANs using Implicit Variational Learning") show mode collapse. Radius 2 and standard
deviation 0.02 are the values of the WGAN-GP toy code (Gulrajani et al. 2017, `gan_toy.py`,
`8gaussians`; it then divides the points by 1.414, which we do not: the data stay in their own
units, so the evaluation's "3 standard deviations" is 0.06). Its modes are known exactly, so
mode collapse can be measured (`gan_tf.metrics.mode_coverage`).

`ring_of_gaussians` gives the mixture (its mode centres and a seeded sampler);
`toy_pipeline` turns it into the infinite, shuffled `tf.data` stream of fixed-size batches that
`AdversarialModel.fit` expects.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import tensorflow as tf


@dataclasses.dataclass(frozen=True)
class GaussianMixture2D:
    """An equal-weight mixture of isotropic 2-D Gaussians.

    Attributes:
      centres: (num_modes, 2) float32 mode means.
      std: the standard deviation of every component, per coordinate.
    """

    centres: np.ndarray
    std: float

    @property
    def num_modes(self) -> int:
        return int(self.centres.shape[0])

    def sample_with_modes(self, num: int, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
        """`num` points and the index of the component each was drawn from.

        Components are chosen uniformly at random; the same seed gives the same points.

        Returns:
          (points (num, 2) float32, modes (num,) int64).
        """
        if num < 0:
            raise ValueError(f"num must be >= 0, got {num}")
        rng = np.random.default_rng(seed)
        modes = rng.integers(0, self.num_modes, size=num)
        noise = rng.standard_normal((num, 2)) * self.std
        points = (self.centres[modes] + noise).astype(np.float32)
        return points, modes

    def sample(self, num: int, seed: int | None = 0) -> np.ndarray:
        """`num` points from the mixture, (num, 2) float32; the same seed gives the same points."""
        return self.sample_with_modes(num, seed)[0]


def ring_of_gaussians(
    num_modes: int = 8, radius: float = 2.0, std: float = 0.02
) -> GaussianMixture2D:
    """`num_modes` Gaussians of standard deviation `std` with means evenly spaced on a circle.

    The defaults are the 8-mode ring of the WGAN-GP toy code (radius 2, std 0.02). Mode k sits
    at angle 2 pi k / num_modes, so mode 0 is (radius, 0).

    Returns:
      the mixture: its mode centres (`.centres`, (num_modes, 2)) and a seeded sampler
      (`.sample(num, seed)`).
    """
    if num_modes < 1:
        raise ValueError(f"num_modes must be >= 1, got {num_modes}")
    if radius < 0 or std <= 0:
        raise ValueError(f"need radius >= 0 and std > 0, got radius={radius}, std={std}")
    angles = 2.0 * math.pi * np.arange(num_modes) / num_modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return GaussianMixture2D(centres=centres.astype(np.float32), std=float(std))


def toy_pipeline(
    mixture: GaussianMixture2D,
    batch_size: int,
    *,
    seed: int = 0,
    num_examples: int = 100_000,
) -> tf.data.Dataset:
    """An infinite stream of (batch_size, 2) float32 batches from a fixed sample of the mixture.

    Like a real dataset (and the 25-Gaussians set of the WGAN-GP toy code, which draws 100,000
    points once), the training set is a finite sample of `num_examples` points; it is reshuffled
    every pass (seeded), repeated forever and batched with `drop_remainder`, so every batch has
    a static shape (XLA compiles one step). Pass `batch_size * d_steps` rows per batch for
    `AdversarialModel`, whose discriminator steps each take their own slice.
    """
    if batch_size < 1 or num_examples < batch_size:
        raise ValueError(
            f"need 1 <= batch_size <= num_examples, got {batch_size} and {num_examples}"
        )
    points = mixture.sample(num_examples, seed=seed)
    return (
        tf.data.Dataset.from_tensor_slices(points)
        .shuffle(num_examples, seed=seed, reshuffle_each_iteration=True)
        .repeat()
        .batch(batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )
