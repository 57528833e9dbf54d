"""Networks and optimizers from a `RunConfig`: the pieces every variant's builder shares."""

from __future__ import annotations

from typing import Any

import keras

from gan_tf import losses
from gan_tf.config import RunConfig
from gan_tf.errors import UsageError
from gan_tf.networks import dcgan as dcgan_networks
from gan_tf.networks import mlp as mlp_networks

ARCHITECTURES = ("mlp", "dcgan")


def build_networks(
    config: RunConfig, *, discriminator_norm: str = "batch", discriminator_bias: bool = True
) -> tuple[keras.Model, keras.Model]:
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
                config.latent_dim,
                config.image_size,
                config.channels,
                config.base_filters,
                num_classes=classes,
            ),
            dcgan_networks.dcgan_discriminator(
                config.image_size,
                config.channels,
                config.base_filters,
                num_classes=classes,
                normalization=discriminator_norm,
                use_bias=discriminator_bias,
            ),
        )
    raise UsageError(
        f"unknown architecture {config.architecture!r}: choose one of {', '.join(ARCHITECTURES)}"
    )


def refuse_critic_options(config: RunConfig, given: list[str]) -> None:
    """Refuse critic options (`--critic_norm=...`, `--nocritic_bias`) that only the DCGAN critic
    takes, rather than ignore them for another architecture; `given`: those not at their
    default."""
    if given and config.architecture != "dcgan":
        options = " and ".join(given)
        raise UsageError(
            f"{options} {'changes' if len(given) == 1 else 'change'} the DCGAN critic; the "
            f"{config.architecture} critic has no such option: drop {options} or use "
            "--architecture=dcgan"
        )


def adam(learning_rate: float, config: RunConfig) -> keras.optimizers.Optimizer:
    return keras.optimizers.Adam(learning_rate, beta_1=config.beta_1, beta_2=config.beta_2)


def core_arguments(config: RunConfig) -> dict[str, Any]:
    """The `AdversarialModel` arguments every noise-to-image variant takes from its config."""
    return {
        "latent_dim": config.latent_dim,
        "d_steps": config.d_steps,
        "g_steps": config.g_steps,
        "seed": config.seed,
        "name": config.variant,
    }


def adam_optimizers(config: RunConfig) -> dict[str, keras.optimizers.Optimizer]:
    """`compile`'s d_optimizer and g_optimizer: Adam at each network's learning rate."""
    return {
        "d_optimizer": adam(config.d_learning_rate, config),
        "g_optimizer": adam(config.g_learning_rate, config),
    }


def cross_entropy_losses(config: RunConfig) -> dict[str, Any]:
    """`compile`'s losses for the cross-entropy GANs (Goodfellow et al. 2014): the minimax D
    loss, and the minimax or non-saturating G loss that `config.g_loss` names."""
    if config.g_loss not in ("minimax", "non_saturating"):
        raise UsageError(f"--g_loss must be minimax or non_saturating, got {config.g_loss!r}")
    return {
        "d_loss_fn": losses.minimax_discriminator_loss,
        "g_loss_fn": losses.GENERATOR_LOSSES[config.g_loss],
    }
