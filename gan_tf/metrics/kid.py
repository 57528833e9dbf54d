"""Kernel Inception Distance (KID).

Bińkowski, Sutherland, Arbel, Gretton, "Demystifying MMD GANs", ICLR 2018: KID is the squared
maximum mean discrepancy between real and generated Inception features, with the cubic
polynomial kernel

    k(x, y) = (x . y / d + 1)^3,         d = feature dimension (2048),

estimated without bias (Gretton et al. 2012, "A Kernel Two-Sample Test", JMLR, Lemma 6):

    MMD_u^2 = 1/(m(m-1)) sum_{i != j} k(x_i, x_j) + 1/(n(n-1)) sum_{i != j} k(y_i, y_j)
              - 2/(mn) sum_{i, j} k(x_i, y_j).

Unlike FID the estimator is unbiased, so KID is comparable across sample sizes and its
expectation is 0 when both sets come from one distribution (single estimates can be negative).
As in the authors' reference code, it is averaged over random subsets (default 100 subsets of
1,000 samples from each set, drawn without replacement) and reported as mean and standard
deviation over subsets. Often quoted x 1000.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from absl import logging


class KIDResult(NamedTuple):
    """KID mean and standard deviation over subsets."""

    mean: float
    std: float


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """k(x, y) = (x . y / d + 1)^3 for all pairs of rows, (m, d) x (n, d) -> (m, n)."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 (Gretton et al. 2012, Lemma 6) with the KID polynomial kernel, float64."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    m, n = len(x), len(y)
    if m < 2 or n < 2 or x.shape[1:] != y.shape[1:]:
        raise ValueError(f"need (m >= 2, d) and (n >= 2, d) features, got {x.shape} and {y.shape}")
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    # Leaving out the diagonal (i == j) terms is what makes the estimate unbiased.
    term_xx = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    term_yy = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(term_xx + term_yy - 2.0 * k_xy.mean())


def kernel_inception_distance(
    features1: np.ndarray,
    features2: np.ndarray,
    num_subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 0,
) -> KIDResult:
    """KID (Bińkowski et al. 2018) between two feature sets (N1, D) and (N2, D).

    Args:
      num_subsets: number of random subset pairs the estimate is averaged over.
      subset_size: samples per subset, capped to min(N1, N2) (logged).
      seed: seed of the subset sampling; the result is deterministic given the seed.

    Returns:
      ``KIDResult(mean, std)``: mean and (population) standard deviation over subsets.
    """
    f1 = np.asarray(features1, dtype=np.float64)
    f2 = np.asarray(features2, dtype=np.float64)
    if f1.ndim != 2 or f2.ndim != 2 or f1.shape[1] != f2.shape[1]:
        raise ValueError(f"features must be (N1, D) and (N2, D), got {f1.shape} and {f2.shape}")
    if num_subsets < 1:
        raise ValueError(f"num_subsets must be positive, got {num_subsets}")
    size = min(subset_size, len(f1), len(f2))
    if size < 2:
        raise ValueError(f"KID needs at least 2 samples per set, got {len(f1)} and {len(f2)}")
    if size < subset_size:
        logging.warning("KID: subset size capped from %d to %d samples", subset_size, size)
    rng = np.random.default_rng(seed)
    values = np.array(
        [
            mmd2_unbiased(
                f1[rng.choice(len(f1), size, replace=False)],
                f2[rng.choice(len(f2), size, replace=False)],
            )
            for _ in range(num_subsets)
        ]
    )
    return KIDResult(float(values.mean()), float(values.std()))
