"""Helpers for running the command-line entry points in a subprocess, as a user would."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

from tests.conftest import REPO_ROOT


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["GAN_TF_OFFLINE"] = "1"  # tests never touch the network
    return env


def run_module(module: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def scalar_events(workdir: pathlib.Path) -> dict[str, dict[int, float]]:
    """{tag: {step: value}} from a run's TensorBoard event files."""
    import tensorflow as tf

    values: dict[str, dict[int, float]] = {}
    for path in sorted((workdir / "tensorboard").glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                if value.metadata.plugin_data.plugin_name == "scalars":
                    number = float(tf.make_ndarray(value.tensor))
                    values.setdefault(value.tag, {})[event.step] = number
    return values


def image_events(workdir: pathlib.Path) -> list[int]:
    import tensorflow as tf

    steps = []
    for path in sorted((workdir / "tensorboard").glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            steps += [event.step for v in event.summary.value if v.tag == "samples"]
    return steps
