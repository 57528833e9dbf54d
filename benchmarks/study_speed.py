"""Step speed of the large-scale study's runs: TensorFlow's oneDNN kernels on or off, XLA or not.

    taskset -c 1 python -m benchmarks.study_speed --rounds=2

Times the NS GAN step of the study (`gan_tf.configs.study`: the InfoGAN networks, batch 64,
the study's default setting) on an in-memory batch (`benchmarks.train_speed.StepTimer`). Each
measurement is a worker process of its own, because TF_ENABLE_ONEDNN_OPTS is read when
TensorFlow is imported; the four settings alternate within each round, and the table gives
every round's steps/s and the ratio of each setting's median to the slowest one's.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys

from absl import app, flags

FLAGS = flags.FLAGS
REPLY = "STEPS_PER_SECOND "


def worker(jit: bool, warmup: int, steps: int) -> float:
    """steps/s of the study's NS GAN step in this process."""
    from benchmarks import train_speed
    from gan_tf import configs
    from gan_tf.configs import study

    loss = study.LOSSES["ns_gan"]
    config = configs.get(
        loss.variant, dataset="mnist", jit_compile=jit, **loss.overrides(loss.grid[0])
    )
    timer = train_speed.StepTimer(config)
    timer.run(warmup)
    return steps / timer.run(steps)


def measure(onednn: bool, jit: bool, warmup: int, steps: int) -> float:
    env = {
        **os.environ,
        "TF_ENABLE_ONEDNN_OPTS": "1" if onednn else "0",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    code = (
        "import json, sys; from benchmarks.study_speed import worker, REPLY; "
        f"print(REPLY + json.dumps(worker({jit}, {warmup}, {steps})))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith(REPLY))
    return json.loads(line[len(REPLY) :])


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    settings = list(itertools.product((False, True), (False, True)))  # (onednn, jit)
    results: dict[tuple[bool, bool], list[float]] = {s: [] for s in settings}
    for round_ in range(FLAGS.rounds):
        for onednn, jit in settings if round_ % 2 == 0 else reversed(settings):
            value = measure(onednn, jit, FLAGS.warmup, FLAGS.steps)
            results[(onednn, jit)].append(value)
            print(
                f"round {round_ + 1}: oneDNN {onednn}, XLA {jit}: {value:.2f} steps/s", flush=True
            )
    slowest = min(statistics.median(v) for v in results.values())
    print("\n| oneDNN kernels | XLA | steps/s by round | median / slowest |")
    print("|---|---|---|---|")
    for (onednn, jit), values in results.items():
        rounds = ", ".join(f"{v:.2f}" for v in values)
        ratio = statistics.median(values) / slowest
        print(
            f"| {'on' if onednn else 'off'} | {'on' if jit else 'off'} | {rounds} | {ratio:.2f} |"
        )


if __name__ == "__main__":
    flags.DEFINE_integer(
        "rounds", 2, "Rounds; the order of the settings alternates.", lower_bound=1
    )
    flags.DEFINE_integer("warmup", 5, "Steps before timing (tracing, compiling).", lower_bound=1)
    flags.DEFINE_integer("steps", 20, "Timed steps per measurement.", lower_bound=1)
    app.run(main)
