"""Networks, optimizers and hooks from a config: the pieces every variant's builder shares."""

from __future__ import annotations

import dataclasses
from typing import Any

import keras

from gan_tf import losses
from gan_tf.configs.base import RunConfig
from gan_tf.configs.families import NoiseToImageConfig
from gan_tf.configs.gan import G_LOSSES, CrossEntropyGANConfig
from gan_tf.errors import UsageError
from gan_tf.models.fused_adam import FusedAdam
from gan_tf.models.hooks import GeneratorEMA
from gan_tf.models.regularizers import R1Penalty, Regularizer, lazy_adam_settings
from gan_tf.networks import dcgan as dcgan_networks
from gan_tf.networks import infogan as infogan_networks
from gan_tf.networks import mlp as mlp_networks


def build_networks(
    config: NoiseToImageConfig,
    *,
    discriminator_norm: str | None = None,
    discriminator_bias: bool = True,
) -> tuple[keras.Model, keras.Model]:
    """(generator, discriminator) of `config.architecture` for the config's image shape;
    `discriminator_norm` / `discriminator_bias`: the convolutional critic's (default: the
    config's `critic_norm`, batch norm for a config without one)."""
    if discriminator_norm is None:
        discriminator_norm = getattr(config, "critic_norm", "batch")
    shape = (config.image_size, config.image_size, config.channels)
    classes = config.num_classes  # set only for conditional variants
    if config.architecture == "mlp":
        given = [f"--init={config.init}"] if config.init != "normal" else []
        if config.base_filters is not None:
            given.append(f"--base_filters={config.base_filters}")
        norm = getattr(config, "critic_norm", None)
        if norm is not None and norm != field_default(config, "critic_norm"):
            given.append(f"--critic_norm={norm}")
        refuse_dcgan_options(config, given)
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
                init=config.init,
            ),
            dcgan_networks.dcgan_discriminator(
                config.image_size,
                config.channels,
                config.base_filters,
                num_classes=classes,
                normalization=discriminator_norm,
                use_bias=discriminator_bias,
                init=config.init,
            ),
        )
    if config.architecture == "infogan":
        if classes:
            raise UsageError(
                "the InfoGAN networks of the large-scale study are unconditional: use "
                "--architecture=dcgan or mlp for a conditional model"
            )
        if config.base_filters is not None:
            raise UsageError(
                f"--base_filters={config.base_filters} changes the DCGAN networks; the "
                "InfoGAN networks have the study's fixed widths: drop --base_filters"
            )
        return (
            infogan_networks.infogan_generator(
                config.latent_dim, config.image_size, config.channels, init=config.init
            ),
            infogan_networks.infogan_discriminator(
                config.image_size,
                config.channels,
                normalization=discriminator_norm,
                use_bias=discriminator_bias,
                init=config.init,
            ),
        )
    raise UsageError(
        f"unknown architecture {config.architecture!r}: choose one of "
        + ", ".join(config.ARCHITECTURES)
    )


def field_default(config: RunConfig, name: str):
    """The default of field `name` of the config's class."""
    field = next(f for f in dataclasses.fields(config) if f.name == name)
    if field.default is dataclasses.MISSING:
        return field.default_factory()
    return field.default


def refuse_dcgan_options(config: RunConfig, given: list[str]) -> None:
    """Refuse options that only the convolutional networks (DCGAN's, the study's InfoGAN)
    take (`--critic_norm=...`, `--nocritic_bias`, `--init`) rather than ignore them for the
    MLP; `given`: those not at their default."""
    if given and config.architecture == "mlp":
        options = " and ".join(given)
        raise UsageError(
            f"{options} {'changes' if len(given) == 1 else 'change'} the DCGAN networks; the "
            f"{config.architecture} networks have no such option: drop {options} or use "
            "--architecture=dcgan"
        )


def d_regularizers(config: NoiseToImageConfig) -> list[Regularizer]:
    """D's regularisers the config asks for: R1 with weight gamma / 2 (Mescheder et al. 2018,
    eq. 9), every `d_reg_interval` D updates."""
    if config.d_reg_interval > 1 and not config.r1_gamma:
        raise UsageError(
            f"--d_reg_interval={config.d_reg_interval} sets how often D's regulariser is "
            "applied, and D has none: add --r1_gamma or drop --d_reg_interval"
        )
    if config.d_reg_interval > 1 and config.strategy != "default":
        raise UsageError(
            "--d_reg_interval > 1 runs on one device only (tf.distribute cannot aggregate "
            "gradients inside the conditional update): drop --strategy or use 1"
        )
    if not config.r1_gamma:
        return []
    return [R1Penalty(weight=config.r1_gamma / 2, interval=config.d_reg_interval)]


