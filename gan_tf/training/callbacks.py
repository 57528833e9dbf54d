"""Keras callbacks that act on the run's global step: progress, TensorBoard, samples, checkpoints.

`fit` runs one epoch of all remaining steps; each callback turns Keras's batch index into the
global step (`start_step + batch + 1`), so a resumed run continues its logs where it stopped.
"""

from __future__ import annotations

import pathlib
import time

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from gan_tf.images import save_png
from gan_tf.models import precision
from gan_tf.training.samples import fixed_inputs, sample_grid


class GlobalStepCallback(keras.callbacks.Callback):
    """Base: knows the step the run (re)started from, and acts every `every` steps."""

    def __init__(self, start_step: int, every: int) -> None:
        super().__init__()
        self.start_step = start_step
        self.every = max(1, every)

    def on_train_batch_end(self, batch, logs=None):
        step = self.start_step + batch + 1
        if step % self.every == 0:
            self.on_step(step, logs or {})

    def on_step(self, step: int, logs: dict) -> None:
        raise NotImplementedError


class ProgressLogger(GlobalStepCallback):
    """Logs step, steps/s and the losses every `every` steps."""

    def __init__(self, start_step: int, every: int, total_steps: int) -> None:
        super().__init__(start_step, every)
        self.total_steps = total_steps
        self.steps_per_second: float | None = None

    def on_train_begin(self, logs=None):
        self._time, self._step = time.perf_counter(), self.start_step

    def on_step(self, step, logs):
        now = time.perf_counter()
        self.steps_per_second = (step - self._step) / max(now - self._time, 1e-9)
        self._time, self._step = now, step
        values = "  ".join(f"{k}={float(v):.4f}" for k, v in sorted(logs.items()))
        logging.info(
            "step %d/%d  %.2f steps/s  %s", step, self.total_steps, self.steps_per_second, values
        )


class ScalarSummaries(GlobalStepCallback):
    """Writes every logged value (losses, D outputs, gradient norms, penalties), the
    optimizers' learning rates and, under float16 mixed precision, their loss scales to
    TensorBoard.

    One step's summaries are written by one call of a `tf.function` (traced once), not by a
    dozen eager ops and host reads: per-step logging then costs about one function call, which
    matters for small, fast models (experiments/speed.md, "Per-step summaries").
    """

    def __init__(self, start_step: int, every: int, writer) -> None:
        super().__init__(start_step, every)
        self.writer = writer
        self._write_functions: dict[tuple[str, ...], tf.types.experimental.PolymorphicFunction] = {}

    def on_step(self, step, logs):
        names = tuple(logs)
        write = self._write_functions.get(names)
        if write is None:  # traced once per set of logged names (the same every step)
            write = tf.function(lambda s, v: self._write_step(s, names, v), autograph=False)
            self._write_functions[names] = write
        write(np.int64(step), np.array([logs[name] for name in names], np.float32))

    def _write_step(self, step, names: tuple[str, ...], values) -> None:
        with self.writer.as_default(step=step):
            for i, name in enumerate(names):
                tf.summary.scalar(name, values[i])
            for name in ("d_optimizer", "g_optimizer"):
                optimizer = getattr(self.model, name, None)
                if optimizer is None:
                    continue
                lr = tf.cast(optimizer.learning_rate, tf.float32)
                tf.summary.scalar(f"learning_rate/{name[0]}", lr)
                scale = precision.loss_scale(optimizer)
                if scale is not None:
                    tf.summary.scalar(f"loss_scale/{name[0]}", tf.cast(scale, tf.float32))


class SampleGrids(GlobalStepCallback):
    """Every `every` steps: a grid from fixed noise, as a PNG under samples/ and in TensorBoard."""

    def __init__(
        self,
        start_step: int,
        every: int,
        writer,
        workdir: str | pathlib.Path,
        seed: int = 0,
        raw_generator: bool = False,
    ) -> None:
        super().__init__(start_step, every)
        self.raw_generator = raw_generator  # G itself rather than its EMA
        self.writer = writer
        self.samples_dir = pathlib.Path(workdir) / "samples"
        self.seed = seed
        self.last_path: pathlib.Path | None = None

    def on_step(self, step, logs):
        self.write(step)

    def path(self, step: int) -> pathlib.Path:
        """Where the grid of `step` is (or will be) saved."""
        return self.samples_dir / f"step_{step:07d}.png"

    def write(self, step: int) -> pathlib.Path:
        if hasattr(self.model, "sample_grid"):
            # Models that do not map noise to images (image-to-image translation) draw their
            # own grid, e.g. fixed held-out inputs beside their translations.
            grid = self.model.sample_grid()
        else:
            z, labels, rows = fixed_inputs(self.model, seed=self.seed)
            grid = sample_grid(self.model, z, labels, rows, self.raw_generator)
        with self.writer.as_default(step=step):
            tf.summary.image("samples", grid[None], step=step)
        self.last_path = save_png(self.path(step), grid)
        return self.last_path


class PeriodicCheckpoint(GlobalStepCallback):
    def __init__(self, start_step: int, every: int, manager: tf.train.CheckpointManager) -> None:
        super().__init__(start_step, every)
        self.manager = manager

    def on_step(self, step, logs):
        self.manager.save(checkpoint_number=step)
