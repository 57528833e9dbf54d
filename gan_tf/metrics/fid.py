"""Fréchet Inception Distance (FID).

Heusel, Ramsauer, Unterthiner, Nessler, Hochreiter, "GANs Trained by a Two Time-Scale Update
Rule Converge to a Local Nash Equilibrium", NeurIPS 2017 (TTUR, arXiv:1706.08500), eq. (6): the
Fréchet (2-Wasserstein) distance (Dowson & Landau 1982) between the Gaussians fitted to real and
generated Inception features,

    d^2((m, C), (m_w, C_w)) = ||m - m_w||^2 + Tr(C + C_w - 2 (C C_w)^(1/2)).

Matrix square root. Only the trace of (C1 C2)^(1/2) is needed. C1 C2 has the same eigenvalues
as the symmetric positive semi-definite M = C1^(1/2) C2 C1^(1/2) (AB and BA share eigenvalues;
take A = C1^(1/2), B = C1^(1/2) C2), all real and >= 0, so Tr (C1 C2)^(1/2) = sum_i
sqrt(lambda_i(M)). C1^(1/2) and the eigenvalues of M both come from ``numpy.linalg.eigh`` on
symmetric matrices, which is backward stable and real by construction; tiny negative eigenvalues
from rounding are clipped to 0. This replaces ``scipy.linalg.sqrtm(C1 @ C2)`` of the TTUR /
pytorch-fid code, which works on the non-symmetric product: it returns complex values with
spurious imaginary parts (checked and dropped there) and is inaccurate for the singular
covariances that fewer samples than dimensions (N <= 2048) give, which that code patches by
adding eps * I, changing the value. Here the result is the FID of the given statistics, also for
singular covariances, in float64, with numpy only. It agrees with sqrtm where sqrtm is accurate.
"""

from __future__ import annotations

import numpy as np


def feature_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (unbiased, ``ddof=1`` as in TTUR) of features (N, D), in float64.

    Returns:
      ``mu`` (D,) and ``sigma`` (D, D).
    """
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"features must be (N >= 2, D), got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("features contain NaN or inf")
    return x.mean(axis=0), np.cov(x, rowvar=False)


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """Symmetric square root of a symmetric positive semi-definite matrix."""
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """Tr((sigma1 sigma2)^(1/2)) for symmetric PSD matrices, via eigh of C1^½ C2 C1^½."""
    root1 = _sqrt_psd(sigma1)
    middle = root1 @ sigma2 @ root1
    middle = (middle + middle.T) / 2.0  # Symmetric in exact arithmetic; remove rounding skew.
    return float(np.sqrt(np.clip(np.linalg.eigvalsh(middle), 0.0, None)).sum())


def frechet_distance(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray
) -> float:
    """FID of two Gaussians (Heusel et al. 2017, eq. 6), in float64.

    ``||mu1 - mu2||^2 + Tr(sigma1) + Tr(sigma2) - 2 Tr((sigma1 sigma2)^(1/2))``, with the trace
    of the square root from a symmetric eigen-decomposition (see the module docstring). The
    result is clipped at 0: it is a squared distance, and rounding can make FID(x, x) ~ -1e-12.
    """
    mu1, mu2 = (np.atleast_1d(np.asarray(m, dtype=np.float64)) for m in (mu1, mu2))
    sigma1, sigma2 = (np.atleast_2d(np.asarray(s, dtype=np.float64)) for s in (sigma1, sigma2))
    d = mu1.shape[0]
    if mu1.shape != (d,) or mu2.shape != (d,) or sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(
            f"shape mismatch: mu1 {mu1.shape}, sigma1 {sigma1.shape}, mu2 {mu2.shape}, "
            f"sigma2 {sigma2.shape}"
        )
    # np.cov is symmetric up to rounding; eigh reads one triangle only, so symmetrise first.
    sigma1, sigma2 = (sigma1 + sigma1.T) / 2.0, (sigma2 + sigma2.T) / 2.0
    diff = mu1 - mu2
    value = (
        diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt_product(sigma1, sigma2)
    )
    return max(float(value), 0.0)


def fid_from_features(features1: np.ndarray, features2: np.ndarray) -> float:
    """FID between two feature sets (N1, D) and (N2, D), e.g. Inception pool features.

    FID is biased upwards for small N (the standard protocol uses 50,000 generated samples
    against the training set); compare numbers only at equal sample sizes.
    """
    mu1, sigma1 = feature_statistics(features1)
    mu2, sigma2 = feature_statistics(features2)
    return frechet_distance(mu1, sigma1, mu2, sigma2)
