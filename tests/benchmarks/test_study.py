"""`make study`: the order of the runs, their commands, the report, and resume on a tiny run."""

import json
import math
import pathlib
import subprocess
import sys

import pytest

from benchmarks import study as runner
from gan_tf import configs
from gan_tf.configs import study

OPTIONS = runner.Options(runs_root=pathlib.Path("runs/study"), out=pathlib.Path("out/study.md"))
REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


def record(loss, dataset, index, seed, fid, proxy=None):
    return {
        "loss": loss,
        "dataset": dataset,
        "setting_index": index,
        "setting": vars(study.LOSSES[loss].grid[index]),
        "seed": seed,
        "final_step": 100,
        "proxies": {"50": {"fid": 99.0}, "100": {"fid": fid if proxy is None else proxy}},
        "fid": fid,
        "train_seconds": 3600.0,
        "eval_seconds": 60.0,
        "train_command": "python -m gan_tf.experiments.gan --x",
        "eval_commands": ["python -m gan_tf.evaluate --y"],
    }


def add(journal, *args, **kwargs):
    run = runner.Run(*args[:4])
    journal[run.name] = record(*args, **kwargs)


def test_search_breadth_first_then_the_best_setting_with_more_seeds():
    order = dict(losses=["ns_gan", "wgan"], datasets=["mnist"], grid_size=2, seeds=3, proxy="fid")
    journal = {}
    assert runner.next_run(journal, **order) == runner.Run("ns_gan", "mnist", 0, 0)
    add(journal, "ns_gan", "mnist", 0, 0, 20.0)
    assert runner.next_run(journal, **order) == runner.Run("wgan", "mnist", 0, 0)
    # A run another runner holds is skipped this session.
    skip = {runner.Run("wgan", "mnist", 0, 0).name}
    assert runner.next_run(journal, **order, skip=skip) == runner.Run("ns_gan", "mnist", 1, 0)
    add(journal, "wgan", "mnist", 0, 0, math.nan, proxy=math.nan)  # diverged: ranks last
    add(journal, "ns_gan", "mnist", 1, 0, 10.0)
    assert runner.next_run(journal, **order) == runner.Run("wgan", "mnist", 1, 0)
    add(journal, "wgan", "mnist", 1, 0, 30.0)
    assert runner.best_setting(journal, "ns_gan", "mnist", 2, "fid") == 1
    assert runner.best_setting(journal, "wgan", "mnist", 2, "fid") == 1
    assert runner.next_run(journal, **order) == runner.Run("ns_gan", "mnist", 1, 1)
    for loss in ("ns_gan", "wgan"):
        for seed in (1, 2):
            add(journal, loss, "mnist", 1, seed, 12.0)
    assert runner.next_run(journal, **order) is None


def test_the_proxy_not_the_final_fid_ranks_the_settings():
    journal = {}
    add(journal, "lsgan", "mnist", 0, 0, 5.0, proxy=50.0)
    add(journal, "lsgan", "mnist", 1, 0, 9.0, proxy=40.0)
    assert runner.best_setting(journal, "lsgan", "mnist", 2, "fid") == 1
    assert runner.best_setting(journal, "lsgan", "mnist", 3, "fid") is None


@pytest.mark.parametrize("loss", list(study.LOSSES))
def test_training_commands_pass_only_flags_of_their_variant(loss):
    spec = study.LOSSES[loss]
    fields = {*configs.field_names(configs.config_class(spec.variant)), "workdir"}
    for index, setting in enumerate(spec.grid):
        run = runner.Run(loss, "mnist", index, 2)
        command = runner.train_command(OPTIONS, run)
        assert command[:3] == ["python", "-m", f"gan_tf.experiments.{spec.variant}"]
        names = {arg[2:].split("=")[0] for arg in command[3:]}
        names = {n[2:] if n == "nojit_compile" else n for n in names}
        assert names <= fields, names - fields
        assert f"--train_steps={15_625 // setting.d_steps}" in command
        assert "--seed=2" in command and "--latent_distribution=uniform" in command


def test_the_evaluated_checkpoints_are_every_five_epochs_and_the_end():
    ns, wgan = runner.Run("ns_gan", "mnist", 0, 0), runner.Run("wgan", "mnist", 0, 0)
    assert ns.evaluated_steps(OPTIONS) == [3906, 7812, 11718, 15625]
    assert wgan.evaluated_steps(OPTIONS) == [781, 1562, 2343, 3125]
    command = runner.train_command(OPTIONS, ns)
    assert "--checkpoint_every=3906" in command and "--keep_checkpoints=8" in command


