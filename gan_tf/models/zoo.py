"""Builds a compiled model of any variant from a `RunConfig`.

Each variant is one builder function registered in `VARIANTS`; `build_model(config)` looks it
up. The experiments, `generate` and `evaluate` all build models this way, so a workdir's
`run.json` is enough to rebuild its networks.

`build_model` runs the builder under the config's mixed precision policy (so every layer takes
it) and inside the strategy's scope (so variables and optimizer slots are mirrored over its
replicas); with more than one replica, batch norm is synchronised over the global batch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import keras
import tensorflow as tf

from gan_tf.config import RunConfig
from gan_tf.errors import UsageError
from gan_tf.models import precision, replicas
from gan_tf.models.adversarial import AdversarialModel
from gan_tf.models.factory import (
    adam_optimizers,
    build_networks,
    core_arguments,
    cross_entropy_losses,
)


def build_gan(config: RunConfig) -> AdversarialModel:
    """The original GAN (Goodfellow et al. 2014) or DCGAN (Radford et al. 2016): the core with
    the cross-entropy losses; `config.g_loss` picks minimax or non-saturating for G."""
    generator, discriminator = build_networks(config)
    model = AdversarialModel(
        generator,
        discriminator,
        **core_arguments(config),
    )
    model.compile(
        **adam_optimizers(config),
        **cross_entropy_losses(config),
        jit_compile=config.jit_compile,
    )
    return model


Builder = Callable[[RunConfig], AdversarialModel]

# Variant name -> its builder, as "module:function" so that a variant's module is imported only
# when that variant is built (and each variant's file stays its own).
VARIANTS: dict[str, str] = {
    "gan": "gan_tf.models.zoo:build_gan",
    "dcgan": "gan_tf.models.zoo:build_gan",
    "wgan": "gan_tf.models.wgan:build_wgan",
    "wgan_gp": "gan_tf.models.wgan_gp:build_wgan_gp",
    "lsgan": "gan_tf.models.lsgan:build_lsgan",
    "cgan": "gan_tf.models.cgan:build_cgan",
    "pix2pix": "gan_tf.models.pix2pix:build_pix2pix",
    "cyclegan": "gan_tf.models.cyclegan:build_cyclegan",
    "stargan": "gan_tf.models.stargan:build_stargan",
}


def builder_for(variant: str) -> Builder:
    if variant not in VARIANTS:
        raise UsageError(f"unknown variant {variant!r}: choose one of {', '.join(VARIANTS)}")
    module_name, function = VARIANTS[variant].split(":")
    return getattr(importlib.import_module(module_name), function)


def build_model(config: RunConfig, strategy: tf.distribute.Strategy | None = None):
    """A compiled model of `config.variant`, optimizers built (ready for a checkpoint restore),
    its layers under `config.mixed_precision`'s dtype policy, its variables created in
    `strategy`'s scope (default: the current strategy)."""
    builder = builder_for(config.variant)
    strategy = strategy or tf.distribute.get_strategy()
    with strategy.scope(), precision.dtype_policy(config.mixed_precision):
        model = builder(config)
        model.build_optimizers()
    networks = [v for v in model.checkpoint_objects().values() if isinstance(v, keras.Model)]
    replicas.synchronize_batch_norm(networks, strategy)
    return model
