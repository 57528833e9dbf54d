"""What the models' train steps need to run alike on one device and on many replicas.

The strategy itself (`--strategy`, which process writes what) is chosen by the training layer
(`gan_tf.training.distribute`); these pieces live with the models, which use them while they
compile (XLA only on one replica), build (nothing left to build when `fit` starts), create their
networks (batch norm over the global batch) and return logs (a form Keras can average over
workers).
"""

from __future__ import annotations

import keras
import tensorflow as tf
from absl import logging

from gan_tf.models.precision import nested_layers


def jit_compile_of(config) -> bool:
    """Whether `config`'s train step is compiled with XLA: its `jit_compile` when forced on or
    off; for auto, XLA on a GPU or TPU (what Keras's own auto does) and on a CPU what the
    variant's config measured faster (`XLA_ON_CPU`, from `make bench`)."""
    requested = config.xla_requested()
    if requested is not None:
        return requested
    if tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("TPU"):
        return True
    return type(config).XLA_ON_CPU


def jit_compile_for(requested: bool | str, strategy: tf.distribute.Strategy) -> bool | str:
    """`requested`, or False (with a warning) when the step runs on more than one replica: Keras
    compiles the whole multi-replica step (its `strategy.run` call) as one XLA cluster, which
    XLA cannot place across devices."""
    replicas = strategy.num_replicas_in_sync
    if requested and replicas > 1:
        logging.warning(
            "jit_compile is not supported by Keras across %d replicas: steps run without XLA",
            replicas,
        )
        return False
    return requested


class BuiltBeforeFit:
    """Mixin for the gan_tf models, whose networks and optimizers are all built before `fit`.

    Under a tf.distribute strategy, Keras 3's `fit` first takes a batch from a fresh iterator of
    the training data to build the model symbolically (`_maybe_symbolic_build`; without a
    strategy it builds while tracing instead). With everything built there is nothing to do,
    but the fresh iterator advances a reshuffling dataset's order, so a run under
    `--strategy=mirrored` would train on other batches than the same run under `default`. This
    skips that step, as Keras does without a strategy.
    """

    def _maybe_symbolic_build(self, iterator=None, data_batch=None) -> None:
        del iterator, data_batch


def synchronize_batch_norm(networks, strategy: tf.distribute.Strategy) -> int:
    """Makes every BatchNormalization layer of `networks` compute its batch statistics over
    the global batch (Keras's `synchronized=True`: an all-reduce of the sums per call) when
    `strategy` has more than one replica; returns how many layers it changed.

    Without it each replica would normalise with the statistics of its own slice of the batch
    and keep its own moving averages, so N replicas would train differently from one device
    and the workers' weights would drift apart; GANs that scale out use cross-replica batch
    norm for this reason (BigGAN, Brock et al. 2019, sec. 3).
    """
    if strategy.num_replicas_in_sync == 1:
        return 0
    changed = 0
    for network in networks:
        for layer in nested_layers(network):
            if isinstance(layer, keras.layers.BatchNormalization) and not layer.synchronized:
                layer.synchronized = True
                changed += 1
    return changed


def keras_reducible(logs: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
    """A train step's scalar logs in a form Keras 3 can average over workers.

    Under multi-worker training Keras reduces each logged value with
    `strategy.reduce(MEAN, value, axis=0)`, which fails on scalars ("Invalid reduction
    dimension 0 for input with 0 dimensions", tensorflow/tensorflow#72388); there each value
    gets a leading axis of one, which that reduction removes again. Elsewhere `logs` is
    returned unchanged.
    """
    strategy = tf.distribute.get_strategy()
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return logs
    return {name: tf.reshape(value, [1]) for name, value in logs.items()}
