"""The pieces of one optimizer update that `AdversarialModel.minimize` puts together, right
under tf.distribute and float16 loss scaling:

- the loss a replica differentiates is its share of the global mean loss (divided by the number
  of replicas: the optimizer sums the replicas' gradients), multiplied by the loss scale of a
  `LossScaleOptimizer` (Micikevicius et al. 2018, sec. 3.2: small float16 gradients would
  otherwise underflow);
- `apply_gradients` gives the scaled gradients to the optimizer; a `LossScaleOptimizer` divides
  them by the scale, and when any is not finite it skips the update and halves the scale
  (Keras's dynamic loss scaling). It returns the norm of the unscaled gradient for logging.

The training step counter (`step_counter`) and the checkpoint entries of the optimizers
(`optimizer_entries`) live here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import tensorflow as tf

from gan_tf.models import precision


def step_counter() -> keras.Variable:
    """The number of training steps done: checkpointed, and part of every random seed.

    Every replica counts the same steps, so each keeps its own copy ("on read": no
    cross-device update inside the step, which XLA could not compile) and reading it outside
    the step takes the first replica's.
    """
    return keras.Variable(
        0,
        dtype="int64",
        trainable=False,
        name="step",
        synchronization="on_read",
        aggregation="only_first_replica",
    )


def num_replicas() -> int:
    return tf.distribute.get_strategy().num_replicas_in_sync


def apply_gradients(
    optimizer: keras.optimizers.Optimizer,
    gradients: Sequence[tf.Tensor | None],
    variables: Sequence,
) -> tf.Tensor:
    """Applies the gradients of a replica's scaled loss and returns the norm of the gradient of this
    replica's mean loss (unscaled), for logging; Keras averages logged values over replicas.

    Under loss scaling an update whose gradients overflowed is skipped, and its norm is
    returned as it is (inf or NaN): the log shows which updates were skipped.
    """
    gradients = list(gradients)
    scale = precision.loss_scale(optimizer)
    replicas = num_replicas()
    if scale is not None and replicas > 1:
        gradients = _non_finite_everywhere_if_anywhere(gradients)
    # Variables the loss does not use (PGGAN's blocks of other resolutions) have no gradient
    # and are left alone, without Keras's warning.
    used = [(g, v) for g, v in zip(gradients, variables, strict=True) if g is not None]
    norm = tf.linalg.global_norm([g for g, _ in used]) * replicas
    if scale is not None:
        norm = norm / tf.convert_to_tensor(scale)  # read before `apply` may change the scale
    optimizer.apply([g for g, _ in used], [v for _, v in used])
    return norm


def _non_finite_everywhere_if_anywhere(
    gradients: list[tf.Tensor | None],
) -> list[tf.Tensor | None]:
    """Makes the replicas agree on skipping a loss-scaled update.

    Keras's `LossScaleOptimizer` decides from one replica's gradients, before they are summed,
    whether they are finite; if only another replica overflowed, the summed gradients would be
    applied with an infinity in them. So when any replica's gradients are not finite, every
    replica's become NaN (one all-reduce of a flag), and all skip the update together.
    """
    present = [g for g in gradients if g is not None]
    finite = tf.reduce_all([tf.reduce_all(tf.math.is_finite(g)) for g in present])
    context = tf.distribute.get_replica_context()
    overflowed = context.all_reduce(tf.distribute.ReduceOp.SUM, 1.0 - tf.cast(finite, tf.float32))
    factor = tf.where(overflowed > 0.0, float("nan"), 1.0)
    return [None if g is None else g * tf.cast(factor, g.dtype) for g in gradients]


LOSS_SCALE_SUFFIX = "_loss_scale"


def optimizer_entries(**optimizers: keras.optimizers.Optimizer) -> dict[str, Any]:
    """Checkpoint entries for optimizers given by name: each under its name as the optimizer it
    is (or wraps, for a `LossScaleOptimizer`), plus `<name>_loss_scale` for a loss-scaled one."""
    entries: dict[str, Any] = {}
    for name, optimizer in optimizers.items():
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            entries[name] = optimizer.inner_optimizer
            entries[name + LOSS_SCALE_SUFFIX] = optimizer
        else:
            entries[name] = optimizer
    return entries


def reset_optimizer_state(optimizer: keras.optimizers.Optimizer) -> None:
    """Zeroes an optimizer's state, its update count and slots (Adam's moments), keeping its
    learning rate: as at its first update (PGGAN's train.py `reset_opt_for_new_lod`). A
    `LossScaleOptimizer`'s loss scale is kept too."""
    inner = getattr(optimizer, "inner_optimizer", optimizer)
    for variable in inner.variables:
        if variable.path.split("/")[-1] != "learning_rate":
            variable.assign(keras.ops.zeros_like(variable))
