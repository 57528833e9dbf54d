"""The training runner: wires a compiled model, a dataset and the callbacks into `fit`.

# Lock.              one run per workdir (`gan_tf.training.workdir`); changed settings checked
# Resume.            restore the newest readable checkpoint of the workdir, if any, and start
#                    the data where the restored step left it
# Evaluate (set-up). with --eval_every: feature networks and cached real statistics, before
#                    any step (`make_evaluation`, gan_tf.metrics.periodic_evaluation)
# Train.             one fit() epoch of the remaining steps per phase of the model (one for
#                    most; progressive growing's change resolution), callbacks keyed by
#                    global step
# Interrupted.       Ctrl-C saves a checkpoint at the current step before exiting
# Finish.            final checkpoint and sample grid (and evaluation, with --eval_every)

Under tf.distribute the model was built in the strategy's scope (`gan_tf.models.zoo`) and
`fit` splits each global batch over the replicas. Under multi-worker training every worker runs
this same loop; only the chief writes into the workdir, the other workers write into temporary
directories (`gan_tf.training.distribute.output_dir`); all restore the workdir's checkpoints.
"""

from __future__ import annotations

import dataclasses
import pathlib
import time
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from gan_tf.configs.base import RunConfig
from gan_tf.errors import UsageError
from gan_tf.training import callbacks as cb
from gan_tf.training import distribute
from gan_tf.training.checkpoints import CHECKPOINT_DIR, checkpoint_manager, restore_latest
from gan_tf.training.workdir import locked, record_run, resume_changes


@dataclasses.dataclass
class TrainResult:
    start_step: int
    final_step: int
    seconds: float
    first_step_seconds: float | None  # includes tracing and XLA compilation
    steps_per_second: float | None  # after the first step
    sample_path: pathlib.Path | None


class _StepTimer(keras.callbacks.Callback):
    """The first step's time (tracing and compilation included) and the steps/s after each
    fit's first step, over all of a run's fits."""

    def __init__(self) -> None:
        super().__init__()
        self.first: float | None = None  # seconds to the end of the run's first step
        self.steps = 0  # steps after each fit's first
        self.seconds = 0.0  # and their time

    def on_train_begin(self, logs=None):
        self.begin = time.perf_counter()
        self.fit_first = None

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if self.fit_first is None:
            self.fit_first = self.last = now
            if self.first is None:
                self.first = now - self.begin
            return
        self.steps += 1
        self.seconds += now - self.last
        self.last = now


def weights_fingerprint(model) -> str:
    """`name=sum |w|` over the variables of each network in the model's checkpoint, e.g.
    "discriminator=12.3456789 generator=98.7654321": a cheap check that replicas or workers hold
    the same weights."""
    sums = []
    for name, value in sorted(model.checkpoint_objects().items()):
        if isinstance(value, keras.Model):
            total = sum(float(np.abs(keras.ops.convert_to_numpy(w)).sum()) for w in value.weights)
            sums.append(f"{name}={total:.9e}")
    return " ".join(sums)


def train(
    model,
    data: tf.data.Dataset | Callable[[int], tf.data.Dataset],
    config: RunConfig,
    workdir: str | pathlib.Path,
    make_evaluation: Callable[..., keras.callbacks.Callback] | None = None,
) -> TrainResult:
    """Trains `model` up to `config.train_steps`, resuming the run in `workdir`.

    `data(start_step)` gives the global batches from the restored step on (a config's
    `training_pipeline`), so that a resumed run sees the batches the uninterrupted run would
    have seen; a fixed `tf.data.Dataset` is used as it is, from its first batch. Under a
    strategy, `fit` distributes the batches. With `config.eval_every`,
    `make_evaluation(model, config, output_dir, writer, start_step)` makes the evaluation
    callback (`gan_tf.metrics.periodic_evaluation.periodic_evaluation`); it is passed in
    because metrics sit above training in the package's layers."""
    if config.eval_every and make_evaluation is None:
        raise UsageError(
            f"eval_every={config.eval_every} needs an evaluation callback: pass "
            "make_evaluation=gan_tf.metrics.periodic_evaluation.periodic_evaluation to train()"
        )
    workdir = pathlib.Path(workdir)
    strategy = model.distribute_strategy
    with locked(workdir, chief=distribute.is_chief(strategy)):
        changes = resume_changes(workdir, config)
        output_dir = distribute.output_dir(workdir, strategy)
        try:
            return _train(model, data, config, workdir, output_dir, make_evaluation, changes)
        finally:
            distribute.remove_output_dir(output_dir, workdir, strategy)


