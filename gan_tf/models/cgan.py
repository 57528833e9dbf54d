"""Conditional GAN (Mirza & Osindero 2014).

What differs from the core: both networks take the class label y as an extra input (eq. 2,
min_G max_D E[log D(x|y)] + E[log(1 - D(G(z|y)|y))]). The generator joins the one-hot label to
z; the discriminator joins it to the image (to the flattened pixels for the MLP, as constant
label maps stacked as extra channels for the DCGAN networks). The core passes labels through:
real labels for real and fake images in the D step, uniformly drawn labels in the G step.
"""

from __future__ import annotations

from gan_tf import losses
from gan_tf.config import RunConfig
from gan_tf.errors import UsageError
from gan_tf.models.adversarial import AdversarialModel
from gan_tf.models.factory import adam, build_networks


class CGAN(AdversarialModel):
    def __init__(self, *args, num_classes: int, **kwargs) -> None:
        if not num_classes:
            raise UsageError("a conditional GAN needs a dataset with class labels")
        super().__init__(*args, num_classes=num_classes, **kwargs)


def build_cgan(config: RunConfig) -> CGAN:
    if config.g_loss not in ("minimax", "non_saturating"):
        raise UsageError(f"--g_loss must be minimax or non_saturating, got {config.g_loss!r}")
    generator, discriminator = build_networks(config)
    model = CGAN(
        generator,
        discriminator,
        latent_dim=config.latent_dim,
        num_classes=config.num_classes,
        d_steps=config.d_steps,
        g_steps=config.g_steps,
        seed=config.seed,
        name=config.variant,
    )
    model.compile(
        d_optimizer=adam(config.d_learning_rate, config),
        g_optimizer=adam(config.g_learning_rate, config),
        d_loss_fn=losses.minimax_discriminator_loss,
        g_loss_fn=losses.GENERATOR_LOSSES[config.g_loss],
        jit_compile=config.jit_compile,
    )
    return model
