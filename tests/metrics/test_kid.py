"""Kernel Inception Distance: the unbiased estimator, subset averaging, seeding."""

import numpy as np
import pytest

from gan_tf.metrics.kid import kernel_inception_distance, mmd2_unbiased


def _naive_mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """The U-statistic written out with loops, as an independent check."""
    d = x.shape[1]

    def k(a, b):
        return (a @ b / d + 1.0) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2.0 * xy


def test_matches_the_written_out_estimator():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((7, 5)), rng.standard_normal((9, 5)) + 0.3
    assert mmd2_unbiased(x, y) == pytest.approx(_naive_mmd2_unbiased(x, y), rel=1e-12)


def test_zero_in_expectation_for_one_distribution():
    # Average over many independent small samples: unbiased -> mean ~ 0 within 4 standard
    # errors. The biased (V-statistic) version, which keeps i == j, is clearly positive here.
    rng = np.random.default_rng(1)
    values = np.array([mmd2_unbiased(rng.random((30, 8)), rng.random((30, 8))) for _ in range(400)])
    standard_error = values.std() / np.sqrt(len(values))
    assert abs(values.mean()) < 4.0 * standard_error
    assert values.min() < 0.0 < values.max()  # Single estimates scatter around 0.


def test_kid_is_small_for_one_distribution_and_large_for_a_shift():
    rng = np.random.default_rng(2)
    real = np.maximum(rng.standard_normal((600, 32)), 0.0)
    same = np.maximum(rng.standard_normal((600, 32)), 0.0)
    shifted = np.maximum(rng.standard_normal((600, 32)) + 0.5, 0.0)
    kid_same = kernel_inception_distance(real, same, num_subsets=20, subset_size=200)
    kid_shift = kernel_inception_distance(real, shifted, num_subsets=20, subset_size=200)
    assert abs(kid_same.mean) < 3.0 * kid_same.std
    assert kid_shift.mean > 10.0 * kid_shift.std
    assert kid_shift.mean > 100.0 * abs(kid_same.mean)


def test_seeded_and_subset_size_capped():
    rng = np.random.default_rng(3)
    a, b = rng.random((50, 4)), rng.random((40, 4))
    first = kernel_inception_distance(a, b, num_subsets=5, subset_size=30, seed=7)
    assert first == kernel_inception_distance(a, b, num_subsets=5, subset_size=30, seed=7)
    assert first != kernel_inception_distance(a, b, num_subsets=5, subset_size=30, seed=8)
    # Default subset size 1000 > 40 samples: capped to 40, still a valid estimate.
    capped = kernel_inception_distance(a, b, num_subsets=3)
    assert np.isfinite(capped.mean) and np.isfinite(capped.std)
    with pytest.raises(ValueError):
        kernel_inception_distance(a, b[:, :3])
