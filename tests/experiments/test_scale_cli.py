"""The scaling flags end to end: --strategy=mirrored on two logical CPUs equals one device and
its checkpoint resumes on one device; two local multi_worker processes agree on the weights; a
float16 run resumes in float32; bad values get one line and exit status 2."""

import json
import os
import re
import socket
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tests.experiments.cli import cli_env, scalar_events

pytestmark = pytest.mark.slow

TINY = [
    "--dataset=mnist_demo",
    "--batch_size=4",
    "--base_filters=4",
    "--log_every=1",
    "--sample_every=100",
    "--nojit_compile",  # several replicas run without XLA; one device must draw the same noise
]


def command(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", f"gan_tf.experiments.{module}", *args]


def run(module: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(module, *args),
        cwd=REPO_ROOT,
        env={**cli_env(), **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def fingerprint(stderr: str) -> dict[str, float]:
    """The runner's last "weights fingerprint: name=value ..." line, as numbers."""
    line = re.findall(r"weights fingerprint: (.*)", stderr)[-1]
    return {name: float(value) for name, value in (p.split("=") for p in line.split())}


def test_mirrored_on_two_cpus_equals_one_device_and_resumes_on_one_device(tmp_path, data_dir):
    args = [*TINY, f"--data_dir={data_dir}", "--d_steps=1", "--train_steps=1"]
    mirrored_dir, single_dir = tmp_path / "mirrored", tmp_path / "single"
    mirrored = run(
        "wgan_gp",
        *args,
        f"--workdir={mirrored_dir}",
        "--strategy=mirrored",
        GAN_TF_LOGICAL_CPUS="2",
    )
    assert mirrored.returncode == 0, mirrored.stderr[-3000:]
    assert "strategy mirrored: 2 replica(s); global batch 4, 2 per replica" in mirrored.stderr
    single = run("wgan_gp", *args, f"--workdir={single_dir}", "--strategy=default")
    assert single.returncode == 0, single.stderr[-3000:]

    # The same global batch and noise: the same first step (losses averaged over the global
    # batch, the gradient penalty per sample, batch norm over the global batch).
    mirrored_logs, single_logs = scalar_events(mirrored_dir), scalar_events(single_dir)
    for tag in ("d_loss", "g_loss", "d_real", "d_fake", "gradient_penalty", "gradient_norm"):
        np.testing.assert_allclose(
            mirrored_logs[tag][1], single_logs[tag][1], rtol=1e-4, atol=1e-5, err_msg=tag
        )
    mirrored_weights, single_weights = fingerprint(mirrored.stderr), fingerprint(single.stderr)
    for name, value in single_weights.items():
        assert mirrored_weights[name] == pytest.approx(value, rel=1e-5), name
    assert json.loads((mirrored_dir / "run.json").read_text())["strategy"] == "mirrored"

    # The 2-replica checkpoint resumes on one device.
    resumed = run("wgan_gp", *args[:-1], "--train_steps=2", f"--workdir={mirrored_dir}")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "from step 1" in resumed.stderr
    assert (mirrored_dir / "checkpoints" / "ckpt-2.index").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.long  # the suite's multi-device test: the mirrored one above
def test_two_local_multi_worker_processes_agree_on_the_weights(tmp_path, data_dir):
    workdir = tmp_path / "run"
    workers = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]
    args = [*TINY, f"--data_dir={data_dir}", f"--workdir={workdir}", "--train_steps=2"]
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        processes.append(
            subprocess.Popen(
                command("wgan_gp", *args, "--d_steps=2", "--strategy=multi_worker"),
                cwd=REPO_ROOT,
                env={**cli_env(), "TF_CONFIG": json.dumps(tf_config)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = []
    for process in processes:
        try:
            _, stderr = process.communicate(timeout=600)
        finally:
            process.kill()
        assert process.returncode == 0, stderr[-3000:]
        outputs.append(stderr)

    chief, other = (fingerprint(stderr) for stderr in outputs)
    assert chief.keys() == other.keys() == {"generator", "discriminator"}
    for name in chief:
        assert chief[name] == pytest.approx(other[name], rel=1e-6), name
    # Only the chief wrote into the workdir; the other worker's temporary directory is gone.
    assert (workdir / "checkpoints" / "ckpt-2.index").exists()
    other_samples = re.findall(r"samples: (\S+)", outputs[1])[-1]
    assert not other_samples.startswith(str(workdir))
    assert not os.path.exists(other_samples)


@pytest.mark.long  # in the suite: test_mixed_precision.py restores across precisions
def test_float16_run_resumes_in_float32(tmp_path, data_dir):
    workdir = tmp_path / "run"
    args = [*TINY, f"--data_dir={data_dir}", f"--workdir={workdir}"]
    first = run("dcgan", *args, "--train_steps=2", "--mixed_precision=float16")
    assert first.returncode == 0, first.stderr[-3000:]
    second = run("dcgan", *args, "--train_steps=3", "--mixed_precision=float32")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "from step 2" in second.stderr
    scalars = scalar_events(workdir)
    assert sorted(scalars["d_loss"]) == [1, 2, 3]
    assert all(np.isfinite(v) for v in scalars["d_loss"].values())
    assert sorted(scalars["loss_scale/d"]) == [1, 2]  # only the float16 steps are loss-scaled


@pytest.mark.parametrize(
    "args,env,message",
    [
        (["--strategy=ring"], {}, "--strategy=ring: value should be one of <default|mirrored"),
        (["--mixed_precision=float8"], {}, "should be one of <float32|float16|bfloat16|none>"),
        (["--strategy=tpu"], {}, "--strategy=tpu: no TPU found"),
        (["--strategy=multi_worker"], {"TF_CONFIG": ""}, "needs TF_CONFIG"),
        (
            ["--strategy=mirrored", "--batch_size=3"],
            {"GAN_TF_LOGICAL_CPUS": "2"},
            "--batch_size=3 is the global batch and must be divisible by the 2 replicas",
        ),
    ],
)
def test_bad_scale_settings_get_one_line_and_exit_status_2(args, env, message, tmp_path, data_dir):
    result = run(
        "dcgan",
        *TINY,
        f"--data_dir={data_dir}",
        f"--workdir={tmp_path / 'run'}",
        "--train_steps=1",
        *args,
        **env,
    )
    assert result.returncode == 2, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("dcgan: error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr[-3000:]
    assert "Traceback" not in result.stderr
