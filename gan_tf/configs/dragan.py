"""DRAGAN (Kodali et al. 2017, "On Convergence and Stability of GANs", arXiv 1705.07215): the
non-saturating GAN with a gradient penalty around perturbed real data.

The defaults are those of the large-scale study (Lucic et al. 2018, "Are GANs Created Equal?"),
whose code is cited for each: google/compare_gan at 49495fd, src/params.py
`DRAGANHyperParams` (beta1 0.5, learning rate 1e-4, disc_iters 1, lambda 10) and
src/gans/DRAGAN.py (Adam(lr, beta1) with TensorFlow's beta2 0.999; D's loss the cross-entropy,
G's -log D(G(z)); the penalty, `gan_tf.models.regularizers.DRAGANPenalty`).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from gan_tf.configs.base import setting
from gan_tf.configs.gan import CrossEntropyGANConfig
from gan_tf.configs.wgan_gp import PENALTY_PIXEL_RANGE_HELP, PENALTY_PIXEL_RANGES


@dataclasses.dataclass
class DRAGANConfig(CrossEntropyGANConfig):
    VARIANT: ClassVar[str] = "dragan"
    BUILDER: ClassVar[str] = "gan_tf.models.dragan:build_dragan"

    d_learning_rate: float = setting(
        1e-4,
        "Discriminator learning rate (compare_gan params.py DRAGANHyperParams: 0.0001).",
        lower_bound=0.0,
    )
    g_learning_rate: float = setting(
        1e-4,
        "Generator learning rate (compare_gan params.py DRAGANHyperParams: 0.0001).",
        lower_bound=0.0,
    )
    beta_1: float = setting(
        0.5,
        "Adam beta_1 (compare_gan params.py DRAGANHyperParams: beta1 0.5).",
        lower_bound=0.0,
        upper_bound=1.0,
    )
    beta_2: float = setting(
        0.999,
        "Adam beta_2 (compare_gan DRAGAN.py: AdamOptimizer(lr, beta1=beta1), TensorFlow's "
        "default 0.999).",
        lower_bound=0.0,
        upper_bound=1.0,
    )
    d_steps: int = setting(
        1,
        "Discriminator updates per generator update (compare_gan params.py DRAGANHyperParams: "
        "disc_iters 1).",
        lower_bound=1,
    )
    gp_weight: float = setting(
        10.0,
        "lambda: weight of DRAGAN's gradient penalty (Kodali et al. 2017: lambda ~ 10; "
        "compare_gan params.py DRAGANHyperParams: lambda 10.0).",
        lower_bound=0.0,
    )
    penalty_pixel_range: str = setting(
        "0,1",
        PENALTY_PIXEL_RANGE_HELP + " Default 0,1: the study's and the DRAGAN authors' code "
        "feed D images in [0, 1] (compare_gan gan_lib.py: image / 255).",
        choices=PENALTY_PIXEL_RANGES,
    )
    critic_norm: str = setting(
        "batch",
        "Normalisation in the discriminator: batch (compare_gan params.py DRAGANHyperParams's "
        "default, discriminator_batchnorm True), layer or none (its narrow search range keeps "
        "only none: 'clearly False is better').",
        choices=("batch", "layer", "none"),
    )


CONFIG = DRAGANConfig
