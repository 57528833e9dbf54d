"""Builds a compiled model of any variant from a `RunConfig`.

Each variant is one builder function registered in `VARIANTS`; `build_model(config)` looks it
up. The experiments, `generate` and `evaluate` all build models this way, so a workdir's
`run.json` is enough to rebuild its networks.
"""

from __future__ import annotations

from collections.abc import Callable

import keras

from gan_tf import losses
from gan_tf.config import RunConfig
from gan_tf.errors import UsageError
from gan_tf.models.adversarial import AdversarialModel
from gan_tf.networks import dcgan as dcgan_networks
from gan_tf.networks import mlp as mlp_networks

ARCHITECTURES = ("mlp", "dcgan")


def build_networks(config: RunConfig, *, discriminator_norm: str = "batch",
                   discriminator_bias: bool = True) -> tuple[keras.Model, keras.Model]:
    """(generator, discriminator) of `config.architecture` for the config's image shape."""
    shape = (config.image_size, config.image_size, config.channels)
    classes = config.num_classes  # set only for conditional variants
    if config.architecture == "mlp":
        return (
            mlp_networks.mlp_generator(config.latent_dim, shape, num_classes=classes),
            mlp_networks.mlp_discriminator(shape, num_classes=classes),
        )
    if config.architecture == "dcgan":
        return (
            dcgan_networks.dcgan_generator(
                config.latent_dim, config.image_size, config.channels, config.base_filters,
                num_classes=classes),
            dcgan_networks.dcgan_discriminator(
                config.image_size, config.channels, config.base_filters, num_classes=classes,
                normalization=discriminator_norm, use_bias=discriminator_bias),
        )
    raise UsageError(
        f"unknown architecture {config.architecture!r}: choose one of {', '.join(ARCHITECTURES)}")


def adam(learning_rate: float, config: RunConfig) -> keras.optimizers.Optimizer:
    return keras.optimizers.Adam(learning_rate, beta_1=config.beta_1, beta_2=config.beta_2)


def build_gan(config: RunConfig) -> AdversarialModel:
    """The original GAN (Goodfellow et al. 2014) or DCGAN (Radford et al. 2016): the core with
    the cross-entropy losses; `config.g_loss` picks minimax or non-saturating for G."""
    if config.g_loss not in ("minimax", "non_saturating"):
        raise UsageError(f"--g_loss must be minimax or non_saturating, got {config.g_loss!r}")
    generator, discriminator = build_networks(config)
    model = AdversarialModel(
        generator, discriminator, latent_dim=config.latent_dim, d_steps=config.d_steps,
        g_steps=config.g_steps, seed=config.seed, name=config.variant)
    model.compile(
        d_optimizer=adam(config.d_learning_rate, config),
        g_optimizer=adam(config.g_learning_rate, config),
        d_loss_fn=losses.minimax_discriminator_loss,
        g_loss_fn=losses.GENERATOR_LOSSES[config.g_loss],
        jit_compile=config.jit_compile,
    )
    return model


Builder = Callable[[RunConfig], AdversarialModel]

VARIANTS: dict[str, Builder] = {
    "gan": build_gan,
    "dcgan": build_gan,
}


def build_model(config: RunConfig) -> AdversarialModel:
    """A compiled model of `config.variant`, optimizers built (ready for a checkpoint restore)."""
    if config.variant not in VARIANTS:
        raise UsageError(
            f"unknown variant {config.variant!r}: choose one of {', '.join(VARIANTS)}")
    model = VARIANTS[config.variant](config)
    model.build_optimizers()
    return model
