"""Conditional GAN (Mirza & Osindero 2014).

What differs from the core: both networks take the class label y as an extra input (eq. 2,
min_G max_D E[log D(x|y)] + E[log(1 - D(G(z|y)|y))]). The generator joins the one-hot label to
z; the discriminator joins it to the image (to the flattened pixels for the MLP, as constant
label maps stacked as extra channels for the DCGAN networks). The core passes labels through:
real labels for real and fake images in the D step, uniformly drawn labels in the G step.
"""

from __future__ import annotations

from gan_tf.configs.cgan import CGANConfig
from gan_tf.errors import UsageError
from gan_tf.models import replicas
from gan_tf.models.factory import (
    adam_optimizers,
    build_networks,
    core_arguments,
    cross_entropy_losses,
)
from gan_tf.models.noise_to_image import NoiseToImageGAN


class CGAN(NoiseToImageGAN):
    def __init__(self, *args, num_classes: int, **kwargs) -> None:
        if not num_classes:
            raise UsageError("a conditional GAN needs a dataset with class labels")
        super().__init__(*args, num_classes=num_classes, **kwargs)


def build_cgan(config: CGANConfig) -> CGAN:
    generator, discriminator = build_networks(config)
    model = CGAN(
        generator,
        discriminator,
        **core_arguments(config, generator),
        num_classes=config.num_classes,
    )
    model.compile(
        **adam_optimizers(config),
        **cross_entropy_losses(config),
        jit_compile=replicas.jit_compile_of(config),
    )
    return model
