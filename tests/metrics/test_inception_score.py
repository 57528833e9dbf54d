"""Inception Score on hand-made class probabilities."""

import numpy as np
import pytest

from gan_tf.metrics.inception_score import inception_score, inception_score_from_logits


def test_one_hot_conditionals_with_uniform_marginal_give_the_number_of_classes():
    classes, n = 10, 200
    # Labels cycle through the classes, so every one of the 10 splits has a uniform marginal.
    probabilities = np.eye(classes)[np.arange(n) % classes]
    score = inception_score(probabilities, splits=10)
    assert score.mean == pytest.approx(classes, rel=1e-12)
    assert score.std == pytest.approx(0.0, abs=1e-12)


def test_identical_conditionals_give_one():
    probabilities = np.tile([0.7, 0.2, 0.1], (50, 1))
    assert inception_score(probabilities, splits=5).mean == pytest.approx(1.0, rel=1e-12)


def test_equals_exp_of_mean_kl_written_out():
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.full(6, 0.3), size=40)
    marginal = probabilities.mean(axis=0)
    kl = [
        sum(p * np.log(p / q) for p, q in zip(row, marginal, strict=True)) for row in probabilities
    ]
    assert inception_score(probabilities, splits=1).mean == pytest.approx(
        np.exp(np.mean(kl)), rel=1e-10
    )
    # Splits use their own marginals: split scores differ from the single-split score.
    two = inception_score(probabilities, splits=2)
    first_half = inception_score(probabilities[:20], splits=1).mean
    second_half = inception_score(probabilities[20:], splits=1).mean
    assert two.mean == pytest.approx((first_half + second_half) / 2, rel=1e-12)
    assert two.std == pytest.approx(abs(first_half - second_half) / 2, rel=1e-10)


def test_logits_and_validation():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((30, 5)) * 3.0 + 500.0  # Large offset: softmax must be stable.
    shifted = logits - logits.max(axis=1, keepdims=True)
    probabilities = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    assert inception_score_from_logits(logits, splits=3) == pytest.approx(
        inception_score(probabilities, splits=3)
    )
    with pytest.raises(ValueError, match="logits"):
        inception_score(logits, splits=3)  # Logits passed as probabilities.
    with pytest.raises(ValueError):
        inception_score(probabilities, splits=31)
