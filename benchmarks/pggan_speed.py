"""PGGAN's CPU speed per phase (issue 24): steps/s and images/s of the training step in each
phase of a preset (by default the learning proof's `small` on 32x32), without and with XLA,
the two measured in turn within each round in one process.

    taskset -c 1 python -m benchmarks.pggan_speed --rounds=2 --steps=10

Each phase's step is traced once before it is timed (that is what a run pays per phase); the
step counter is set to the phase's middle so that a fade-in runs at an alpha inside (0, 1).
Reals are random images at the phase's resolution, as the pipeline feeds them.
"""

from __future__ import annotations

import dataclasses

from absl import app, flags

from benchmarks import step_timing

FLAGS = flags.FLAGS
flags.DEFINE_string("preset", "small", "PGGAN preset.")
flags.DEFINE_integer("image_size", 32, "Final resolution.")
flags.DEFINE_integer("rounds", 2, "Rounds; each times the step without and with XLA in turn.")
flags.DEFINE_integer("steps", 10, "Steps per form, phase and round.")


def main(argv: list[str]) -> None:
    del argv
    import tensorflow as tf

    from gan_tf import configs
    from gan_tf.models.pggan import build_pggan

    base = configs.get("pggan", dataset="mnist", preset=FLAGS.preset, image_size=FLAGS.image_size)
    print(f"preset {FLAGS.preset}, {FLAGS.image_size}x{FLAGS.image_size}, CPU")
    print("| phase | batch | graph steps/s | XLA steps/s | graph images/s | XLA images/s |")
    print("|---|---|---|---|---|---|")
    for index, phase in enumerate(base.phases()):
        steps = {}
        for jit in (False, True):
            model = build_pggan(dataclasses.replace(base, jit_compile=jit))
            middle = phase.begin_step + phase.steps // 2
            model.step.assign(middle)
            model.enter_phase(middle)
            side = phase.resolution
            real = tf.random.stateless_uniform([phase.batch_size, side, side, 1], [index, 1], -1, 1)
            steps[jit], _ = step_timing.prepared_step(model, real)
        rates = step_timing.interleaved_rates(steps, FLAGS.rounds, FLAGS.steps)
        graph, xla = rates[False], rates[True]
        kind = "fade-in" if phase.fading else "stable"
        print(
            f"| {phase.resolution}x{phase.resolution} {kind} | {phase.batch_size} | {graph:.2f} "
            f"| {xla:.2f} | {graph * phase.batch_size:.0f} | {xla * phase.batch_size:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    app.run(main)
