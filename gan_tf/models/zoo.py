"""Builds a compiled model of any variant from its config.

Each variant's config names its builder (`BUILDER`, "module:function", imported only when that
variant is built, so each variant's file stays its own); `build_model(config)` calls it. The
experiments, `generate` and `evaluate` all build models this way, so a workdir's `run.json` is
enough to rebuild its networks.

`build_model` runs the builder under the config's mixed precision policy (so every layer takes
it) and inside the strategy's scope (so variables and optimizer slots are mirrored over its
replicas); with more than one replica, batch norm is synchronised over the global batch.
"""

from __future__ import annotations

import importlib

import keras
import tensorflow as tf

from gan_tf.configs.base import RunConfig
from gan_tf.configs.gan import CrossEntropyGANConfig
from gan_tf.models import precision, replicas
from gan_tf.models.base import AdversarialModel
from gan_tf.models.factory import (
    adam_optimizers,
    build_networks,
    core_arguments,
    cross_entropy_losses,
)
from gan_tf.models.noise_to_image import NoiseToImageGAN


def build_gan(config: CrossEntropyGANConfig) -> NoiseToImageGAN:
    """The original GAN (Goodfellow et al. 2014) or DCGAN (Radford et al. 2016): the core with
    the cross-entropy losses; `config.g_loss` picks minimax or non-saturating for G."""
    generator, discriminator = build_networks(config)
    model = NoiseToImageGAN(generator, discriminator, **core_arguments(config, generator))
    model.compile(
        **adam_optimizers(config),
        **cross_entropy_losses(config),
        jit_compile=replicas.jit_compile_of(config),
    )
    return model


def build_model(config: RunConfig, strategy: tf.distribute.Strategy | None = None):
    """A compiled model of `config`'s variant, optimizers built (ready for a checkpoint
    restore), its layers under `config.mixed_precision`'s dtype policy, its variables created
    in `strategy`'s scope (default: the current strategy)."""
    module_name, function = type(config).BUILDER.split(":")
    builder = getattr(importlib.import_module(module_name), function)
    strategy = strategy or tf.distribute.get_strategy()
    with strategy.scope(), precision.dtype_policy(config.mixed_precision):
        model: AdversarialModel = builder(config)
    networks = [v for v in model.checkpoint_objects().values() if isinstance(v, keras.Model)]
    replicas.synchronize_batch_norm(networks, strategy)
    return model
