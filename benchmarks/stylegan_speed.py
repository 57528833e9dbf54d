"""StyleGAN2's CPU speed (issue 25): steps/s of a preset's training step at 32x32 without and
with XLA, interleaved in one process; and the resampling filter's two forms (a depthwise
convolution, shifted slices) forward and backward, without and with XLA.

    taskset -c 1 python -m benchmarks.stylegan_speed --preset=small --rounds=3 --steps=10
    taskset -c 1 python -m benchmarks.stylegan_speed --filters_only
"""

from __future__ import annotations

import time

from absl import app, flags

from benchmarks import step_timing

FLAGS = flags.FLAGS
flags.DEFINE_string("preset", "small", "StyleGAN2 preset.")
flags.DEFINE_integer("rounds", 3, "Rounds; each times both forms in turn.")
flags.DEFINE_integer("steps", 10, "Steps (or filter calls x 2) per form and round.")
flags.DEFINE_bool("filters_only", False, "Only time the resampling filter's two forms.")


def time_filters() -> None:
    import tensorflow as tf

    from gan_tf.networks import resampling

    x = tf.random.stateless_normal([32, 35, 35, 32], seed=[1, 2])
    kernel = resampling.resample_filter()
    for by_shifts in (False, True):
        for jit in (False, True):

            @tf.function(jit_compile=jit)
            def step(x, by_shifts=by_shifts):
                with resampling.filter_by_shifts(by_shifts), tf.GradientTape() as tape:
                    tape.watch(x)
                    loss = tf.reduce_sum(tf.square(resampling.upfirdn2d(x, kernel)))
                return tape.gradient(loss, x)

            step(x)
            begin = time.perf_counter()
            for _ in range(2 * FLAGS.steps):
                step(x)
            ms = (time.perf_counter() - begin) / (2 * FLAGS.steps) * 1000
            form = "shifted slices" if by_shifts else "depthwise conv"
            print(f"filter, {form}, {'XLA' if jit else 'graph'}: {ms:.1f} ms", flush=True)


def time_steps() -> None:
    import tensorflow as tf

    from gan_tf import configs
    from gan_tf.models.stylegan2 import build_stylegan2

    steps = {}
    for jit in (False, True):
        config = configs.get("stylegan2", dataset="mnist", preset=FLAGS.preset, jit_compile=jit)
        model = build_stylegan2(config)
        real = tf.random.stateless_uniform([config.batch_size, 32, 32, 1], [3, 4], -1, 1)
        steps[jit], first = step_timing.prepared_step(model, real)
        print(f"{'XLA' if jit else 'graph'}: first step {first:.1f} s")
    step_timing.interleaved_rates(
        steps,
        FLAGS.rounds,
        FLAGS.steps,
        lambda r, jit, rate: print(
            f"round {r}, {'XLA' if jit else 'graph'}: {rate:.3f} steps/s", flush=True
        ),
    )


def main(argv: list[str]) -> None:
    del argv
    time_filters()
    if not FLAGS.filters_only:
        time_steps()


if __name__ == "__main__":
    app.run(main)