def generator_ema(config: NoiseToImageConfig, generator: keras.Model) -> GeneratorEMA | None:
    """The EMA generator the config asks for, or None (`ema_decay` 0)."""
    if not config.ema_decay:
        if config.ema_start:
            raise UsageError("--ema_start needs an EMA generator: add --ema_decay (e.g. 0.999)")
        return None
    if not 0.0 < config.ema_decay < 1.0:
        raise UsageError(f"--ema_decay must be in (0, 1), got {config.ema_decay}")
    return GeneratorEMA(generator, config.ema_decay, config.ema_start)


def adam(
    learning_rate: Any,
    beta_1: float,
    beta_2: float,
    reg_interval: int = 1,
    epsilon: float | None = None,
) -> keras.optimizers.Optimizer:
    """Adam, with the lazy-regularisation adjustment when a regulariser of the network it
    trains is applied every `reg_interval` updates (`lazy_adam_settings`); `epsilon`: Adam's
    (default Keras's, 1e-7)."""
    if reg_interval > 1:
        learning_rate, beta_1, beta_2 = lazy_adam_settings(
            learning_rate, beta_1, beta_2, reg_interval
        )
    extra = {} if epsilon is None else {"epsilon": epsilon}
    return FusedAdam(learning_rate, beta_1=beta_1, beta_2=beta_2, **extra)


def augmentation(config: NoiseToImageConfig):
    """The `gan_tf.augment.base.Augmentation` of the config's `--augment`, or None; a
    UsageError for a setting of another augmentation than the chosen one."""
    owners = {"diffaugment_policy": "diffaugment", "ada_target": "ada", "ada_interval": "ada",
              "ada_images": "ada", "ada_p": "ada_fixed"}  # fmt: skip
    for name, owner in owners.items():
        if config.augment != owner and getattr(config, name) != field_default(config, name):
            raise UsageError(f"--{name} needs --augment={owner}")
    if config.augment == "none":
        return None
    if config.augment in ("ada", "ada_fixed"):
        from gan_tf.augment.ada import AdaptiveAugmentation

        if config.augment == "ada":
            return AdaptiveAugmentation(
                target=config.ada_target,
                interval=config.ada_interval,
                speed_images=config.ada_images,
            )
        if config.ada_p == 0.0:
            raise UsageError("--augment=ada_fixed needs its strength: --ada_p in (0, 1]")
        return AdaptiveAugmentation(p=config.ada_p, adjusted=False)
    from gan_tf.augment.diffaugment import POLICIES, DiffAugment

    policy = tuple(config.diffaugment_policy)
    try:
        return DiffAugment(policy)
    except ValueError:
        raise UsageError(
            f"--diffaugment_policy takes {', '.join(POLICIES)}, got {','.join(policy) or 'none'}"
        ) from None


def core_arguments(config: NoiseToImageConfig, generator: keras.Model) -> dict[str, Any]:
    """The `NoiseToImageGAN` arguments every noise-to-image variant takes from its config."""
    return {
        "latent_dim": config.latent_dim,
        "d_steps": config.d_steps,
        "g_steps": config.g_steps,
        "seed": config.seed,
        "d_regularizers": d_regularizers(config),
        "latent_distribution": config.latent_distribution,
        "ema": generator_ema(config, generator),
        "augmentation": augmentation(config),
        "name": config.variant,
    }


def d_reg_interval(config: RunConfig) -> int:
    """How often D's regulariser has its own update (1: never lazy), for its optimizer's
    adjustment: `d_reg_interval` when the config has R1, else 1."""
    if isinstance(config, NoiseToImageConfig) and config.r1_gamma:
        return config.d_reg_interval
    return 1


def adam_optimizers(config: RunConfig) -> dict[str, keras.optimizers.Optimizer]:
    """`compile`'s d_optimizer and g_optimizer: Adam at each network's learning rate and the
    config's betas (and epsilon, for a config with `adam_epsilon`), D's adjusted for a lazy
    regulariser."""
    d_interval = d_reg_interval(config)
    epsilon = getattr(config, "adam_epsilon", None)
    betas = (config.beta_1, config.beta_2)
    return {
        "d_optimizer": adam(config.d_learning_rate, *betas, d_interval, epsilon=epsilon),
        "g_optimizer": adam(config.g_learning_rate, *betas, epsilon=epsilon),
    }


def cross_entropy_losses(config: CrossEntropyGANConfig) -> dict[str, Any]:
    """`compile`'s losses for the cross-entropy GANs (Goodfellow et al. 2014): the minimax D
    loss, and the minimax or non-saturating G loss that `config.g_loss` names."""
    if config.g_loss not in G_LOSSES:
        raise UsageError(f"--g_loss must be minimax or non_saturating, got {config.g_loss!r}")
    return {
        "d_loss_fn": losses.minimax_discriminator_loss,
        "g_loss_fn": losses.GENERATOR_LOSSES[config.g_loss],
    }
