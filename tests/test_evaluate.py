"""`python -m gan_tf.evaluate`, and training with `--eval_every`, end to end on mnist_demo."""

import json
import shutil

import pytest

from gan_tf import evaluate
from gan_tf.errors import UsageError
from gan_tf.metrics import inception
from tests.experiments.cli import run_module, scalar_events

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def run(tmp_path_factory, data_dir, cache_dir):
    """A 2-step DCGAN run that evaluates the classifier FD at every step."""
    workdir = tmp_path_factory.mktemp("runs") / "dcgan"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GAN_TF_CACHE_DIR", str(cache_dir))
        result = run_module(
            "gan_tf.experiments.dcgan",
            "--dataset=mnist_demo",
            "--batch_size=8",
            "--base_filters=4",
            f"--data_dir={data_dir}",
            f"--workdir={workdir}",
            "--train_steps=2",
            "--eval_every=1",
            "--eval_samples=100",
            "--eval_metric=fcd",
        )
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir, result


def test_training_with_eval_every_logs_metrics_and_keeps_the_best(run):
    workdir, result = run
    scalars = scalar_events(workdir)
    assert sorted(scalars["eval/fcd"]) == sorted(scalars["eval/cs"]) == [1, 2]
    assert "eval at step 2" in result.stderr
    best = json.loads((workdir / "checkpoints_best" / "best.json").read_text())
    assert best["metric"] == "fcd" and best["step"] in (1, 2)
    assert (workdir / "checkpoints_best" / f"ckpt-{best['step']}.index").exists()
    assert json.loads((workdir / "run.json").read_text())["eval_every"] == 1


def test_evaluate_cli_writes_json_and_a_table(run, cache_dir):
    workdir, _ = run
    result = run_module(
        "gan_tf.evaluate",
        f"--workdir={workdir}",
        "--metrics=cs,fcd",
        "--num_samples=200",
        f"--cache_dir={cache_dir}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (record,) = evaluate.read_records(workdir / "eval" / "step_2.json")
    assert sorted(record["metrics"]) == ["cs", "fcd"]
    assert record["num_samples"] == record["num_real"] == 200 and record["step"] == 2
    assert 1.0 <= record["metrics"]["cs"] <= 10.0 and record["metrics"]["fcd"] > 0
    assert record["reference"]["cs"] > 8.0  # the real mnist_demo digits
    assert "--metrics=cs,fcd" in record["command"]
    assert "Fréchet classifier distance" in result.stdout and "classifier score" in result.stdout
    assert "mnist classifier: 200 images in" in result.stderr  # progress, via absl logging
    # Real statistics went to the cache, beside the 100-sample entry of the training run.
    names = sorted(p.name for p in (cache_dir / "real_stats").iterdir())
    assert any("_200_classifier_mnist_" in n for n in names)
    assert any("_100_classifier_mnist_" in n for n in names)


def test_evaluate_cli_refuses_an_unknown_metric_in_one_line(run):
    workdir, _ = run
    result = run_module("gan_tf.evaluate", f"--workdir={workdir}", "--metrics=fid,fdc")
    assert result.returncode != 0
    assert "evaluate: error: unknown metric fdc" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_inception_weights_are_explained(run, tmp_path):
    workdir, _ = run
    with pytest.raises(UsageError) as error:
        evaluate.evaluate(str(workdir), "fid,cs", 10, inception_weights=str(tmp_path / "none.npz"))
    message = str(error.value)
    assert "none.npz" in message and inception.WEIGHTS_ENV_VAR in message
    assert inception.DOWNLOAD_COMMAND in message


def test_no_run_no_checkpoint_and_a_wrong_checkpoint_are_usage_errors(run, tmp_path):
    workdir, _ = run
    with pytest.raises(UsageError, match="holds no run"):
        evaluate.evaluate(str(tmp_path / "nothing"), "cs")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copy(workdir / "run.json", fresh / "run.json")
    with pytest.raises(UsageError, match="no checkpoint yet"):
        evaluate.evaluate(str(fresh), "cs")
    with pytest.raises(UsageError, match=r"no checkpoint .*ckpt-99"):
        evaluate.evaluate(str(workdir), "cs", checkpoint=str(workdir / "checkpoints" / "ckpt-99"))


def test_records_of_one_step_are_merged(tmp_path):
    base = {
        "step": 2,
        "checkpoint": "c",
        "generator": "raw",
        "split": "test",
        "num_samples": 10,
        "seed": 0,
        "unavailable": {},
        "reference": {},
    }
    path = tmp_path / "step_2.json"
    evaluate.write_record(
        path,
        {**base, "requested": ["fid", "is"], "metrics": {"fid": 1.0}, "unavailable": {"is": "x"}},
    )
    evaluate.write_record(path, {**base, "requested": ["cs"], "metrics": {"cs": 2.0}})
    (record,) = evaluate.read_records(path)
    assert record["metrics"] == {"fid": 1.0, "cs": 2.0}
    assert record["requested"] == ["fid", "is", "cs"] and record["unavailable"] == {"is": "x"}
    table = evaluate.format_table(
        {**record, "variant": "dcgan", "dataset": "mnist", "num_real": 10, "seconds": 1.0}
    )
    assert "Inception Score" in table and "unavailable: x" in table and "FID" in table
    evaluate.write_record(path, {**base, "requested": ["is"], "metrics": {"is": 3.0}})
    assert evaluate.read_records(path)[0]["unavailable"] == {}
    # Another seed, sample count or generator (the EMA's) is another record, kept beside.
    evaluate.write_record(path, {**base, "seed": 1, "requested": ["cs"], "metrics": {"cs": 3.0}})
    evaluate.write_record(
        path, {**base, "num_samples": 20, "requested": ["cs"], "metrics": {"cs": 5.0}}
    )
    ema = {**base, "seed": 1, "generator": "ema", "requested": ["fcd"], "metrics": {"fcd": 4.0}}
    evaluate.write_record(path, ema)
    records = evaluate.read_records(path)
    assert [r["metrics"] for r in records] == [
        {"fid": 1.0, "cs": 2.0, "is": 3.0},
        {"cs": 3.0},
        {"cs": 5.0},
        {"fcd": 4.0},
    ]
    # A file of gan_tf's earlier format (one record) is read as that record.
    old = tmp_path / "step_9.json"
    old.write_text(json.dumps({**base, "step": 9, "metrics": {"fid": 7.0}}))
    evaluate.write_record(old, {**base, "step": 9, "requested": ["cs"], "metrics": {"cs": 1.0}})
    assert evaluate.read_records(old)[0]["metrics"] == {"fid": 7.0, "cs": 1.0}
    old.write_text("{")
    with pytest.raises(UsageError, match="not valid JSON"):
        evaluate.write_record(old, base)