def _train(
    model,
    data: tf.data.Dataset | Callable[[int], tf.data.Dataset],
    config: RunConfig,
    workdir: pathlib.Path,
    output_dir: pathlib.Path,
    make_evaluation: Callable[..., keras.callbacks.Callback] | None,
    changes: dict[str, list],
) -> TrainResult:
    """`train`, writing into `output_dir` (the workdir, except on non-chief workers)."""
    manager = checkpoint_manager(model, output_dir, max_to_keep=config.keep_checkpoints)

    # Resume (every worker from the workdir's checkpoints).
    start_step = restore_latest(manager, str(workdir / CHECKPOINT_DIR))
    samples = cb.SampleGrids(
        start_step,
        config.sample_every,
        None,
        output_dir,
        seed=config.seed,
        raw_generator=getattr(config, "raw_generator", False),  # noise-to-image configs only
    )
    samples.set_model(model)
    if start_step >= config.train_steps:
        logging.info(
            "%s: already trained for %d >= %d steps; nothing to do",
            workdir,
            start_step,
            config.train_steps,
        )
        # Leave the finished run's record as it is: its run.json keeps the settings it was
        # trained with, and its last grid is written only if it is missing.
        grid = samples.path(start_step)
        if not grid.exists():
            samples.writer = tf.summary.create_file_writer(str(output_dir / "tensorboard"))
            grid = samples.write(start_step)
        return TrainResult(start_step, start_step, 0.0, None, None, grid)
    # The data before anything is written: a dataset that cannot be read leaves no run behind.
    model.enter_phase(start_step)
    dataset = data(start_step) if callable(data) else data
    writer = tf.summary.create_file_writer(str(output_dir / "tensorboard"))
    samples.writer = writer
    record_run(output_dir, config, start_step, changes)
    if start_step:
        logging.info("resuming %s from step %d", workdir, start_step)
    if changes:
        logging.info(
            "settings changed on resuming (recorded in run.json's history): %s",
            ", ".join(f"{k} {old!r} -> {new!r}" for k, (old, new) in changes.items()),
        )

    # Evaluate (set-up): networks and real statistics before the first step.
    evaluation = None
    if config.eval_every:
        evaluation = make_evaluation(model, config, output_dir, writer, start_step)

    # Train.
    timer = _StepTimer()
    callbacks = [
        timer,
        cb.ScalarSummaries(start_step, 1, writer),
        samples,
        cb.PeriodicCheckpoint(start_step, config.checkpoint_every, manager),
        cb.ProgressLogger(start_step, config.log_every, config.train_steps),
    ]
    if evaluation is not None:
        callbacks.append(evaluation)
    boundaries = [b for b in model.phase_boundaries() if start_step < b < config.train_steps]
    begin = time.perf_counter()
    try:
        for first, last in zip(
            [start_step, *boundaries], [*boundaries, config.train_steps], strict=True
        ):
            if first > start_step:  # a new phase: its step, its data
                model.enter_phase(first)
                dataset = data(first) if callable(data) else data
                for callback in callbacks:
                    if isinstance(callback, cb.GlobalStepCallback):
                        callback.start_step = first
            model.fit(
                dataset,
                epochs=1,
                steps_per_epoch=last - first,
                callbacks=callbacks,
                verbose=0,
                shuffle=False,
            )
    except KeyboardInterrupt:
        # Interrupted: keep everything done so far.
        step = int(model.step.numpy())
        manager.save(checkpoint_number=step)
        writer.flush()
        logging.warning(
            "interrupted at step %d: checkpoint saved in %s; run the same command to resume",
            step,
            manager.directory,
        )
        raise

    # Finish.
    final_step = int(model.step.numpy())
    if manager.latest_checkpoint is None or not manager.latest_checkpoint.endswith(
        f"-{final_step}"
    ):
        manager.save(checkpoint_number=final_step)
    sample_path = samples.write(final_step)
    if evaluation is not None and final_step > start_step:
        evaluation.evaluate(final_step)  # The final generator is always evaluated.
    writer.flush()
    seconds = time.perf_counter() - begin
    steps_per_second = timer.steps / max(timer.seconds, 1e-9) if timer.steps else None
    first = timer.first
    logging.info(
        "trained %s to step %d in %.1f s (first step %.1f s, then %.2f steps/s); samples: %s",
        config.variant,
        final_step,
        seconds,
        first or 0.0,
        steps_per_second or 0.0,
        sample_path,
    )
    # Workers of a multi-worker run must hold the same weights: compare this line across them.
    logging.info("weights fingerprint: %s", weights_fingerprint(model))
    return TrainResult(start_step, final_step, seconds, first, steps_per_second, sample_path)
