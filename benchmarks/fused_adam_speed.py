"""Train-step speed with `FusedAdam` against Keras's own Adam, in alternating blocks.

    taskset -c 0 python -m benchmarks.fused_adam_speed --variants=gan,dcgan,pix2pix --jit=off

Builds each variant twice at its config's defaults (`benchmarks.train_speed`'s synthetic
in-memory batch): once as the library builds it (`gan_tf.models.factory.adam`: FusedAdam) and
once with `keras.optimizers.Adam` in its place, then times --repeats blocks of --steps steps of
each, alternating in one process, and prints steps/s (median) and the ratio.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence
from unittest import mock

from absl import app, flags

from benchmarks import train_speed

FLAGS = flags.FLAGS


def define_flags() -> None:
    """The command line (defined only when run, so tests can import the module)."""
    flags.DEFINE_list("variants", ["gan", "dcgan", "pix2pix"], "Variants at their defaults.")
    flags.DEFINE_enum("jit", "off", ["off", "on"], "XLA off (graph kernels) or on.")
    flags.DEFINE_integer("steps", 10, "Steps per block.", lower_bound=1)
    flags.DEFINE_integer("repeats", 5, "Blocks per optimizer.", lower_bound=1)


def timer(variant: str, jit: bool, keras_adam: bool) -> train_speed.StepTimer:
    """`variant`'s model and train function, with FusedAdam or (`keras_adam`) Keras's Adam."""
    import keras

    config = train_speed.variant_config(variant, jit_compile=jit)
    if not keras_adam:
        return train_speed.StepTimer(config)
    with mock.patch("gan_tf.models.factory.FusedAdam", keras.optimizers.Adam):
        return train_speed.StepTimer(config)


def main(argv: Sequence[str]) -> None:
    del argv
    from gan_tf import configs

    unknown = [v for v in FLAGS.variants if v not in configs.VARIANTS]
    if unknown:
        print(f"fused_adam_speed: unknown variant {unknown[0]!r}", file=sys.stderr)
        sys.exit(2)
    print("| variant | XLA | Keras Adam steps/s | FusedAdam steps/s | FusedAdam / Keras Adam |")
    print("|---|---|---|---|---|")
    for variant in FLAGS.variants:
        runs = {}
        for keras_adam in (True, False):
            step_timer = timer(variant, FLAGS.jit == "on", keras_adam)
            step_timer.run(2)  # trace and warm up
            runs[type(step_timer.model.d_optimizer).__name__] = (step_timer, [])
        for _ in range(FLAGS.repeats):
            for step_timer, rates in runs.values():
                rates.append(FLAGS.steps / step_timer.run(FLAGS.steps))
        keras_rate = statistics.median(runs["Adam"][1])
        fused_rate = statistics.median(runs["FusedAdam"][1])
        print(
            f"| {variant} | {FLAGS.jit} | {keras_rate:.2f} | {fused_rate:.2f} | "
            f"{fused_rate / keras_rate:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    define_flags()
    app.run(main)
