"""SNGAN (Miyato et al. 2018) and the projection cGAN (Miyato & Koyama 2018).

What differs from the core: the networks (`gan_tf.networks.sngan`: ResNets, every weight of D
spectrally normalised, per-class batch norm in G and the projection in D when conditional), the
hinge loss (eqs. 16-17 of Miyato et al. 2018: D minimises E[max(0, 1 - D(x))] +
E[max(0, 1 + D(G(z)))], G minimises -E[D(G(z))]), and the authors' schedule: both learning
rates decayed linearly to 0, G's updates on twice D's batch. The step is the core's: 5 D
updates on fresh real batches, then one G update (the authors' updater.py does G's update first
in each iteration; the sequence of updates is the same but for the first and the last).
"""

from __future__ import annotations

import keras

from gan_tf import losses
from gan_tf.configs.sngan import SNGANConfig
from gan_tf.errors import UsageError
from gan_tf.models import replicas
from gan_tf.models.factory import adam, core_arguments, d_reg_interval
from gan_tf.models.noise_to_image import NoiseToImageGAN
from gan_tf.models.schedules import LinearDecayAfter
from gan_tf.networks import sngan as sngan_networks

LOSS_FUNCTIONS = {
    "hinge": (losses.hinge_discriminator_loss, losses.hinge_generator_loss, None),
    "non_saturating": (
        losses.minimax_discriminator_loss,
        losses.non_saturating_generator_loss,
        keras.ops.sigmoid,
    ),
}


def learning_rate(rate: float, updates: int, decay: bool):
    """`rate`, or with `decay` a linear decay from it to 0 over `updates` optimizer updates
    (train.py `LinearShift` from iteration 0)."""
    return LinearDecayAfter(rate, decay_start=0, total_steps=updates) if decay else rate


def build_sngan(config: SNGANConfig) -> NoiseToImageGAN:
    """SNGAN from its config: the ResNets (conditional with `config.conditional`), the loss
    `config.loss`, Adam at the config's rates and betas (decayed linearly with
    `config.lr_decay`)."""
    d_channels = config.base_filters or sngan_networks.D_CHANNELS
    generator = sngan_networks.sngan_generator(
        config.latent_dim,
        config.channels,
        config.num_classes,
        base_channels=2 * d_channels,
        image_size=config.image_size,
    )
    discriminator = sngan_networks.sngan_discriminator(
        config.channels,
        config.num_classes,
        base_channels=d_channels,
        image_size=config.image_size,
        power_iterations=config.power_iterations,
    )
    if config.lr_decay and d_reg_interval(config) > 1:
        raise UsageError(
            "--lr_decay and a lazy --d_reg_interval cannot be combined (the lazy adjustment "
            "scales a constant learning rate): add --nolr_decay or use --d_reg_interval=1"
        )
    d_loss_fn, g_loss_fn, d_output_fn = LOSS_FUNCTIONS[config.loss]
    model = NoiseToImageGAN(
        generator,
        discriminator,
        **core_arguments(config, generator),
        num_classes=config.num_classes,
        g_batch_multiple=config.g_batch_size // config.batch_size,
    )
    d_updates = config.train_steps * config.d_steps
    g_updates = config.train_steps * config.g_steps
    model.compile(
        d_optimizer=adam(
            learning_rate(config.d_learning_rate, d_updates, config.lr_decay),
            config.beta_1,
            config.beta_2,
            d_reg_interval(config),
        ),
        g_optimizer=adam(
            learning_rate(config.g_learning_rate, g_updates, config.lr_decay),
            config.beta_1,
            config.beta_2,
        ),
        d_loss_fn=d_loss_fn,
        g_loss_fn=g_loss_fn,
        d_output_fn=d_output_fn,
        jit_compile=replicas.jit_compile_of(config),
    )
    return model
