"""`python -m gan_tf.experiments.dcgan|gan` and `python -m gan_tf.generate`, end to end."""

import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

from tests.conftest import REPO_ROOT
from tests.experiments.cli import cli_env, image_events, run_module, scalar_events

pytestmark = pytest.mark.slow

TINY = ["--dataset=mnist_demo", "--batch_size=8", "--base_filters=4", "--log_every=1"]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory, data_dir):
    workdir = tmp_path_factory.mktemp("runs") / "dcgan"
    first = run_module(
        "gan_tf.experiments.dcgan",
        *TINY,
        f"--data_dir={data_dir}",
        f"--workdir={workdir}",
        "--train_steps=3",
        "--sample_every=2",
        "--checkpoint_every=2",
    )
    assert first.returncode == 0, first.stderr[-3000:]
    return workdir, first


def test_first_run_writes_events_grids_and_checkpoints(trained_run):
    workdir, _ = trained_run
    scalars = scalar_events(workdir)
    for tag in ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm"):
        assert sorted(scalars[tag]) == [1, 2, 3], tag  # every step logged
    assert 2 in image_events(workdir) and 3 in image_events(workdir)
    pngs = sorted(p.name for p in (workdir / "samples").glob("*.png"))
    assert pngs == ["step_0000002.png", "step_0000003.png"]
    grid = tf.io.decode_png((workdir / "samples" / "step_0000003.png").read_bytes())
    assert grid.shape == (8 * 29 + 1, 8 * 29 + 1, 1)  # 8x8 grid of 28x28 digits, 1px borders
    assert (workdir / "checkpoints" / "ckpt-2.index").exists()
    assert (workdir / "checkpoints" / "ckpt-3.index").exists()
    assert (workdir / "run.json").exists()


