"""SNGAN (Miyato et al. 2018, "Spectral Normalization for Generative Adversarial Networks",
ICLR) and its class-conditional form with the projection discriminator (Miyato & Koyama 2018,
"cGANs with Projection Discriminator", ICLR): spectral norm on every weight of D, the hinge
loss, the ResNets for 32x32 images.

Defaults are the authors' CIFAR-10 settings, pfnet-research/sngan_projection
configs/sn_cifar10_unconditional.yml and sn_cifar10_conditional.yml (the same but for
n_classes), with train.py and updater.py: Adam(2e-4, 0, 0.9) for both networks, 5 D updates
per G update, batch 64 for D and 128 for G (`n_gen_samples`), 50,000 iterations with the
learning rate decayed linearly to 0 (train.py `LinearShift` from iteration_decay_start 0),
z ~ N(0, I) of 128 dimensions, the hinge loss (`loss_type: hinge`). The paper's ResNet
experiments (appendix B.4, Table 3's setting with beta_1 0, beta_2 0.9) use the same.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from gan_tf.configs.base import setting
from gan_tf.configs.families import AdamSettings, NoiseToImageConfig
from gan_tf.errors import UsageError

LOSSES = ("hinge", "non_saturating")


@dataclasses.dataclass
class SNGANConfig(NoiseToImageConfig, AdamSettings):
    VARIANT: ClassVar[str] = "sngan"
    BUILDER: ClassVar[str] = "gan_tf.models.sngan:build_sngan"
    ARCHITECTURES: ClassVar[tuple[str, ...]] = ("resnet",)
    ARCHITECTURE_FIELDS: ClassVar[tuple[str, ...]] = (
        *NoiseToImageConfig.ARCHITECTURE_FIELDS,
        "conditional",
    )
    REFUSED: ClassVar[dict[str, str]] = {
        "init": "its networks are initialised as the authors' code does (Glorot uniform, "
        "gain sqrt(2) in the residual branches)",
        "g_loss": "set both losses with --loss (hinge or non_saturating)",
    }

    architecture: str = setting(
        "resnet",
        "Networks: the paper's ResNets for 32x32 images (Miyato et al. 2018, appendix B.4, "
        "Table 4; sngan_projection gen_models/resnet_32.py, dis_models/snresnet_32.py).",
        choices=("resnet",),
    )
    init: str = setting(
        "glorot",
        "Initial weights: Glorot uniform, gain sqrt(2) in the residual branches, as the "
        "authors' code (gen_models/resblocks.py, dis_models/resblocks.py).",
        flag=False,
    )
    image_size: int | None = setting(
        32,
        "Side of the images: the ResNets are the paper's for 32x32 (MNIST and Fashion-MNIST are "
        "resized to it).",
        lower_bound=1,
        group="data",
    )
    base_filters: int | None = setting(
        None,
        "D's channels, G's twice as many; default 128 (sn_cifar10_*.yml: discriminator ch "
        "128, generator ch 256).",
        lower_bound=1,
    )
    conditional: bool = setting(
        False,
        "Class-conditional: per-class batch norm in G and the projection discriminator "
        "(Miyato & Koyama 2018, eq. 3; sn_cifar10_conditional.yml).",
    )
    loss: str = setting(
        "hinge",
        "Adversarial loss: hinge (Miyato et al. 2018, eqs. 16-17; sn_cifar10_*.yml loss_type "
        "hinge) or non_saturating (the cross-entropy with G's -log D(G(z)), the paper's "
        "standard-CNN experiments; updater.py loss_dcgan_*).",
        choices=LOSSES,
    )
    latent_dim: int = setting(
        128, "Size of z (sn_cifar10_*.yml: dim_z 128, distribution normal).", lower_bound=1
    )
    batch_size: int = setting(
        64,
        "Real and fake images per D update, over all replicas (sn_cifar10_*.yml: batchsize 64).",
        lower_bound=1,
        group="training",
    )
    g_batch_size: int = setting(
        128,
        "Fake images per G update, a multiple of --batch_size (sn_cifar10_*.yml updater "
        "n_gen_samples 128).",
        lower_bound=1,
        group="training",
    )
    train_steps: int = setting(
        50_000,
        "Iterations, each d_steps D updates and one G update (sn_cifar10_*.yml: iteration 50000).",
        lower_bound=1,
        group="training",
    )
    d_steps: int = setting(
        5, "D updates per G update (sn_cifar10_*.yml updater n_dis 5).", lower_bound=1
    )
    d_learning_rate: float = setting(
        2e-4,
        "D's learning rate (sn_cifar10_*.yml adam alpha 0.0002).",
        lower_bound=0.0,
        group="training",
    )
    g_learning_rate: float = setting(
        2e-4,
        "G's learning rate (sn_cifar10_*.yml adam alpha 0.0002).",
        lower_bound=0.0,
        group="training",
    )
    beta_1: float = setting(
        0.0, "Adam beta_1 (sn_cifar10_*.yml: beta1 0.0).", lower_bound=0.0, upper_bound=1.0
    )
    beta_2: float = setting(
        0.9, "Adam beta_2 (sn_cifar10_*.yml: beta2 0.9).", lower_bound=0.0, upper_bound=1.0
    )
    lr_decay: bool = setting(
        True,
        "Decay both learning rates linearly to 0 over --train_steps (train.py: LinearShift "
        "of alpha from iteration 0 to the last).",
        group="training",
    )
    power_iterations: int = setting(
        1,
        "Power iterations per training call of each spectrally normalised layer (Miyato et al. "
        "2018, sec. 2.1 and Algorithm 1: one, u kept across steps).",
        lower_bound=1,
    )

    def resolve(self) -> SNGANConfig:
        if self.g_batch_size % self.batch_size:
            raise UsageError(
                f"--g_batch_size={self.g_batch_size} must be a multiple of "
                f"--batch_size={self.batch_size}"
            )
        return super().resolve()

    def labels_needed_by(self) -> str | None:
        return "--conditional" if self.conditional else None

    def resolved_image_size(self, spec) -> int:
        from gan_tf.data.pipelines import resolve_image_size
        from gan_tf.networks.sngan import check_image_size

        size = resolve_image_size(spec, self.image_size, model_name="sngan")
        check_image_size(size)
        return size


CONFIG = SNGANConfig
