"""The digit classifier network behind the classifier scores."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf.networks.classifier import FEATURES_LAYER, digit_classifier, with_features


def test_classifier_gives_logits_and_is_small():
    model = digit_classifier()
    assert model(tf.zeros([3, 28, 28, 1])).shape == (3, 10)
    # Small enough to ship: well under 1 MB of float32 weights.
    assert model.count_params() * 4 < 300_000


def test_with_features_shares_the_weights():
    model = digit_classifier(feature_dim=8)
    both = with_features(model)
    x = tf.random.uniform([2, 28, 28, 1], -1, 1, seed=0)
    logits, features = both(x, training=False)
    np.testing.assert_allclose(logits, model(x, training=False), atol=1e-6)
    assert features.shape == (2, 8)
    assert both.get_layer(FEATURES_LAYER) is model.get_layer(FEATURES_LAYER)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="filters"):
        digit_classifier(filters=())
