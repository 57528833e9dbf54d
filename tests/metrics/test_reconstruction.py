"""Held-out translation errors (gan_tf.metrics.reconstruction): the error functions on known
values, the baselines, and each evaluator end to end under tfds.testing.mock_data with stand-in
models whose answers are known (so no training and no real data are needed)."""

import json

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from gan_tf import configs
from gan_tf.errors import UsageError
from gan_tf.metrics import reconstruction as rec

# --- Error functions ---------------------------------------------------------------------------


def test_l1_and_psnr_on_the_unit_scale():
    black = -tf.ones((2, 4, 4, 1))
    gray, white = tf.zeros_like(black), tf.ones_like(black)
    np.testing.assert_allclose(rec.l1_error(black, white), [1.0, 1.0])  # maximally wrong
    np.testing.assert_allclose(rec.l1_error(black, gray), [0.5, 0.5])
    np.testing.assert_allclose(rec.l1_error(gray, gray), [0.0, 0.0])
    # MSE on [0, 1] of 0.25 -> 10 log10(4) dB; exact -> the 100 dB cap; 0 dB when all wrong.
    np.testing.assert_allclose(rec.psnr(black, gray), [10 * np.log10(4)] * 2, rtol=1e-5)
    np.testing.assert_allclose(rec.psnr(gray, gray), [100.0, 100.0])
    np.testing.assert_allclose(rec.psnr(black, white), [0.0, 0.0], atol=1e-5)


def test_mean_image_baseline_predicts_the_per_pixel_mean():
    a, b = -np.ones((3, 2, 2, 1), np.float32), np.ones((1, 2, 2, 1), np.float32)
    baseline = rec.MeanImageBaseline()
    baseline.update(a)
    baseline.update(b)
    assert baseline.count == 4
    # The mean image is -0.5 everywhere: 0.25 from each -1 image, 0.75 from the +1 image.
    result = baseline.result("mean")
    np.testing.assert_allclose(result["mean_l1"], (3 * 0.25 + 0.75) / 4)
    assert rec.MeanImageBaseline().result("mean") == {"mean_l1": 0.0, "mean_psnr": 0.0}


def test_translation_errors_with_identity_and_mean_baselines():
    x = tf.random.uniform((4, 8, 8, 1), -1, 1, seed=3)
    pairs = [(x[:2], -x[:2]), (x[2:], -x[2:])]
    results = rec.translation_errors(pairs, lambda inputs: -inputs)
    assert results["examples"] == 4
    assert results["model_l1"] == pytest.approx(0.0, abs=1e-7)
    assert results["model_psnr"] == pytest.approx(100.0)
    assert results["identity_l1"] == pytest.approx(float(tf.reduce_mean(tf.abs(x))), rel=1e-5)
    assert 0 < results["mean_l1"] < results["identity_l1"]
    # max_examples stops after the batch that reaches it.
    assert rec.translation_errors(pairs, lambda inputs: -inputs, max_examples=1)["examples"] == 2


def test_no_identity_baseline_across_channel_counts():
    pairs = [(tf.zeros((2, 4, 4, 1)), tf.zeros((2, 4, 4, 3)))]
    results = rec.translation_errors(pairs, lambda x: tf.repeat(x, 3, -1))
    assert "identity_l1" not in results and "mean_l1" in results


# --- Evaluators under mock data -------------------------------------------------------------------


class Negate:
    """Stands in for pix2pix / CycleGAN on inverted data: the exact answer, -x."""

    def translate(self, images, to_b=True):
        return -tf.convert_to_tensor(images)


class Identity:
    """Stands in for StarGAN: returns its input whatever the target domain."""

    def translate(self, images, domains):
        return tf.convert_to_tensor(images)


def config(variant, dataset="fashion_mnist", channels=1, data_dir=None, **fields):
    """The resolved 16x16 config of `variant`; `channels`: what it must resolve to."""
    c = configs.get(variant, dataset=dataset, image_size=16, data_dir=data_dir, **fields)
    assert c.channels == channels
    return c


def test_pix2pix_held_out_errors_under_mock_data(tmp_path):
    with tfds.testing.mock_data(num_examples=12):
        c = config("pix2pix", data_dir=str(tmp_path), pairs="inverted")
        results = rec.evaluate_translation(Negate(), c, max_examples=8)
    assert results["examples"] == 8
    assert results["model_l1"] == pytest.approx(0.0, abs=1e-6)
    assert results["identity_l1"] > 0 and results["mean_l1"] > 0


def test_cyclegan_derived_domains_under_mock_data(tmp_path):
    with tfds.testing.mock_data(num_examples=12):
        c = config("cyclegan", data_dir=str(tmp_path), domain_b="inverted")
        results = rec.evaluate_translation(Negate(), c, max_examples=8)
    for key in ("a_to_b_l1", "b_to_a_l1", "cycle_a_l1", "cycle_b_l1"):
        assert results[key] == pytest.approx(0.0, abs=1e-6), key
    assert results["identity_a_to_b_l1"] > 0 and results["mean_a_to_b_l1"] > 0


def test_cyclegan_real_pairs_give_cycle_errors_only_under_mock_data(tmp_path):
    """cycle_gan/<pair> has no truth for G(a): only the cycle errors are measured."""
    with tfds.testing.mock_data(num_examples=6):
        c = config("cyclegan", "cycle_gan/horse2zebra", channels=3, data_dir=str(tmp_path))
        results = rec.evaluate_translation(Negate(), c, max_examples=4)
    assert results["examples"] == 4
    assert results["cycle_a_l1"] == pytest.approx(0.0, abs=1e-6)
    assert not any(k.startswith(("a_to_b", "identity", "mean")) for k in results)


def test_stargan_per_pair_and_per_target_under_mock_data(tmp_path):
    names = ["original", "inverted", "rotated", "colorized"]
    with tfds.testing.mock_data(num_examples=12):
        c = config("stargan", channels=3, data_dir=str(tmp_path), domains=names)
        assert c.domain_names == c.derived_domains == names
        results = rec.evaluate_translation(Identity(), c, max_examples=8)
    # A model that returns its input is exactly the identity baseline, pair by pair.
    assert results["model_l1"] == pytest.approx(results["identity_l1"], rel=1e-6)
    assert set(results["per_target"]) == set(names)
    for name in names:
        target = results["per_target"][name]
        assert target["model_l1"] == pytest.approx(target["identity_l1"], rel=1e-6)
    matrix = results["l1_matrix"]
    # The diagonal is G(T_s(x), s) against T_s(x): zero for a model returning its input.
    assert [matrix[i][i] for i in range(4)] == [0.0] * 4
    assert results["own_domain_l1"] == 0.0 and results["own_domain_psnr"] == 100.0
    assert matrix[0][1] > 0
    json.dumps(results, allow_nan=False)  # recorded as strict JSON


def test_stargan_needs_derived_domains():
    c = config("stargan", "celeb_a", channels=3, attributes=["Male"])
    assert c.domain_names == ["Male"] and c.derived_domains is None
    with pytest.raises(UsageError, match="derived domains"):
        rec.evaluate_stargan(Identity(), c)


def test_unknown_variant_and_bad_count():
    with pytest.raises(UsageError, match="no held-out translation errors for variant 'dcgan'"):
        rec.evaluate_translation(Identity(), configs.get("dcgan", dataset="fashion_mnist"))
    with pytest.raises(UsageError, match="max_examples"):
        rec.evaluate_translation(Identity(), config("pix2pix"), max_examples=0)
