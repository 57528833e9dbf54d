"""DRAGAN (Kodali et al. 2017, "On Convergence and Stability of GANs", arXiv 1705.07215), as
the large-scale study ran it (Lucic et al. 2018; google/compare_gan 49495fd,
src/gans/DRAGAN.py).

What differs from the core: nothing in the game, which is the non-saturating GAN (D minimises
the cross-entropy of eq. 1 of Goodfellow et al. 2014, G minimises -log D(G(z)), sec. 3);
D's loss gets lambda * E[(||grad_x D(x_hat)||_2 - 1)^2] at points x_hat between real images
and perturbed copies of them, where Kodali et al. find the degenerate local equilibria that
cause mode collapse: sharp gradients of D around real data. The penalty,
`gan_tf.models.regularizers.DRAGANPenalty`, follows the study's code: perturbation
0.5 std(x) U[0, 1), D's sigmoid output differentiated, 1e-4 under the norm's square root, the
norm per unit of [0, 1] pixels by default. Adam(1e-4, 0.5), one D update per G update.
"""

from __future__ import annotations

from gan_tf import losses
from gan_tf.configs.dragan import DRAGANConfig
from gan_tf.models import replicas
from gan_tf.models.factory import (
    adam_optimizers,
    build_networks,
    core_arguments,
    cross_entropy_losses,
)
from gan_tf.models.noise_to_image import NoiseToImageGAN
from gan_tf.models.regularizers import DRAGANPenalty, pixel_range_scale


class DRAGAN(NoiseToImageGAN):
    """The core with DRAGAN's penalty among D's regularisers.

    Args beyond the core's: gp_weight, DRAGAN's lambda; gradient_scale, the factor of D's input
    gradient before its norm (`pixel_range_scale`: 2, the default, for the norm per unit of
    [0, 1] pixels as in the study's code; 1 for gan_tf's [-1, 1]).
    """

    def __init__(self, *args, gp_weight: float, gradient_scale: float = 2.0, **kwargs) -> None:
        penalty = DRAGANPenalty(weight=gp_weight, gradient_scale=gradient_scale)
        regularizers = [penalty, *kwargs.pop("d_regularizers", ())]
        super().__init__(*args, d_regularizers=regularizers, **kwargs)
        self.gp_weight = gp_weight

    def compile(self, **kwargs) -> None:
        """The core's, with the study's losses unless given: D the cross-entropy of eq. 1,
        G the non-saturating -log D(G(z)) (Goodfellow et al. 2014, sec. 3)."""
        kwargs.setdefault("d_loss_fn", losses.minimax_discriminator_loss)
        kwargs.setdefault("g_loss_fn", losses.non_saturating_generator_loss)
        super().compile(**kwargs)


def build_dragan(config: DRAGANConfig) -> DRAGAN:
    """DRAGAN from its config: the cross-entropy losses (`config.g_loss`, non-saturating by
    default, as compare_gan's), the penalty, Adam at the config's rates and betas."""
    generator, discriminator = build_networks(config)  # its critic_norm; refused for the MLP
    model = DRAGAN(
        generator,
        discriminator,
        **core_arguments(config, generator),
        gp_weight=config.gp_weight,
        gradient_scale=pixel_range_scale(config.penalty_pixel_range),
    )
    model.compile(
        **adam_optimizers(config),
        **cross_entropy_losses(config),
        jit_compile=replicas.jit_compile_of(config),
    )
    return model
