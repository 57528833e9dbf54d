"""Classifier score and Fréchet classifier distance with the shipped digit classifiers."""

import json

import numpy as np
import pytest
import tensorflow_datasets as tfds

from gan_tf.errors import UsageError
from gan_tf.metrics import classifier_score as cs
from tests.conftest import require_shared


def real_test_images(tmp_path_factory, dataset: str, count: int):
    """The first `count` images and labels of a test split, prepared by TFDS from the shared
    archives (manual_dir). Only `count` examples per split are prepared, to stay fast."""
    manual = require_shared("data", dataset)
    builder = tfds.builder(dataset, data_dir=str(tmp_path_factory.mktemp(f"tfds_{dataset}")))
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(
            manual_dir=str(manual), max_examples_per_split=count
        )
    )
    data = tfds.as_numpy(builder.as_dataset(split="test", batch_size=-1))
    return data["image"], data["label"]


@pytest.fixture(scope="module")
def mnist(tmp_path_factory):
    return real_test_images(tmp_path_factory, "mnist", 500)


@pytest.fixture(scope="module")
def extractor():
    return cs.ClassifierFeatureExtractor("mnist", batch_size=250)


def test_shipped_mnist_classifier_is_accurate_on_real_test_images(extractor, mnist):
    images, labels = mnist
    assert images.shape == (500, 28, 28, 1)
    accuracy = cs.classifier_accuracy(extractor(images), labels)
    assert accuracy >= 0.98, accuracy
    # The stated full test-split accuracy meets the documented level.
    card = cs.classifier_card("mnist")
    assert card["test_accuracy"] >= 0.99 and card["test_images"] == 10_000
    assert "python -m gan_tf.metrics.train_classifier --dataset=mnist" in card["command"]


def test_shipped_fashion_classifier_is_accurate_on_real_test_images(tmp_path_factory):
    images, labels = real_test_images(tmp_path_factory, "fashion_mnist", 300)
    accuracy = cs.classifier_accuracy(
        cs.ClassifierFeatureExtractor("fashion_mnist")(images), labels
    )
    assert accuracy >= 0.87, accuracy
    assert cs.classifier_card("fashion_mnist")["test_accuracy"] >= 0.90


def test_weights_ship_small_and_are_named_by_hash():
    for name in ("mnist", "fashion_mnist"):
        path = cs.classifier_weights_path(name)
        assert path.stat().st_size < 1_000_000
        card = json.loads(path.with_name(f"{name}.json").read_text())
        assert card["weights_file"] == path.name
    assert cs.ClassifierFeatureExtractor("mnist_demo").cache_id.startswith("classifier_mnist_")


def test_classifier_score_of_real_digits_is_near_ten(extractor, mnist):
    score = cs.classifier_score_from_logits(extractor(mnist[0]).logits)
    assert 9.0 < score <= 10.0, score


def test_classifier_score_of_one_repeated_image_is_one(extractor, mnist):
    repeated = np.repeat(mnist[0][:1], 50, axis=0)
    assert cs.classifier_score_from_logits(extractor(repeated).logits) == pytest.approx(
        1.0, abs=1e-6
    )


def test_classifier_score_matches_its_definition():
    logits = np.random.default_rng(0).standard_normal((40, 10)) * 3
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = np.exp(np.mean(np.sum(p * (np.log(p) - np.log(p.mean(axis=0))), axis=1)))
    assert cs.classifier_score_from_logits(logits) == pytest.approx(expected, rel=1e-10)
    # Confident and evenly spread over the 10 classes: the maximum, 10.
    one_hot = np.eye(10)[np.arange(40) % 10] * 1e3
    assert cs.classifier_score_from_logits(one_hot) == pytest.approx(10.0, rel=1e-9)


def test_frechet_classifier_distance(extractor, mnist):
    features = extractor(mnist[0]).features
    assert features.shape == (500, 64)
    assert cs.frechet_classifier_distance(features, features) == pytest.approx(0.0, abs=1e-6)
    # Two halves of the real data are close; real digits and their negatives are far apart.
    halves = cs.frechet_classifier_distance(features[:250], features[250:])
    negatives = cs.frechet_classifier_distance(features, extractor(255 - mnist[0]).features)
    assert halves < negatives / 10, (halves, negatives)


def test_gan_floats_other_sizes_and_streams_are_accepted(extractor, mnist):
    images = mnist[0][:20]
    reference = extractor(images)
    as_float = images.astype(np.float32) / 127.5 - 1.0
    np.testing.assert_allclose(extractor(as_float).logits, reference.logits, atol=1e-5)
    streamed = extractor(iter([images[:7], images[7:]]))
    np.testing.assert_allclose(streamed.features, reference.features, atol=1e-5)
    # 32x32 generator output is resized to the classifier's 28x28; labels mostly survive.
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)))
    agree = np.argmax(extractor(padded).logits, 1) == np.argmax(reference.logits, 1)
    assert agree.mean() >= 0.8


def test_bad_input_is_a_usage_error(extractor):
    with pytest.raises(UsageError, match="grayscale"):
        extractor(np.zeros((2, 28, 28, 3), np.uint8))
    with pytest.raises(UsageError, match="cifar10"):
        cs.ClassifierFeatureExtractor("cifar10")
