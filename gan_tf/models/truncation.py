"""The truncation trick (Brock et al. 2019, sec. 3.1): sampling z from a truncated normal at
generation time trades variety for fidelity, from threshold 2.0 (little changes) down to 0.04
(nearly one image per class).

Two forms:
- "resample" (the paper's): "values which fall outside a range are resampled to fall inside
  that range", i.e. z ~ N(0, I) conditioned on |z_i| <= threshold per coordinate. It is drawn
  here by the inverse CDF, z = Phi^-1(U(Phi(-t), Phi(t))), which has exactly the distribution
  that resampling until every value falls inside gives, in one pass and as TF ops (no loop whose
  length depends on the draw, so it compiles with XLA and stays a pure function of the seed);
- "rescale" (TF-Hub's BigGAN modules and their Colab): z = t * TN(-2, 2), the standard normal
  truncated at 2 and scaled by the threshold, so its range is [-2t, 2t].
"""

from __future__ import annotations

import math

import tensorflow as tf

TRUNCATION_MODES = ("resample", "rescale")
RESCALE_BOUND = 2.0  # TF-Hub: truncnorm.rvs(-2, 2) * truncation


def _phi(x: float) -> float:
    """The standard normal CDF."""
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def truncated_normal(
    shape, seed, threshold: float, mode: str = "resample", dtype=tf.float32
) -> tf.Tensor:
    """z of `shape` from the truncated normal of `mode` (see the module docstring), a pure
    function of the stateless `seed`. Raises ValueError for a threshold <= 0 or an unknown
    mode."""
    if threshold <= 0:
        raise ValueError(f"the truncation threshold must be > 0, got {threshold}")
    if mode not in TRUNCATION_MODES:
        raise ValueError(f"truncation mode must be one of {TRUNCATION_MODES}, got {mode!r}")
    bound = threshold if mode == "resample" else RESCALE_BOUND
    low, high = _phi(-bound), _phi(bound)
    # float64 keeps the inverse CDF accurate in the tails for thresholds up to ~8.
    u = tf.random.stateless_uniform(shape, seed=seed, minval=low, maxval=high, dtype=tf.float64)
    z = tf.math.ndtri(u)
    z = tf.clip_by_value(z, -bound, bound)  # rounding at the ends of the interval
    if mode == "rescale":
        z = threshold * z
    return tf.cast(z, dtype)
