"""Improved precision and recall of generative models.

Kynkäänniemi, Karras, Laine, Lehtinen, Aila, "Improved Precision and Recall Metric for Assessing
Generative Models", NeurIPS 2019, Section 2. Each set of feature vectors approximates its
manifold by the union of hyperspheres around its samples, the radius of each being the distance
to its k-th nearest neighbour in the same set (k = 3):

    f(phi, Phi) = 1  if  ||phi - phi'|| <= ||phi' - NN_k(phi', Phi)||  for some phi' in Phi,
    precision   = mean over generated phi_g of f(phi_g, Phi_real),
    recall      = mean over real phi_r of f(phi_r, Phi_gen)          (their eqs. 1 and 2).

Precision measures how much of the generated set lies on the real manifold (quality), recall
how much of the real manifold is covered by generated samples (diversity). The paper uses VGG-16
fc2 features; with Inception pool features the numbers are not comparable with the paper's.

Distances are computed in blocks of rows x columns, so memory stays bounded (about
``batch_size x 10 * batch_size`` floats) for any set size; like the reference code they are
computed in float32 by default (``dtype`` to change).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class PrecisionRecall(NamedTuple):
    precision: float
    recall: float


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """||a_i - b_j||^2 for all pairs, via ||a||^2 + ||b||^2 - 2 a.b (one matrix product)."""
    d = (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d, 0.0)  # Rounding can give tiny negatives.


def knn_squared_radii(
    features: np.ndarray, k: int = 3, batch_size: int = 1000, dtype: type = np.float32
) -> np.ndarray:
    """Squared distance of every sample to its k-th nearest neighbour in the same set.

    The sample itself (distance 0) is not a neighbour: this is the (k+1)-th smallest distance
    of its row, found by keeping the k+1 smallest values over column blocks.
    """
    x = np.asarray(features, dtype=dtype)
    n = len(x)
    if n <= k:
        raise ValueError(f"need more than k={k} samples, got {n}")
    column_block = 10 * batch_size
    radii = np.empty(n, dtype=dtype)
    for start in range(0, n, batch_size):
        rows = x[start : start + batch_size]
        smallest = np.full((len(rows), k + 1), np.inf, dtype=dtype)
        for col in range(0, n, column_block):
            d = _squared_distances(rows, x[col : col + column_block])
            merged = np.concatenate([smallest, d], axis=1)
            smallest = np.partition(merged, k, axis=1)[:, : k + 1]
        radii[start : start + len(rows)] = smallest.max(axis=1)
    return radii


def manifold_membership(
    queries: np.ndarray,
    reference: np.ndarray,
    reference_squared_radii: np.ndarray,
    batch_size: int = 1000,
    dtype: type = np.float32,
) -> np.ndarray:
    """For each query, whether it lies inside some reference sample's k-NN hypersphere."""
    q = np.asarray(queries, dtype=dtype)
    r = np.asarray(reference, dtype=dtype)
    radii = np.asarray(reference_squared_radii, dtype=dtype)
    column_block = 10 * batch_size
    inside = np.zeros(len(q), dtype=bool)
    for start in range(0, len(q), batch_size):
        rows = q[start : start + batch_size]
        hit = np.zeros(len(rows), dtype=bool)
        for col in range(0, len(r), column_block):
            d = _squared_distances(rows, r[col : col + column_block])
            hit |= (d <= radii[None, col : col + column_block]).any(axis=1)
        inside[start : start + len(rows)] = hit
    return inside


def precision_recall(
    real_features: np.ndarray,
    fake_features: np.ndarray,
    k: int = 3,
    batch_size: int = 1000,
    dtype: type = np.float32,
) -> PrecisionRecall:
    """Improved precision and recall (Kynkäänniemi et al. 2019) with k-NN manifolds.

    Args:
      real_features: (N_real, D) features of real images.
      fake_features: (N_fake, D) features of generated images (the paper uses equal sizes).
      k: neighbourhood size of the manifold estimate (paper: 3).
      batch_size: rows per distance block (memory ~ 10 * batch_size^2 values).
      dtype: dtype of the distance computation.
    """
    real = np.asarray(real_features)
    fake = np.asarray(fake_features)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"features must be (N1, D) and (N2, D), got {real.shape}, {fake.shape}")
    real_radii = knn_squared_radii(real, k, batch_size, dtype)
    fake_radii = knn_squared_radii(fake, k, batch_size, dtype)
    precision = manifold_membership(fake, real, real_radii, batch_size, dtype).mean()
    recall = manifold_membership(real, fake, fake_radii, batch_size, dtype).mean()
    return PrecisionRecall(float(precision), float(recall))