def test_report_compares_with_table_2():
    journal = {}
    add(journal, "ns_gan", "mnist", 0, 0, 8.0, proxy=30.0)
    add(journal, "ns_gan", "mnist", 1, 0, 6.0, proxy=20.0)
    add(journal, "ns_gan", "mnist", 1, 1, 7.0)
    add(journal, "ns_gan", "mnist", 1, 2, 8.0)
    text = runner.render(OPTIONS, journal, grid_size=2, seeds=3)
    row = next(line for line in text.splitlines() if line.startswith("| NS GAN | mnist |"))
    setting = "1: lr 0.0002, beta_1 0.5, k 1, D no BN"
    assert f"| 6.00 | 7.00 ± 1.00 (3) | {setting} | 6.8 ± 0.5 | yes |" in row
    assert "| WGAN GP | fashion_mnist | not run |" in text
    assert "4 runs, 4.0 CPU hours of training" in text
    add(journal, "lsgan", "mnist", 0, 0, 9.0)
    text = runner.render(OPTIONS, journal, grid_size=1, seeds=3)
    assert "| LSGAN | mnist | 9.00 |" in text and "no (+1.20)" in text


def test_journal_keeps_the_runs_of_other_runners(tmp_path):
    options = runner.Options(runs_root=tmp_path / "runs", out=tmp_path / "study.md")
    runner.record_run(options, "a", {"fid": 1.0})
    runner.record_run(options, "b", {"fid": 2.0})
    assert runner.read_journal(options) == {"a": {"fid": 1.0}, "b": {"fid": 2.0}}
    assert not list(options.journal_path.parent.glob("*.partial"))


@pytest.mark.slow
@pytest.mark.long
def test_a_tiny_study_resumes_without_training_or_evaluating_again(tmp_path):
    """Two tiny runs on the packaged digits (FCD, no Inception weights). The journal is then
    lost, as if the runner was stopped after the run's last evaluation: the next invocation
    trains nothing and evaluates nothing again, and writes the same record."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.study",
        "--losses=ns_gan",
        "--datasets=mnist_demo",
        "--grid_size=2",
        "--seeds=1",
        "--d_updates=4",
        "--checkpoint_d_updates=2",
        "--proxy_metrics=fcd",
        "--proxy=fcd",
        "--final_metric=fcd",
        "--proxy_samples=32",
        "--eval_samples=64",
        "--nojit_compile",
        f"--runs_root={tmp_path / 'runs'}",
        f"--out={tmp_path / 'study.md'}",
    ]
    run = lambda *extra: subprocess.run(  # noqa: E731
        [*command, *extra], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    run("--max_runs=1")
    journal_path = tmp_path / "study" / "journal.json"
    first = json.loads(journal_path.read_text())["runs"]
    assert list(first) == ["ns_gan_mnist_demo_s0_seed0"]
    assert set(first["ns_gan_mnist_demo_s0_seed0"]["proxies"]) == {"2", "4"}
    log = tmp_path / "runs" / "ns_gan_mnist_demo_s0_seed0.log"
    calls = log.read_text().count("\n$ ")
    assert calls == 4  # training, the two proxies, the final evaluation

    journal_path.unlink()
    run("--max_runs=1")
    assert log.read_text().count("\n$ ") == calls
    again = json.loads(journal_path.read_text())["runs"]
    assert again == first
    assert "ns_gan_mnist_demo_s0_seed0" in (tmp_path / "study.md").read_text()


def test_runs_in_progress_show_their_checkpoint_and_proxies(tmp_path):
    options = runner.Options(runs_root=tmp_path / "runs", out=tmp_path / "study.md")
    run = runner.Run("lsgan", "mnist", 0, 0)
    workdir = run.workdir(options)
    (workdir / "checkpoints").mkdir(parents=True)
    (workdir / "checkpoints" / "checkpoint").write_text('model_checkpoint_path: "ckpt-7812"\n')
    (workdir / "eval").mkdir()
    proxy = {
        "step": 3906,
        "num_samples": 2000,
        "metrics": {"fid": 41.5, "fcd": 3.0},
        "command": "python -m gan_tf.evaluate --z",
    }
    (workdir / "eval" / "step_3906.json").write_text(json.dumps({"evaluations": [proxy]}))
    [(found, step, proxies)] = runner.in_progress(options, {})
    expected = {3906: {"fid": 41.5, "fcd": 3.0, "commands": ["python -m gan_tf.evaluate --z"]}}
    assert (found, step, proxies) == (run, 7812, expected)
    text = runner.render(options, {}, grid_size=9, seeds=3)
    assert "| lsgan_mnist_s0_seed0 | 7,812 of 15,625 | 3,906: 41.5 |" in text
    assert "`python -m gan_tf.evaluate --z`" in text and "gan_tf.experiments.lsgan" in text
    assert runner.in_progress(options, {run.name: record("lsgan", "mnist", 0, 0, 9.0)}) == []
