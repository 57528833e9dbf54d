"""The results table: flags, a run's row from its files, the Markdown it renders."""

import json
import pathlib

import pytest
from absl import app

from benchmarks import results_table

SETTINGS = results_table.Settings(manual_dir="../shared/data", num_samples=10_000)


def make_run(root, variant, dataset, step, metrics, seconds=None):
    workdir = root / f"{variant}_{dataset}"
    (workdir / "eval").mkdir(parents=True)
    (workdir / "samples").mkdir()
    (workdir / "checkpoints").mkdir()
    (workdir / "run.json").write_text(json.dumps({"train_steps": step}))
    (workdir / "checkpoints" / "checkpoint").write_text(
        f'model_checkpoint_path: "ckpt-{step}"\nall_model_checkpoint_paths: "ckpt-{step}"\n'
    )
    for s in (step // 2, step):
        (workdir / "samples" / f"step_{s:07d}.png").write_bytes(f"png {s}".encode())
    record = {
        "step": step,
        "num_samples": 10_000,
        "metrics": metrics,
        "command": "python -m gan_tf.evaluate --x",
    }
    # Beside it, an evaluation on fewer samples, which the table must not pick.
    few = {**record, "num_samples": 500, "metrics": {"fid": 555.0}}
    (workdir / "eval" / f"step_{step}.json").write_text(json.dumps({"evaluations": [record, few]}))
    # An older evaluation (in the format of one record per file), which it must not pick either.
    (workdir / "eval" / f"step_{step // 2}.json").write_text(
        json.dumps({**record, "step": step // 2, "metrics": {"fid": 999.0}})
    )
    if seconds is not None:
        results_table.add_wall_time(workdir, seconds)
    return workdir


def test_steps_overrides_and_their_errors():
    steps = results_table.parse_steps(["wgan=10", "dcgan=7"])
    assert steps["wgan"] == 10 and steps["dcgan"] == 7
    assert steps["gan"] == results_table.DEFAULT_STEPS["gan"]
    for bad in ("wgan", "wgan=0", "wgan=x", "stylegan=5"):
        with pytest.raises(app.UsageError, match="variant=N"):
            results_table.parse_steps([bad])


def test_wall_time_adds_up_over_sessions_and_the_checkpoint_step_is_read(tmp_path):
    workdir = make_run(tmp_path, "dcgan", "mnist", 3000, {"fid": 1.0}, seconds=60.0)
    results_table.add_wall_time(workdir, 30.5)
    assert json.loads((workdir / "wall_time.json").read_text()) == {"train_seconds": 90.5}
    assert results_table.checkpoint_step(workdir) == 3000
    assert results_table.checkpoint_step(tmp_path / "absent") == 0


def test_table_holds_the_newest_evaluation_of_every_run_with_grid_and_commands(tmp_path):
    runs = tmp_path / "runs"
    metrics = {"fid": 12.345, "kid": 0.0123, "kid_std": 0.0004, "cs": 8.5, "fcd": 3.25}
    make_run(runs, "wgan_gp", "fashion_mnist", 2000, metrics, seconds=1200.0)
    make_run(runs, "dcgan", "mnist", 5000, {"fid": 7.5}, seconds=600.0)
    (runs / "lsgan_mnist").mkdir()  # Trained but not evaluated: left out.
    out = tmp_path / "experiments" / "results.md"

    rows = results_table.write_table(SETTINGS, runs, out)

    assert [(r.variant, r.dataset) for r in rows] == [
        ("dcgan", "mnist"),
        ("wgan_gp", "fashion_mnist"),
    ]
    table = out.read_text()
    assert (
        "| dcgan | mnist | 5,000 | 10.0 min | 7.50 | 6.8 (NS GAN) | — | — | — | "
        "[grid](results/dcgan_mnist.png) |" in table
    )
    assert (
        "| wgan_gp | fashion_mnist | 2,000 | 20.0 min | 12.35 | 24.5 (WGAN GP) | 12.30 ± 0.40 | "
        "8.50 | 3.25 |" in table
    )
    assert "999" not in table
    # The newest grid is copied beside the table.
    assert (out.parent / "results" / "dcgan_mnist.png").read_bytes() == b"png 5000"
    assert "--train_steps=5000" in table and "--manual_dir=../shared/data" in table
    assert "python -m gan_tf.evaluate --x" in table


def test_an_evaluated_checkpoint_is_not_evaluated_again(tmp_path):
    metrics = {"fid": 7.5, "kid": 0.01, "kid_std": 0.001, "cs": 9.0, "fcd": 1.0}
    workdir = make_run(tmp_path, "dcgan", "mnist", 5000, metrics)
    record_path = workdir / "eval" / "step_5000.json"
    record = json.loads(record_path.read_text())["evaluations"][0]
    settings = results_table.Settings(metrics="fid,kid,cs,fcd", num_samples=10_000)
    record_path.write_text(json.dumps({k: v for k, v in record.items() if k != "num_samples"}))
    assert not results_table.already_evaluated(settings, workdir)  # no sample count recorded
    record_path.write_text(json.dumps({**record, "num_samples": 10_000}))
    assert results_table.already_evaluated(settings, workdir)
    # Another sample count, a metric not computed, or a newer checkpoint: evaluate.
    assert not results_table.already_evaluated(
        results_table.Settings(metrics="fid", num_samples=5_000), workdir
    )
    assert not results_table.already_evaluated(
        results_table.Settings(metrics="fid,pr", num_samples=10_000), workdir
    )
    # A metric the evaluation reported as unavailable is not asked for again.
    with_is = results_table.Settings(metrics="fid,is", num_samples=10_000)
    assert not results_table.already_evaluated(with_is, workdir)
    unavailable = {"is": "these weights have no logits"}
    record_path.write_text(
        json.dumps({**record, "num_samples": 10_000, "unavailable": unavailable})
    )
    assert results_table.already_evaluated(with_is, workdir)
    (workdir / "checkpoints" / "checkpoint").write_text('model_checkpoint_path: "ckpt-6000"\n')
    assert not results_table.already_evaluated(settings, workdir)


@pytest.mark.parametrize("variant", results_table.VARIANTS)
@pytest.mark.parametrize("jit_compile", [False, True])
def test_every_training_command_parses_for_its_variant(variant, jit_compile, tmp_path):
    # The commands run `python -m gan_tf.experiments.<variant>`, which refuses (exit 2) a flag
    # that does not apply to the variant: parse them with that experiment's own flags.
    from absl import flags

    from gan_tf import configs
    from gan_tf.errors import UsageError
    from gan_tf.experiments import common

    settings = results_table.Settings(
        manual_dir="archives", data_dir="tfds", jit_compile=jit_compile
    )
    command = results_table.train_command(settings, variant, "mnist", tmp_path / "run", 7)
    assert command[:3] == ["python", "-m", f"gan_tf.experiments.{variant}"]
    config_cls = configs.config_class(variant)
    fv = flags.FlagValues()
    common.define_flags(config_cls, flag_values=fv)
    common.parse_flags(config_cls, ["experiment", *command[3:]], fv)  # raises UsageError
    config = common.config_from_flags(config_cls, fv)
    assert (config.dataset, config.train_steps, config.jit_compile) == ("mnist", 7, jit_compile)
    assert (config.manual_dir, config.data_dir) == ("archives", "tfds")
    # The check has teeth: a flag the variant refuses fails to parse.
    if variant in ("wgan", "wgan_gp", "lsgan"):
        fv = flags.FlagValues()
        common.define_flags(config_cls, flag_values=fv)
        with pytest.raises(UsageError, match="does not apply"):
            common.parse_flags(config_cls, ["experiment", "--g_loss=minimax"], fv)


def test_every_evaluation_flag_exists():
    import re

    from tests.conftest import REPO_ROOT

    source = (REPO_ROOT / "gan_tf" / "evaluate.py").read_text()
    defined = set(re.findall(r'flags\.DEFINE_\w+\(\s*"(\w+)"', source))
    settings = results_table.Settings(manual_dir="archives", inception_weights="w.npz")
    command = results_table.eval_command(settings, pathlib.Path("run"))
    assert command[:3] == ["python", "-m", "gan_tf.evaluate"]
    given = {arg[2:].split("=")[0] for arg in command[3:]}
    assert given == {"workdir", "metrics", "num_samples", "inception_weights", "manual_dir"}
    assert given <= defined, given - defined
