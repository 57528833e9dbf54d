"""Inception Score (IS).

Salimans, Goodfellow, Zaremba, Cheung, Radford, Chen, "Improved Techniques for Training GANs",
NeurIPS 2016, Section 4:

    IS = exp( E_x KL( p(y | x) || p(y) ) ),    p(y) = E_x p(y | x),

high when each image is confidently classified (peaked p(y|x)) and the classes are diverse
(flat marginal p(y)); its maximum is the number of classes. As in the authors' code, the N
samples are cut into 10 consecutive splits, p(y) is the mean over each split, and the mean and
standard deviation of the per-split scores are reported.

This module takes class probabilities (or logits), not images. The FID Inception weights in
``gan_tf.metrics.inception`` hold no softmax layer, so IS cannot be computed from them; the
published IS uses the 1008-way softmax of the same 2015-12-05 graph, and any other classifier
gives numbers that are not comparable with papers.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class ISResult(NamedTuple):
    """Inception Score mean and standard deviation over splits."""

    mean: float
    std: float


def inception_score(probabilities: np.ndarray, splits: int = 10) -> ISResult:
    """IS (Salimans et al. 2016) from class probabilities p(y | x), shape (N, classes).

    Rows must be probability vectors (non-negative, summing to 1 within 1e-3). Split ``i`` is
    rows ``[i N // splits, (i + 1) N // splits)``, as in the original code. ``0 log 0 = 0``.

    Returns:
      ``ISResult(mean, std)`` over splits (population std, as the original code).
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2:
        raise ValueError(f"probabilities must be (N, classes), got shape {p.shape}")
    if not 1 <= splits <= len(p):
        raise ValueError(f"need 1 <= splits <= N, got splits={splits}, N={len(p)}")
    if (p < 0).any() or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            "rows must be probability vectors (>= 0, sum 1); logits? use *_from_logits"
        )
    n = len(p)
    scores = []
    for i in range(splits):
        part = p[i * n // splits : (i + 1) * n // splits]
        marginal = part.mean(axis=0)
        # KL(p(y|x) || p(y)) with 0 log 0 = 0; where p(y|x) > 0 the marginal is > 0 too.
        positive = part > 0
        log_ratio = np.log(np.where(positive, part, 1.0)) - np.log(
            np.where(positive, marginal, 1.0)
        )
        kl = np.sum(np.where(positive, part * log_ratio, 0.0), axis=1)
        scores.append(np.exp(kl.mean()))
    return ISResult(float(np.mean(scores)), float(np.std(scores)))


def inception_score_from_logits(logits: np.ndarray, splits: int = 10) -> ISResult:
    """IS from classifier logits (N, classes): a float64 softmax, then ``inception_score``."""
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"logits must be (N, classes), got shape {z.shape}")
    z = z - z.max(axis=1, keepdims=True)  # Stable softmax.
    e = np.exp(z)
    return inception_score(e / e.sum(axis=1, keepdims=True), splits)
