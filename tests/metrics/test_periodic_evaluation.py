"""Evaluation during training: metrics in TensorBoard every N steps, the best checkpoint kept."""

import json

import numpy as np
import pytest

from gan_tf import configs
from gan_tf.data import image_pipeline
from gan_tf.errors import UsageError
from gan_tf.metrics import inception
from gan_tf.metrics import periodic_evaluation as ev
from gan_tf.metrics.evaluation import EvalResult
from gan_tf.models.zoo import build_model
from gan_tf.training.runner import train
from tests.experiments.cli import scalar_events


@pytest.fixture(autouse=True)
def isolated_caches(monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_TF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv(inception.WEIGHTS_ENV_VAR, str(tmp_path / "absent.npz"))


def tiny_run(data_dir, **overrides):
    values = dict(
        dataset="mnist_demo",
        image_size=28,
        latent_dim=8,
        base_filters=4,
        batch_size=8,
        train_steps=5,
        sample_every=100,
        checkpoint_every=100,
        log_every=100,
        eval_every=2,
        eval_samples=50,
        eval_metric="fcd",
        data_dir=data_dir,
    )
    values.update(overrides)
    config = configs.get("dcgan", **values)
    dataset = image_pipeline("mnist_demo", batch_size=8, data_dir=data_dir)
    return config, build_model(config), dataset


def test_eval_every_logs_metrics_and_keeps_the_best_checkpoint(data_dir, tmp_path):
    config, model, dataset = tiny_run(data_dir)
    train(model, dataset, config, tmp_path / "run", make_evaluation=ev.periodic_evaluation)
    scalars = scalar_events(tmp_path / "run")
    # Steps 2 and 4, and the final step 5; nothing in between.
    assert sorted(scalars["eval/fcd"]) == sorted(scalars["eval/cs"]) == [2, 4, 5]
    fcd = scalars["eval/fcd"]
    best_step = min(fcd, key=fcd.get)
    best = json.loads((tmp_path / "run" / ev.BEST_DIR / ev.BEST_FILE).read_text())
    assert best["step"] == best_step and best["metric"] == "fcd" and best["num_samples"] == 50
    assert best["value"] == pytest.approx(fcd[best_step], rel=1e-5)
    kept = sorted(p.name for p in (tmp_path / "run" / ev.BEST_DIR).glob("ckpt-*.index"))
    assert kept == [f"ckpt-{best_step}.index"]
    assert sorted(scalars["d_loss"]) == [1, 2, 3, 4, 5]


class ScriptedEvaluator:
    """Stands in for gan_tf.metrics.evaluation.Evaluator with a scripted sequence of values."""

    num_samples, jit_compile, log_every_s = 4, False, 30.0

    def __init__(self, values):
        self.values = list(values)

    def evaluate_images(self, images):
        assert images.shape == (4, 28, 28, 1)
        return EvalResult({"fid": self.values.pop(0)}, {}, {}, 4, 4, 0.0)


def test_best_checkpoint_changes_only_on_improvement_and_survives_a_restart(tmp_path):
    import tensorflow as tf

    _, model, _ = tiny_run(None)
    writer = tf.summary.create_file_writer(str(tmp_path / "tensorboard"))
    callback = ev.PeriodicEvaluation(
        0, 1, ScriptedEvaluator([5.0, 3.0, 4.0, 2.0]), "fid", writer, tmp_path
    )
    callback.set_model(model)
    best_steps = []
    for step in (1, 2, 3, 4):
        callback.on_train_batch_end(step - 1)
        best_steps.append(callback.best["step"])
    assert best_steps == [1, 2, 2, 4]
    assert tf.train.latest_checkpoint(str(tmp_path / ev.BEST_DIR)).endswith("ckpt-4")
    # A resumed run knows the best so far: 2.5 is not an improvement on 2.0.
    resumed = ev.PeriodicEvaluation(4, 1, ScriptedEvaluator([2.5, 1.0]), "fid", writer, tmp_path)
    resumed.set_model(model)
    resumed.on_train_batch_end(0)
    assert resumed.best["step"] == 4
    resumed.on_train_batch_end(1)
    assert resumed.best["step"] == 6 and resumed.best["value"] == 1.0
    # Another sample count makes old values incomparable: the record is not reused.
    other = ScriptedEvaluator([9.0])
    other.num_samples = 8
    assert ev.PeriodicEvaluation(6, 1, other, "fid", writer, tmp_path).best is None


def test_tracked_metrics():
    config = configs.get("dcgan", dataset="mnist")
    assert ev.eval_metrics(config) == ["fid", "kid", "fcd", "cs"]
    assert ev.eval_metrics(configs.get("dcgan", dataset="cifar10")) == ["fid", "kid"]
    assert ev.eval_metrics(config.replace(eval_metric="fcd")) == ["fcd", "cs"]
    with pytest.raises(UsageError, match="eval_metric"):
        ev.eval_metrics(config.replace(eval_metric="kid"))


def test_missing_inception_weights_fail_before_the_first_step(data_dir, tmp_path):
    config, model, dataset = tiny_run(data_dir, eval_metric="fid")
    with pytest.raises(UsageError, match=inception.WEIGHTS_ENV_VAR):
        train(model, dataset, config, tmp_path / "run", make_evaluation=ev.periodic_evaluation)
    assert int(np.asarray(model.step)) == 0
    assert not list((tmp_path / "run").glob("checkpoints/ckpt-*"))
