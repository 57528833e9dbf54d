"""Fréchet distance: closed forms, self-distance, singular covariances."""

import numpy as np
import pytest

from gan_tf.metrics.fid import feature_statistics, fid_from_features, frechet_distance


def _random_spd(rng, d: int) -> np.ndarray:
    a = rng.standard_normal((d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def test_fid_of_a_set_with_itself_is_zero():
    rng = np.random.default_rng(0)
    features = np.maximum(rng.standard_normal((500, 64)), 0.0)  # ReLU-like, as pool features
    assert fid_from_features(features, features) == pytest.approx(0.0, abs=1e-9)
    # Order does not matter. A new sample of the same distribution gives a small FID (> 0:
    # FID is biased upwards for finite N), far below that of a shifted distribution.
    assert fid_from_features(features, features[::-1]) == pytest.approx(0.0, abs=1e-9)
    other = np.maximum(rng.standard_normal((500, 64)), 0.0)
    assert 0.0 < fid_from_features(features, other) < 0.1 * fid_from_features(features, other + 1)


def test_diagonal_gaussians_match_the_closed_form():
    rng = np.random.default_rng(1)
    d = 32
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    s1, s2 = rng.uniform(0.1, 3.0, d), rng.uniform(0.1, 3.0, d)
    # For commuting (here diagonal) covariances (S1 S2)^(1/2) = diag(sqrt(s1 s2)), exactly.
    expected = np.sum((mu1 - mu2) ** 2) + np.sum(s1 + s2 - 2.0 * np.sqrt(s1 * s2))
    assert frechet_distance(mu1, np.diag(s1), mu2, np.diag(s2)) == pytest.approx(
        expected, rel=1e-12
    )


def test_non_commuting_two_by_two_closed_form():
    # For 2x2 A with non-negative eigenvalues: Tr sqrt(A) = sqrt(Tr A + 2 sqrt(det A)).
    s1 = np.array([[2.0, 0.9], [0.9, 1.0]])
    s2 = np.array([[0.5, -0.2], [-0.2, 3.0]])
    assert not np.allclose(s1 @ s2, s2 @ s1)
    product = s1 @ s2
    tr_sqrt = np.sqrt(np.trace(product) + 2.0 * np.sqrt(np.linalg.det(product)))
    mu1, mu2 = np.array([1.0, -2.0]), np.array([0.5, 0.5])
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2.0 * tr_sqrt
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-12)


def test_agrees_with_scipy_sqrtm_on_well_conditioned_covariances():
    linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(2)
    d = 40
    s1, s2 = _random_spd(rng, d), _random_spd(rng, d)
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    root = linalg.sqrtm(s1 @ s2).real
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2.0 * root)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(
        frechet_distance(mu2, s2, mu1, s1), rel=1e-9
    )


def test_singular_covariances_stay_real_and_consistent():
    # Fewer samples than dimensions: rank-deficient covariances, where sqrtm-based code needs
    # an eps * I fudge. The result must be finite, non-negative and exactly 0 for equal sets.
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((20, 64)), rng.standard_normal((20, 64)) + 0.5
    value = fid_from_features(a, b)
    assert np.isfinite(value) and value > 0.0
    assert isinstance(value, float)
    assert fid_from_features(a, a) == pytest.approx(0.0, abs=1e-9)


def test_pure_mean_shift():
    rng = np.random.default_rng(4)
    sigma = _random_spd(rng, 16)
    mu = rng.standard_normal(16)
    shift = rng.standard_normal(16)
    assert frechet_distance(mu, sigma, mu + shift, sigma) == pytest.approx(shift @ shift, rel=1e-9)


def test_statistics_and_validation():
    features = np.arange(12, dtype=np.float32).reshape(4, 3)
    mu, sigma = feature_statistics(features)
    assert mu.dtype == np.float64 and sigma.shape == (3, 3)
    np.testing.assert_allclose(sigma, np.cov(features.astype(np.float64), rowvar=False))
    with pytest.raises(ValueError):
        feature_statistics(features[:1])
    with pytest.raises(ValueError):
        frechet_distance(mu, sigma, mu[:2], sigma[:2, :2])
