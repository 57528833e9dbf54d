"""What exact resume costs: the time from building a variant's training pipeline at step s to
its first batch, for s = 0 and the given steps (the skip of s batches, `training_stream`).

    python -m benchmarks.resume_skip --variant=dcgan --dataset=mnist \
        --manual_dir=../shared/data --steps=1000,10000,100000

Each time is the median of --repeats builds, the start steps interleaved repeat by repeat.
Prints a Markdown table: start step, examples skipped, seconds to the first batch, and the
batch it yields (its sum, to show that it depends on the step).
"""

from __future__ import annotations

import statistics
import time

from absl import app, flags

FLAGS = flags.FLAGS
flags.DEFINE_string("variant", "dcgan", "Variant whose config builds the pipeline.")
flags.DEFINE_string("dataset", "mnist", "Dataset, as --dataset of the experiments.")
flags.DEFINE_string("data_dir", None, "TFDS data directory.")
flags.DEFINE_string("manual_dir", None, "Folder with the dataset's original archives.")
flags.DEFINE_list("steps", ["1000", "10000", "100000"], "Start steps to time beside 0.")
flags.DEFINE_integer("repeats", 3, "Builds per start step (the median is reported).", lower_bound=1)


def first_batch_seconds(config, start_step: int) -> tuple[float, float]:
    """(seconds from building the pipeline at `start_step` to its first batch, batch sum)."""
    import numpy as np
    import tensorflow as tf

    begin = time.perf_counter()
    batch = next(iter(config.training_pipeline(start_step)))
    seconds = time.perf_counter() - begin
    images = tf.nest.flatten(batch)[0]
    return seconds, float(np.asarray(images, np.float64).sum())


def main(argv: list[str]) -> None:
    del argv
    import gan_tf

    config = gan_tf.configs.get(
        FLAGS.variant, dataset=FLAGS.dataset, data_dir=FLAGS.data_dir, manual_dir=FLAGS.manual_dir
    )
    starts = [0, *(int(s) for s in FLAGS.steps)]
    first_batch_seconds(config, 0)  # prepares the dataset, if it is not yet
    times: dict[int, list[float]] = {s: [] for s in starts}
    sums: dict[int, float] = {}
    for _ in range(FLAGS.repeats):
        for start in starts:
            seconds, sums[start] = first_batch_seconds(config, start)
            times[start].append(seconds)
    examples_per_step = config.batch_size * getattr(config, "d_steps", 1)
    print(f"{FLAGS.variant} on {config.dataset}: {examples_per_step} examples per step")
    print("| start step | examples skipped | s to first batch (median) | batch sum |")
    print("|---|---|---|---|")
    for start in starts:
        print(
            f"| {start:,} | {start * examples_per_step:,} | "
            f"{statistics.median(times[start]):.2f} | {sums[start]:.1f} |"
        )


if __name__ == "__main__":
    app.run(main)
