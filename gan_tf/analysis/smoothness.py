"""How smooth a style-based generator is in W: the two measures of the StyleGAN papers.

- `jacobian_lengths`: ||J_w^T y||_2 per w, y ~ N(0, I) / sqrt(H W) (Karras et al. 2020,
  "Analyzing and Improving the Image Quality of StyleGAN", sec. 3.2, eq. 4), the quantity the
  path-length penalty holds near a constant: "a fixed-size step in W results in a non-zero,
  fixed-magnitude change in the image". Its coefficient of variation over w (std / mean) is
  how far G is from that; the penalty should lower it.
- `path_length_in_w`: the perceptual path length in W (Karras et al. 2019, "A Style-Based
  Generator Architecture for GANs", sec. 4.1, eq. 3), 1 / eps^2 d(g(lerp(w1, w2; t)),
  g(lerp(w1, w2; t + eps))) with t ~ U(0, 1), eps = 1e-4, the 1% tails dropped before the mean
  (metrics/perceptual_path_length.py). d is the mean squared pixel difference rather than
  LPIPS, whose VGG weights no offline install has: the same path, measured in pixels.

Both run the synthesis network with constant noise, so that only w moves the image. Written
here because no library measures a Keras generator's W space.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

PPL_EPSILON = 1e-4  # StyleGAN, sec. 4.1
PPL_TAILS = (1, 99)  # percentiles kept (perceptual_path_length.py: lo 1, hi 99)


def jacobian_lengths(generator, z: tf.Tensor, seed) -> tf.Tensor:
    """||J_w^T y|| for each z's w, as the penalty computes it
    (`gan_tf.models.stylegan2.jacobian_lengths`), y drawn from the stateless `seed`."""
    from gan_tf.models import stylegan2

    return stylegan2.jacobian_lengths(
        lambda ws: generator.synthesize(ws, noise_mode="const"),
        generator.mapping(z),
        lambda shape: tf.random.stateless_normal(shape, seed),
    )


def coefficient_of_variation(values) -> float:
    """std / mean of `values`."""
    values = np.asarray(values, np.float64)
    return float(values.std() / values.mean())


def path_length_in_w(
    generator, num_pairs: int, seed: int, batch: int = 100, epsilon: float = PPL_EPSILON
) -> float:
    """The path length in W with the pixel distance (module docstring), over `num_pairs`
    pairs (z1, z2, t) drawn from `seed`; images in G's range ([-1, 1])."""
    if num_pairs < 1:
        raise ValueError(f"num_pairs must be positive, got {num_pairs}")
    lengths = []
    for start in range(0, num_pairs, batch):
        n = min(batch, num_pairs - start)
        keys = [[seed, 3 * start + part] for part in range(3)]
        z1 = tf.random.stateless_normal([n, generator.latent_dim], keys[0])
        z2 = tf.random.stateless_normal([n, generator.latent_dim], keys[1])
        t = tf.random.stateless_uniform([n, 1, 1], keys[2])
        w1, w2 = generator.mapping(z1), generator.mapping(z2)
        begin = w1 + (w2 - w1) * t
        end = w1 + (w2 - w1) * (t + epsilon)
        a = generator.synthesize(begin, noise_mode="const")
        b = generator.synthesize(end, noise_mode="const")
        difference = tf.cast(a, tf.float64) - tf.cast(b, tf.float64)
        distance = tf.reduce_mean(tf.square(difference), axis=[1, 2, 3])
        lengths.append(distance.numpy() / epsilon**2)
    lengths = np.concatenate(lengths)
    low = np.percentile(lengths, PPL_TAILS[0], method="lower")
    high = np.percentile(lengths, PPL_TAILS[1], method="higher")
    kept = lengths[(lengths >= low) & (lengths <= high)]
    return float(kept.mean())
