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


def load_run(workdir: str | pathlib.Path, checkpoint: str | None = None):
    """(model, config, step): a run's model rebuilt from its ``run.json``, with the weights of
    ``checkpoint`` (a prefix such as ``RUN/checkpoints/ckpt-500``; default the latest).

    Used by ``gan_tf.generate`` and ``gan_tf.evaluate``. Raises a UsageError when the workdir
    holds no run, no checkpoint, or not the given one.
    """
    from gan_tf.config import RunConfig
    from gan_tf.models.zoo import build_model

    config = RunConfig.load(workdir)
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
    step = restore_latest(manager, checkpoint)
    return model, config, step
