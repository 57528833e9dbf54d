"""One run per workdir, resumed only with its settings; unreadable checkpoints are skipped;
workdirs that cannot hold a run are refused with one line, from Python and the command line."""

import json
import logging
import os
import pathlib
import signal
import subprocess
import sys

import pytest
import tensorflow as tf

import gan_tf
from gan_tf.errors import UsageError
from gan_tf.training import workdir as wd
from gan_tf.training.checkpoints import CHECKPOINT_DIR
from tests.conftest import REPO_ROOT
from tests.experiments.cli import cli_env, run_module

TINY = {"dataset": "mnist_demo", "base_filters": 4, "batch_size": 4, "jit_compile": False}
CLI_TINY = ["--dataset=mnist_demo", "--base_filters=4", "--batch_size=4", "--nojit_compile"]


def hold_lock(workdir: pathlib.Path) -> subprocess.Popen:
    """Another process holding the workdir's lock (until killed)."""
    code = (
        "import sys, time\n"
        "from gan_tf.training.workdir import locked\n"
        "with locked(sys.argv[1]):\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(600)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(workdir)],
        cwd=REPO_ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_second_process_is_refused_until_the_holder_dies(tmp_path):
    workdir = tmp_path / "run"
    holder = hold_lock(workdir)
    try:
        in_use = rf"in use by another run \(pid {holder.pid}\)"
        with pytest.raises(UsageError, match=in_use), wd.locked(workdir):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)  # no clean-up: the kernel drops the lock
        holder.wait()
    assert (workdir / wd.LOCK_FILE).exists()  # left behind, and not in the way
    with wd.locked(workdir), wd.locked(workdir):  # the same process may take it again
        assert (workdir / wd.LOCK_FILE).read_text().strip() == str(os.getpid())
    assert not (workdir / wd.LOCK_FILE).exists()


def test_a_lock_on_a_new_workdir_leaves_nothing_if_nothing_was_written(tmp_path):
    with pytest.raises(RuntimeError), wd.locked(tmp_path / "new"):
        raise RuntimeError("the data could not be read")
    assert not (tmp_path / "new").exists()


def test_workdirs_that_cannot_hold_a_run(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    for path, message in [
        (afile, "is a file, not a directory"),
        (afile / "run", "is a file, not a directory"),
    ]:
        with pytest.raises(UsageError, match=message), wd.locked(path):
            pass
    if pathlib.Path("/sys").is_dir():  # writable by no one, not even root
        refused = r"cannot be created|not writable"
        with pytest.raises(UsageError, match=refused), wd.locked("/sys/gan_tf_run"):
            pass


def test_resuming_refuses_changed_training_settings_and_records_the_others(tmp_path):
    config = gan_tf.configs.get("wgan_gp", **TINY)
    wd.record_run(tmp_path, config, 0, {})
    assert wd.resume_changes(tmp_path, config) == {}
    changed = config.replace(seed=1, d_learning_rate=2e-4, dataset="mnist")
    with pytest.raises(UsageError) as error:
        wd.resume_changes(tmp_path, changed)
    message = str(error.value)
    assert "\n" not in message
    for part in ("seed=0 (given 1)", "d_learning_rate=0.0001 (given 0.0002)", "dataset="):
        assert part in message
    longer = config.replace(train_steps=50, log_every=7, mixed_precision="bfloat16")
    changes = wd.resume_changes(tmp_path, longer)
    assert changes == {
        "train_steps": [config.train_steps, 50],
        "log_every": [config.log_every, 7],
        "mixed_precision": ["float32", "bfloat16"],
    }
    wd.record_run(tmp_path, longer, 20, changes)
    saved = json.loads((tmp_path / "run.json").read_text())
    assert saved["train_steps"] == 50 and saved["history"] == [{"step": 20, "changed": changes}]
    assert gan_tf.configs.load(tmp_path) == longer
    with pytest.raises(UsageError, match="holds a run of variant 'wgan_gp', not 'dcgan'"):
        wd.resume_changes(tmp_path, gan_tf.configs.get("dcgan", **TINY))
    (tmp_path / "run.json").write_text('{"variant": "wgan_gp", ')
    with pytest.raises(UsageError, match=r"is not a valid run\.json"):
        wd.resume_changes(tmp_path, config)


def test_an_unreadable_latest_checkpoint_falls_back_to_the_previous(tmp_path, data_dir, caplog):
    config = gan_tf.configs.get(
        "dcgan", **TINY, data_dir=data_dir, train_steps=4, checkpoint_every=1, keep_checkpoints=2
    )
    workdir = tmp_path / "run"
    gan_tf.train(gan_tf.build(config), config, workdir)
    checkpoints = workdir / CHECKPOINT_DIR
    assert sorted(p.name for p in checkpoints.glob("*.index")) == ["ckpt-3.index", "ckpt-4.index"]
    data = checkpoints / "ckpt-4.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])  # a copy cut short
    caplog.set_level(logging.WARNING)
    result = gan_tf.train(gan_tf.build(config), config.replace(train_steps=5), workdir)
    assert (result.start_step, result.final_step) == (3, 5)
    (warning,) = [r.getMessage() for r in caplog.records if "unreadable" in r.getMessage()]
    assert "ckpt-4 is unreadable" in warning and "resuming from the previous one" in warning
    assert tf.train.latest_checkpoint(str(checkpoints)).endswith("ckpt-5")
    for path in checkpoints.glob("ckpt-*.index"):
        path.write_bytes(b"")
    with pytest.raises(UsageError, match="no readable checkpoint"):
        gan_tf.train(gan_tf.build(config), config.replace(train_steps=9), workdir)


def assert_one_line_error(result, *parts):
    assert result.returncode == 2, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


@pytest.mark.slow
def test_cli_refuses_a_second_run_a_file_an_invalid_run_json_and_changed_settings(
    tmp_path, data_dir
):
    args = [*CLI_TINY, f"--data_dir={data_dir}"]
    workdir = tmp_path / "run"
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gan_tf.experiments.dcgan",
            *args,
            f"--workdir={workdir}",
            "--train_steps=100000",
            "--log_every=1",
        ],
        cwd=REPO_ROOT,
        env=cli_env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in first.stderr:  # until it trains
            if "step 1/" in line or "steps/s" in line:
                break
        second = run_module(
            "gan_tf.experiments.dcgan", *args, f"--workdir={workdir}", "--train_steps=3"
        )
        assert_one_line_error(second, f"in use by another run (pid {first.pid})")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    resumed = run_module(
        "gan_tf.experiments.dcgan", *args, f"--workdir={workdir}", "--seed=5", "--train_steps=3"
    )
    assert_one_line_error(resumed, "holds a run trained with seed=0 (given 5)")

    afile = tmp_path / "afile"
    afile.write_text("mine")
    result = run_module("gan_tf.experiments.dcgan", *args, f"--workdir={afile}")
    assert_one_line_error(result, "is a file, not a directory")
    assert afile.read_text() == "mine"

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "run.json").write_text("{not json")
    result = run_module("gan_tf.experiments.dcgan", *args, f"--workdir={broken}")
    assert_one_line_error(result, "is not a valid run.json")
    assert sorted(p.name for p in broken.iterdir()) == ["run.json"]  # nothing written