@pytest.mark.long  # resuming in the suite: the SIGTERM test below, tests/training/test_resume.py
def test_second_run_resumes_at_the_saved_step(trained_run, data_dir):
    workdir, _ = trained_run
    again = run_module(
        "gan_tf.experiments.dcgan",
        *TINY,
        f"--data_dir={data_dir}",
        f"--workdir={workdir}",
        "--train_steps=5",
        "--sample_every=2",
        "--checkpoint_every=2",
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert "resuming" in again.stderr and "from step 3" in again.stderr
    assert "step 4/5" in again.stderr and "step 1/5" not in again.stderr
    assert (workdir / "checkpoints" / "ckpt-5.index").exists()
    assert sorted(scalar_events(workdir)["d_loss"]) == [1, 2, 3, 4, 5]


def test_a_finished_run_is_left_as_it_is(trained_run, data_dir):
    # Asking for fewer steps than the run has trains nothing and keeps its record: run.json
    # still says how it was trained, and its last grid is not rewritten. The run has 3 steps,
    # or 5 when the long resume test above ran first in this worker.
    workdir, _ = trained_run
    record = (workdir / "run.json").read_text()
    trained = int(re.search(r'"train_steps": (\d+)', record).group(1))
    grid = workdir / "samples" / f"step_{trained:07d}.png"
    written = grid.stat().st_mtime_ns
    again = run_module(
        "gan_tf.experiments.dcgan",
        *TINY,
        f"--data_dir={data_dir}",
        f"--workdir={workdir}",
        "--train_steps=2",
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"already trained for {trained} >= 2 steps" in again.stderr
    assert (workdir / "run.json").read_text() == record
    assert grid.stat().st_mtime_ns == written


def test_generate_writes_a_grid_and_an_interpolation(trained_run, tmp_path):
    workdir, _ = trained_run
    grid_path, walk_path = tmp_path / "grid.png", tmp_path / "walk.png"
    result = run_module("gan_tf.generate", f"--workdir={workdir}", "--num=16", f"--out={grid_path}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert tf.io.decode_png(grid_path.read_bytes()).shape == (4 * 29 + 1, 4 * 29 + 1, 1)
    result = run_module(
        "gan_tf.generate",
        f"--workdir={workdir}",
        "--interpolate",
        "--rows=2",
        "--steps=5",
        f"--out={walk_path}",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    walk = tf.io.decode_png(walk_path.read_bytes()).numpy()
    assert walk.shape == (2 * 29 + 1, 5 * 29 + 1, 1)
    # Neighbouring images of a strip change gradually: ends differ more than neighbours.
    tiles = [walk[1:29, 1 + 29 * i : 29 * (i + 1)].astype(float) for i in range(5)]
    assert np.abs(tiles[0] - tiles[4]).mean() > np.abs(tiles[0] - tiles[1]).mean()


def test_generate_refuses_label_for_unconditional_run(trained_run, tmp_path):
    workdir, _ = trained_run
    result = run_module(
        "gan_tf.generate", f"--workdir={workdir}", "--label=3", f"--out={tmp_path / 'x.png'}"
    )
    assert result.returncode != 0
    assert "conditional" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.long  # the MLP networks in the suite: tests/networks, tests/models
def test_mlp_gan_runs(tmp_path, data_dir):
    result = run_module(
        "gan_tf.experiments.gan",
        "--dataset=mnist_demo",
        "--batch_size=8",
        f"--data_dir={data_dir}",
        f"--workdir={tmp_path / 'gan'}",
        "--train_steps=2",
        "--g_loss=minimax",
        "--d_steps=2",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "gan" / "checkpoints" / "ckpt-2.index").exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--dataset=mnsit"], "unknown dataset 'mnsit'"),
        (["--image_size=48"], "--image_size"),
        (["--train_steps=0"], "train_steps"),
        (["--batch_size=0"], "batch_size"),
        (["--g_loss=wasserstein"], "g_loss"),
        (["--dataset=cifar10"], "network is unreachable"),
    ],
)
def test_bad_input_exits_non_zero_with_one_clear_message(args, message, tmp_path, data_dir):
    start = time.perf_counter()
    result = run_module(
        "gan_tf.experiments.dcgan",
        *TINY,
        f"--data_dir={data_dir}",
        f"--workdir={tmp_path / 'run'}",
        "--train_steps=2",
        *args,
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert time.perf_counter() - start < 60


def test_workdir_of_another_variant_is_refused(trained_run, data_dir):
    workdir, _ = trained_run
    result = run_module(
        "gan_tf.experiments.gan",
        "--dataset=mnist_demo",
        f"--data_dir={data_dir}",
        f"--workdir={workdir}",
        "--train_steps=2",
    )
    assert result.returncode != 0
    assert "holds a run of variant 'dcgan'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "signum, sigint_ignored",
    # Ctrl-C in a terminal; `kill` (SIGTERM) of a run started in the background, whose shell
    # made it ignore SIGINT (simulated by the new session's inherited SIG_IGN below).
    # The suite sends SIGTERM; both signals take the same handler (`interrupt_on_signals`).
    [pytest.param(signal.SIGINT, False, marks=pytest.mark.long), (signal.SIGTERM, True)],
    ids=["sigint", "sigterm_background"],
)
def test_ctrl_c_saves_a_checkpoint_that_resumes(tmp_path, data_dir, signum, sigint_ignored):
    workdir = tmp_path / "interrupted"

    def ignore_sigint():  # what `cmd &` in a non-interactive shell does to the child
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gan_tf.experiments.dcgan",
            *TINY,
            f"--data_dir={data_dir}",
            f"--workdir={workdir}",
            "--train_steps=100000",
            "--checkpoint_every=100000",
        ],
        cwd=REPO_ROOT,
        env=cli_env(),
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ignore_sigint if sigint_ignored else None,
    )
    for line in process.stderr:  # wait until training is under way
        if "step 5/100000" in line:
            break
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode != 0
    assert "interrupted at step" in stderr
    saved = sorted((workdir / "checkpoints").glob("ckpt-*.index"))
    assert len(saved) == 1
    step = int(saved[0].name.split("-")[1].split(".")[0])
    assert step >= 5
    resumed = run_module(
        "gan_tf.experiments.dcgan",
        *TINY,
        f"--data_dir={data_dir}",
        f"--workdir={workdir}",
        f"--train_steps={step + 1}",
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"from step {step}" in resumed.stderr
