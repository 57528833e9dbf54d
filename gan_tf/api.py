"""The Python API beside the command line: build a variant from its config, train it, sample.

    import gan_tf
    config = gan_tf.configs.get("wgan_gp", dataset="mnist", train_steps=2000)
    model = gan_tf.build(config)
    gan_tf.train(model, config, workdir="runs/wgan_gp_mnist")
    images = gan_tf.sample(model, 16)

`train` is what `python -m gan_tf.experiments.<variant>` runs: the variant's training data,
checkpoints and resume, TensorBoard, sample grids and (with `eval_every`) evaluation.
"""

from __future__ import annotations

import pathlib
from typing import Any

import numpy as np

from gan_tf.configs.base import RunConfig


def build(config: RunConfig, strategy: Any = None):
    """The compiled model of `config` (its networks seeded by `config.seed`), its variables in
    `strategy`'s scope (default: the current strategy)."""
    import keras

    from gan_tf.models.zoo import build_model

    keras.utils.set_random_seed(config.seed)
    return build_model(config, strategy)


def train(model, config: RunConfig, workdir: str | pathlib.Path):
    """Trains `model` on `config`'s data up to `config.train_steps` in `workdir`, resuming the
    run there if one exists; returns a `gan_tf.training.runner.TrainResult`."""
    from gan_tf.metrics.periodic_evaluation import periodic_evaluation
    from gan_tf.training import distribute
    from gan_tf.training.runner import train as train_model

    def batches(start_step: int):
        # From the restored step on: a resumed run sees the batches it would have seen.
        pipeline = config.training_pipeline(start_step)
        return distribute.dataset_for(pipeline, model.distribute_strategy)

    return train_model(model, batches, config, workdir, make_evaluation=periodic_evaluation)


def sample(
    model, num: int, labels: Any = None, seed: int = 0, raw_generator: bool = False
) -> np.ndarray:
    """`num` images (num, h, w, c) float32 in [-1, 1] from noise of the model's latent
    distribution seeded by `seed`; class labels for a conditional model (default: cycling
    through the classes). The EMA generator when the model has one, unless `raw_generator`."""
    import tensorflow as tf

    from gan_tf.training.samples import generate_images

    z = model.fixed_latents((num,), seed=[seed, 7])
    if model.conditional and labels is None:
        labels = tf.range(num, dtype=tf.int32) % model.num_classes
    return generate_images(model, z, labels, raw_generator=raw_generator)


def run(config: RunConfig, workdir: str | pathlib.Path, strategy: Any = None):
    """Builds and trains `config` in `workdir` under `strategy` (default: the one
    `config.strategy` names): the whole of an experiment's command line after its flags."""
    from gan_tf.training import distribute
    from gan_tf.training.workdir import locked, resume_changes

    if strategy is None:
        strategy = distribute.make_strategy(config.strategy)
    # The lock and the settings check before the model is built and the data read.
    with locked(workdir, chief=distribute.is_chief(strategy)):
        resume_changes(pathlib.Path(workdir), config)
        return _build_and_train(config, workdir, strategy)


def _build_and_train(config: RunConfig, workdir: str | pathlib.Path, strategy: Any):
    from absl import logging

    from gan_tf.training import distribute

    distribute.check_global_batch(config.batch_size, strategy)
    replicas = strategy.num_replicas_in_sync
    logging.info(
        "strategy %s: %d replica(s); global batch %d, %d per replica; precision %s",
        config.strategy,
        replicas,
        config.batch_size,
        config.batch_size // replicas,
        config.mixed_precision,
    )
    return train(build(config, strategy), config, workdir)
