"""Checkpoints that resume a run exactly: the networks, the optimizers and the step.

What a checkpoint holds is `model.checkpoint_objects()`: the networks (including batch-norm
statistics), the optimizers' slots and iteration counts, and the step counter, which also seeds
every random draw, so a resumed run continues the same noise stream.

Optimizers are saved under their own names as the plain optimizer they are or wrap, so a
float32 run and a float16 run (whose optimizers are `LossScaleOptimizer`s) share one layout;
the loss scale's state goes under `<name>_loss_scale` (`optimizer_entries`). A run can thus
resume with another `--mixed_precision` (a float16 run resumed from a checkpoint without loss
scale state starts the scale afresh) and, since tf.distribute saves one copy of each mirrored
variable, under another `--strategy` and number of replicas.
"""

from __future__ import annotations

import pathlib
from typing import Any

import tensorflow as tf
from absl import logging

from gan_tf.errors import UsageError
from gan_tf.models.base import NETWORK_WEIGHTS
from gan_tf.models.updates import LOSS_SCALE_SUFFIX

CHECKPOINT_DIR = "checkpoints"


def checkpoint_for(model) -> tf.train.Checkpoint:
    """A tf.train.Checkpoint over everything training changes in `model`, as listed by its
    `checkpoint_objects()` (networks, optimizers, step; CycleGAN adds its image pools)."""
    return tf.train.Checkpoint(**model.checkpoint_objects())


class RunCheckpointManager(tf.train.CheckpointManager):
    """A CheckpointManager that remembers the objects of its checkpoint by name, so that
    `restore_latest` can leave out the loss scale state a checkpoint does not have."""

    def __init__(self, objects: dict[str, Any], directory: str, **kwargs) -> None:
        super().__init__(tf.train.Checkpoint(**objects), directory, **kwargs)
        self.objects = dict(objects)


def checkpoint_manager(
    model, workdir: str | pathlib.Path, max_to_keep: int = 3
) -> RunCheckpointManager:
    """Manages the checkpoints of `model` in `workdir/checkpoints`, keeping the newest
    `max_to_keep` (`--keep_checkpoints`)."""
    return RunCheckpointManager(
        model.checkpoint_objects(),
        str(pathlib.Path(workdir) / CHECKPOINT_DIR),
        max_to_keep=max_to_keep,
        step_counter=model.step,
    )


def _restorable(manager: tf.train.CheckpointManager, path: str) -> tf.train.Checkpoint:
    """The manager's checkpoint, without the loss scale entries that `path` lacks (a float16
    run resumed from a float32 one): those keep their initial values."""
    objects = getattr(manager, "objects", None)
    if objects is None:
        return manager.checkpoint
    saved = {name.split("/", 1)[0] for name, _ in tf.train.list_variables(path)}
    # Loss scales (float16 resumed from float32) and the flat weight lists (checkpoints written
    # before them, whose networks' weights are all found by their other paths) may be absent.
    optional = [k for k in objects if k.endswith(LOSS_SCALE_SUFFIX) or k == NETWORK_WEIGHTS]
    absent = [k for k in optional if k not in saved]
    if not absent:
        return manager.checkpoint
    logging.info("%s has no %s: restored without", path, ", ".join(absent))
    return tf.train.Checkpoint(**{k: v for k, v in objects.items() if k not in absent})


def unreadable(path: str) -> str | None:
    """Why checkpoint `path` cannot be read (truncated, corrupted, files missing), or None when
    every tensor in it reads back: TF checks each tensor's checksum as it reads it."""
    try:
        reader = tf.train.load_checkpoint(path)
        for name in reader.get_variable_to_shape_map():
            reader.get_tensor(name)
    except (tf.errors.OpError, IndexError, ValueError, OSError) as e:
        lines = str(e).strip().splitlines()
        return (lines[0] if lines else type(e).__name__)[:200]
    return None


def restore(manager: tf.train.CheckpointManager, path: str) -> int:
    """Restores checkpoint `path` into the manager's objects; returns its step. Raises a
    UsageError (one line) for an unreadable checkpoint or one that does not fit the model."""
    problem = unreadable(path)
    if problem:
        raise UsageError(f"checkpoint {path} is unreadable ({problem})")
    try:
        _restorable(manager, path).restore(path).assert_existing_objects_matched()
    except (ValueError, AssertionError, tf.errors.OpError) as e:
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UsageError(
            f"checkpoint {path} does not fit the model built from these settings "
            f"({first_line[:200]}): use the settings it was trained with, or a new --workdir"
        ) from None
    return int(manager.checkpoint.step.numpy()) if hasattr(manager.checkpoint, "step") else 0


def restore_latest(manager: tf.train.CheckpointManager, directory: str | None = None) -> int:
    """Restores the newest readable checkpoint of `directory` (default: the manager's) and
    returns its step, 0 when there is none. An unreadable newer one (a disk that filled up, a
    copy cut short) is skipped with a warning; if none can be read, a UsageError says so."""
    state = tf.train.get_checkpoint_state(directory or manager.directory)
    paths = list(state.all_model_checkpoint_paths) if state else []
    if state and state.model_checkpoint_path and state.model_checkpoint_path not in paths:
        paths.append(state.model_checkpoint_path)
    problems = []
    for path in reversed(paths):
        problem = unreadable(path)
        if problem is None:
            if problems:
                logging.warning("%s: resuming from the previous one, %s", "; ".join(problems), path)
            return restore(manager, path)
        problems.append(f"checkpoint {path} is unreadable ({problem})")
    if problems:
        raise UsageError(f"no readable checkpoint: {'; '.join(problems)}: use a new --workdir")
    return 0


def load_run(workdir: str | pathlib.Path, checkpoint: str | None = None):
    """(model, config, step): a run's model rebuilt from its ``run.json``, with the weights of
    ``checkpoint`` (a prefix such as ``RUN/checkpoints/ckpt-500``; default the latest).

    Used by ``gan_tf.generate`` and ``gan_tf.evaluate``. Raises a UsageError when the workdir
    holds no run, no checkpoint, or not the given one.
    """
    from gan_tf import configs
    from gan_tf.models.zoo import build_model

    config = configs.load(workdir)
    if config is None:
        raise UsageError(f"{workdir} holds no run (no run.json): pass a training --workdir")
    model = build_model(config)
    manager = checkpoint_manager(model, workdir)
    if not (checkpoint or manager.latest_checkpoint):
        raise UsageError(f"{workdir} has no checkpoint yet: train first")
    if checkpoint and not tf.io.gfile.exists(f"{checkpoint}.index"):
        raise UsageError(
            f"no checkpoint {checkpoint} (no {checkpoint}.index): pass a prefix such as "
            f"{manager.directory}/ckpt-<step>, or leave --checkpoint out for the latest"
        )
    step = restore(manager, checkpoint) if checkpoint else restore_latest(manager)
    return model, config, step
