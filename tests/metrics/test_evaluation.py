"""The evaluation library: metric names, real-data caching, sampling, the Evaluator."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import configs
from gan_tf.errors import UsageError
from gan_tf.metrics import evaluation, inception
from gan_tf.models.zoo import build_model
from tests.conftest import require_shared


@pytest.fixture(autouse=True)
def no_inception_weights_by_default(monkeypatch, tmp_path):
    """Only tests that pass the shared weights explicitly can reach them."""
    monkeypatch.setenv(inception.WEIGHTS_ENV_VAR, str(tmp_path / "absent.npz"))


def tiny_model(variant: str = "dcgan"):
    config = configs.get(variant, dataset="mnist_demo", image_size=28, latent_dim=8, base_filters=4)
    return build_model(config)


def evaluator(metrics, data_dir, cache_dir, num_samples=100, **kwargs):
    return evaluation.Evaluator(
        metrics, "mnist_demo", 28, num_samples, data_dir=data_dir, cache_dir=cache_dir, **kwargs
    )


def test_parse_metrics():
    assert evaluation.parse_metrics("fid, KID,fid,cs") == ["fid", "kid", "cs"]
    with pytest.raises(UsageError, match="unknown metric fdi: choose from fid, kid"):
        evaluation.parse_metrics("fdi")
    with pytest.raises(UsageError, match="none given"):
        evaluation.parse_metrics(" , ")


def test_classifier_metrics_work_without_inception_weights(data_dir, tmp_path):
    ev = evaluator(["cs", "fcd"], data_dir, tmp_path)
    assert ev.inception is None and ev.split == "train"  # mnist_demo's only split
    real = evaluation.real_images("mnist_demo", "train", 28, 100, data_dir)
    result = ev.evaluate_images(real)
    assert sorted(result.values) == ["cs", "fcd"]
    assert result.values["fcd"] == pytest.approx(0.0, abs=1e-6)  # the real images themselves
    assert result.values["cs"] == pytest.approx(result.reference["cs"])
    assert result.num_real == result.num_fake == 100 and not result.unavailable


def test_inception_metrics_without_weights_fail_before_any_work(data_dir, tmp_path):
    with pytest.raises(UsageError) as error:
        evaluator(["cs", "fid"], data_dir, tmp_path)
    message = str(error.value)
    assert inception.WEIGHTS_ENV_VAR in message and "--inception_weights" in message
    assert inception.DOWNLOAD_COMMAND in message


def test_real_statistics_are_computed_once(data_dir, tmp_path, monkeypatch):
    reads = []
    real_images = evaluation.real_images
    monkeypatch.setattr(
        evaluation, "real_images", lambda *a, **k: reads.append(a) or real_images(*a, **k)
    )
    first = evaluator(["fcd"], data_dir, tmp_path).real_statistics()
    second = evaluator(["fcd"], data_dir, tmp_path).real_statistics()
    assert len(reads) == 1  # The second evaluator read the cache, not the images.
    np.testing.assert_array_equal(first["classifier"]["mu"], second["classifier"]["mu"])
    evaluator(["fcd"], data_dir, tmp_path, num_samples=50).real_statistics()
    assert len(reads) == 2  # Another sample count is another entry.


def test_inception_metrics_on_real_images(data_dir, tmp_path):
    weights = require_shared("fid_inception", inception.WEIGHTS_FILENAME)
    # Without XLA and with batches of 10: this test checks the plumbing, not the compiled speed.
    ev = evaluator(
        ["fid", "kid", "is", "pr"],
        data_dir,
        tmp_path,
        10,
        inception_weights=weights,
        jit_compile=False,
        inception_batch_size=10,
    )
    assert ev.classifier is None
    result = ev.evaluate_images(evaluation.real_images("mnist_demo", "train", 28, 10, data_dir))
    assert result.values["fid"] == pytest.approx(0.0, abs=1e-3)  # the same ten images
    assert result.values["precision"] == result.values["recall"] == 1.0
    assert np.isfinite(result.values["kid"]) and result.values["kid_std"] == pytest.approx(
        0.0, abs=1e-12
    )
    assert "is" not in result.values
    assert "Inception Score is unavailable" in result.unavailable["is"]


def test_sample_generator_is_seeded_and_fixed_size():
    model = tiny_model()
    sampler = evaluation.SampleGenerator(model, batch_size=16)
    a, b, c = sampler(20, seed=1), sampler(20, seed=1), sampler(20, seed=2)
    assert a.shape == (20, 28, 28, 1) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # The first images do not depend on how many are drawn.
    np.testing.assert_array_equal(sampler(5, seed=1), a[:5])


def test_conditional_models_get_every_class():
    model = tiny_model("cgan")
    assert model.num_classes == 10  # from mnist_demo's labels
    images = evaluation.SampleGenerator(model, batch_size=10)(10)
    z = tf.random.stateless_normal((10, model.latent_dim), [0, 11])
    expected = model.generate(z, tf.range(10), training=False).numpy()
    expected = np.clip(np.floor(expected * 127.5 + 128.0), 0, 255)
    np.testing.assert_allclose(images, expected, atol=1)


def test_only_noise_to_image_models_are_evaluated():
    with pytest.raises(UsageError, match="noise-to-image"):
        evaluation.SampleGenerator(keras.Sequential([keras.layers.Dense(1)], name="pix2pix"))


def test_evaluate_model(data_dir, tmp_path):
    ev = evaluator(["cs", "fcd"], data_dir, tmp_path, num_samples=50)
    result = ev.evaluate_model(tiny_model(), seed=3)
    again = ev.evaluate_model(ev._sampler.model, seed=3)
    assert result.num_fake == 50 and result.values == again.values
    assert 1.0 <= result.values["cs"] <= 10.0 and result.values["fcd"] > 0


def test_class_agreement_is_the_share_classified_as_the_label_given(data_dir, tmp_path):
    ev = evaluator(["agreement"], data_dir, tmp_path, num_samples=100)
    real, labels = evaluation.real_images("mnist_demo", "train", 28, 100, data_dir), None
    outputs = ev.classifier(real)
    predicted = np.argmax(outputs.logits, axis=1)
    assert ev.evaluate_images(real, predicted).values["agreement"] == 1.0
    assert ev.evaluate_images(real, (predicted + 1) % 10).values["agreement"] == 0.0
    unconditional = ev.evaluate_images(real, labels)
    assert "agreement" in unconditional.unavailable and not unconditional.values
    # A conditional model's samples are scored against the classes they were generated for.
    result = ev.evaluate_model(tiny_model("cgan"), seed=1)
    assert 0.0 <= result.values["agreement"] <= 1.0


def test_truncated_samples_differ_and_are_seeded():
    model = tiny_model()
    sampler = evaluation.SampleGenerator(model, batch_size=10)
    plain = sampler(10, seed=1)
    a, b = sampler(10, seed=1, truncation=0.1), sampler(10, seed=1, truncation=0.1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, plain)
