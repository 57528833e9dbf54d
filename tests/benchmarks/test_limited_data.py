"""The limited-data proof: each model's command trains DCGAN on the same first images with its
augmentation, to the same images shown; the curves read a run's logs."""

import numpy as np
import pytest
import tensorflow as tf
from absl import flags

from benchmarks import limited_data, matched_images
from tests.benchmarks.test_matched_images import parsed


def test_each_model_trains_on_its_first_images_with_its_augmentation(monkeypatch, tmp_path):
    values = flags.FlagValues()
    matched_images.define_flags(limited_data.PROOF, values)
    values(["proof", f"--runs_root={tmp_path}"])
    monkeypatch.setattr(matched_images, "FLAGS", values)
    seen = set()
    for model in limited_data.MODELS:
        command = matched_images.train_command(model, "fashion_mnist", 100_000, tmp_path)
        config = parsed(command)
        seen.add((config.train_images, config.augment))
        assert config.train_steps * config.batch_size == 100_000 // 64 * 64
        if config.augment == "ada":
            assert config.ada_images == limited_data.ADA_IMAGES
        if config.augment == "ada_fixed":
            assert config.ada_p == limited_data.FIXED_P
    augments = ("none", "ada", "diffaugment")
    assert seen == {(n, a) for n in (2_000, 500) for a in augments} | {(500, "ada_fixed")}


def test_the_curves_plot_d_real_p_and_r_t(tmp_path):
    for name in ("none_2000", "ada_2000"):
        writer = tf.summary.create_file_writer(
            str(tmp_path / "fashion_mnist" / name / "tensorboard")
        )
        with writer.as_default():
            for step in range(5):
                for tag in ("d_real", "augment_p", "augment_rt"):
                    tf.summary.scalar(tag, np.float32(step / 10), step=step)
        writer.close()
    path = limited_data.plot_curves(tmp_path, tmp_path)
    assert path is not None and path.stat().st_size > 1000
    assert limited_data.plot_curves(tmp_path / "nothing", tmp_path) is None


class SignOfMeanD:
    """Stands for a model: D's logit is +2 for images brighter than mid-grey, else -2."""

    def d_scores(self, images, labels, training):
        assert labels is None and training
        bright = tf.reduce_mean(images, axis=[1, 2, 3]) > 0
        return tf.where(bright, 2.0, -2.0)[:, None]


def test_d_outputs_average_the_sigmoid_and_the_sign_over_every_batch():
    images = np.zeros([5, 4, 4, 1], np.uint8)
    images[:4] = 255  # four bright, one dark, in batches of 2, 2, 1
    outputs = limited_data.discriminator_outputs(SignOfMeanD(), images, batch=2)
    sigmoid = 1 / (1 + np.exp(-2.0))
    assert outputs["sigmoid"] == pytest.approx((4 * sigmoid + (1 - sigmoid)) / 5)
    assert outputs["sign"] == pytest.approx(3 / 5)


def test_the_overfitting_table_waits_for_runs_to_reach_the_last_point(tmp_path):
    assert limited_data.overfitting_table(tmp_path) == ""


def test_the_overfitting_table_reads_each_measured_end_from_the_cache(tmp_path):
    import json

    def outputs(train, held_out):
        return {
            "train": {"sigmoid": train, "sign": 0.5},
            "held_out": {"sigmoid": held_out, "sign": 0.1},
            "generated": {"sigmoid": 0.3, "sign": -0.4},
            "nearest": {"train": 1.5, "held_out": 2.5},
        }

    budget, last = limited_data.BUDGET, limited_data.POINTS[-1]
    runs = {"none_500": (budget, last), "none_2000": (budget,), "ada_500": (100_000,)}
    for name, points in runs.items():
        workdir = tmp_path / "fashion_mnist" / name
        workdir.mkdir(parents=True)
        (workdir / "proof_points.json").write_text(json.dumps({str(i): {} for i in points}))
        cache = {str(i // 64): outputs(0.8, 0.4 if i == last else 0.5) for i in points}
        (workdir / "overfitting.json").write_text(json.dumps(cache))
    table = limited_data.overfitting_table(tmp_path)
    assert f"| none_500 | {budget // 64 * 64:,} | 0.800 | 0.500 | +0.300 | 0.300 |" in table
    assert f"| none_500 | {last // 64 * 64:,} | 0.800 | 0.400 | +0.400 |" in table
    assert "| +0.50 | +0.10 | 1.50 | 2.50 |" in table
    assert "| none_2000 |" in table and "ada_500" not in table  # not at the budget yet


def test_the_running_mean_averages_the_window_before_each_value():
    np.testing.assert_allclose(limited_data.running_mean(np.arange(1, 7), 3), [1, 1.5, 2, 3, 4, 5])


def test_a_set_is_tiled_in_order_to_the_count_of_samples():
    features = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(limited_data.tiled(features, 7)[:, 0], [0, 2, 4, 0, 2, 4, 0])
    np.testing.assert_array_equal(limited_data.tiled(features, 3), features)


def test_the_nearest_distance_is_zero_for_copies_and_the_pixel_distance_otherwise():
    images = np.zeros([3, 2, 2, 1], np.uint8)
    images[1] = 255  # distance 2 from the black images: sqrt(4 pixels * 1^2)
    images[2, 0, 0] = 255
    assert limited_data.nearest_distance(images[:2], images) == 0.0
    assert limited_data.nearest_distance(images[1:2], images[[0]]) == pytest.approx(2.0)
    assert limited_data.nearest_distance(images[2:], images[:2]) == pytest.approx(1.0)
