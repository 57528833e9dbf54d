"""BigGAN (Brock et al. 2019).

What differs from the core: the networks (`gan_tf.networks.biggan`), the hinge loss (sec. 3,
as SAGAN: D minimises E[max(0, 1 - D(x, y))] + E[max(0, 1 + D(G(z), y))], G minimises
-E[D(G(z), y)]), orthogonal regularisation of G's weights among G's regularisers (sec. 3.1,
`OrthogonalRegularization`), and the EMA generator (the core's hook). Each iteration: d_steps
D updates on fresh real batches with their labels, fakes of uniformly drawn classes, then one
G update, then the EMA follows G (train_fns.py `GAN_training_function`). The truncation trick
and standing statistics act at sampling time (`NoiseToImageGAN.fixed_latents`,
`NoiseToImageGAN.standing_statistics`; `python -m gan_tf.generate --truncation=...`).
"""

from __future__ import annotations

from gan_tf import losses
from gan_tf.configs.biggan import BigGANConfig
from gan_tf.models import replicas
from gan_tf.models.factory import adam_optimizers, core_arguments
from gan_tf.models.noise_to_image import NoiseToImageGAN
from gan_tf.models.regularizers import OrthogonalRegularization
from gan_tf.networks import biggan as biggan_networks


def build_biggan(config: BigGANConfig) -> NoiseToImageGAN:
    """BigGAN from its config (any preset): networks, hinge loss, orthogonal regularisation,
    EMA, Adam at the config's rates, betas and epsilon."""
    attention = tuple(int(a) for a in config.attention)
    generator = biggan_networks.biggan_generator(
        config.latent_dim,
        config.num_classes,
        image_size=config.image_size,
        image_channels=config.channels,
        channels=config.base_filters,
        shared_dim=config.shared_dim or None,
        hierarchical=config.hierarchical,
        attention=attention,
        init=config.init,
        power_iterations=config.power_iterations,
    )
    discriminator = biggan_networks.biggan_discriminator(
        config.num_classes,
        image_size=config.image_size,
        image_channels=config.channels,
        channels=config.base_filters,
        attention=attention,
        init=config.init,
        power_iterations=config.power_iterations,
    )
    g_regularizers = []
    if config.orthogonal_reg:  # of every G weight but the shared embedding (utils.ortho)
        g_regularizers.append(
            OrthogonalRegularization(
                weight=config.orthogonal_reg, exclude=(biggan_networks.SHARED_EMBEDDING,)
            )
        )
    model = NoiseToImageGAN(
        generator,
        discriminator,
        **core_arguments(config, generator),
        num_classes=config.num_classes,
        g_regularizers=g_regularizers,
    )
    model.compile(
        **adam_optimizers(config),
        d_loss_fn=losses.hinge_discriminator_loss,
        g_loss_fn=losses.hinge_generator_loss,
        d_output_fn=None,
        jit_compile=replicas.jit_compile_of(config),
    )
    return model
