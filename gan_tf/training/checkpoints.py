"""Checkpoints that resume a run exactly: both networks, both optimizers and the step.

The networks' variables are reached through the model (generator, discriminator, including
batch-norm statistics); the optimizers' slots and iteration counts are saved with them; the
step counter also seeds every random draw, so a resumed run continues the same noise stream.
"""

from __future__ import annotations

import pathlib

import tensorflow as tf

from gan_tf.errors import UsageError

CHECKPOINT_DIR = "checkpoints"


def checkpoint_for(model) -> tf.train.Checkpoint:
    """A tf.train.Checkpoint over everything training changes in `model`.

    Variants with more than one generator or discriminator (CycleGAN, ...) list theirs in
    `model.checkpoint_objects()`; the default covers the adversarial core.
    """
    objects = getattr(model, "checkpoint_objects", None)
    if objects is not None:
        return tf.train.Checkpoint(**objects())
    return tf.train.Checkpoint(
        generator=model.generator,
        discriminator=model.discriminator,
        d_optimizer=model.d_optimizer,
        g_optimizer=model.g_optimizer,
        step=model.step,
    )


def checkpoint_manager(
    model, workdir: str | pathlib.Path, max_to_keep: int = 3
) -> tf.train.CheckpointManager:
    return tf.train.CheckpointManager(
        checkpoint_for(model),
        str(pathlib.Path(workdir) / CHECKPOINT_DIR),
        max_to_keep=max_to_keep,
        step_counter=model.step,
    )


def restore_latest(manager: tf.train.CheckpointManager, path: str | None = None) -> int:
    """Restores `path` (default: the manager's latest checkpoint); returns the restored step,
    or 0 when there is nothing to restore. A checkpoint that does not fit the model raises a
    UsageError instead of a long TF traceback."""
    path = path or manager.latest_checkpoint
    if not path:
        return 0
    try:
        manager.checkpoint.restore(path).assert_existing_objects_matched()
    except (ValueError, AssertionError, tf.errors.OpError) as e:
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UsageError(
            f"checkpoint {path} does not fit the model built from these settings "
            f"({first_line[:200]}): use the settings it was trained with, or a new --workdir"
        ) from None
    return int(manager.checkpoint.step.numpy()) if hasattr(manager.checkpoint, "step") else 0
