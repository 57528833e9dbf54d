"""BigGAN (Brock et al. 2019, "Large Scale GAN Training for High Fidelity Natural Image
Synthesis", ICLR): the class-conditional SNGAN family scaled up, with a shared class embedding,
a hierarchical latent, self-attention, orthogonal regularisation, an EMA generator, and the
truncation trick at sampling time (`python -m gan_tf.generate --truncation=0.5`).

Three presets (`--preset`), because the paper and the authors' code (ajbrock/BigGAN-PyTorch)
differ:
- paper_128, the default: the paper's BigGAN at 128x128 (sec. 3, 4, appendix B and C):
  ch 96, z of 120 split hierarchically, shared embedding of 128, attention at 64x64,
  orthogonal init, G's learning rate 5e-5 and D's 2e-4 with 2 D steps per G step,
  Adam(beta_1 0, beta_2 0.999), batch 2048, orthogonal regularisation beta 1e-4, EMA 0.9999;
  the settings the paper does not give from the code's defaults and its ImageNet script
  (BN epsilon 1e-5, EMA from iteration 20,000, 150,000 iterations as the README trains);
- script_128: the authors' ImageNet script (scripts/launch_BigGAN_bs256x8.sh, the settings of
  SA-GAN): learning rates 1e-4 / 4e-4 with one D step, Adam epsilon 1e-6, no orthogonal
  regularisation (--G_ortho 0.0), batch 256 x 8 accumulations;
- cifar: the authors' CIFAR-10 script (scripts/launch_cifar_ema.sh): 32x32, ch 64, z of 128
  whole (no shared embedding, no hierarchy: per-class batch-norm gains), no attention,
  N(0, 0.02) init, both learning rates 2e-4, 4 D steps, batch 50, no orthogonal
  regularisation, EMA 0.9999 from iteration 1,000, 500 epochs (125,000 iterations of
  50 x 4 images).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from gan_tf.configs.base import setting
from gan_tf.configs.families import AdamSettings, NoiseToImageConfig
from gan_tf.errors import UsageError

PRESETS: dict[str, dict[str, Any]] = {
    "paper_128": {},
    "script_128": dict(
        g_learning_rate=1e-4, d_learning_rate=4e-4, d_steps=1, adam_epsilon=1e-6,
        orthogonal_reg=0.0,
    ),
    "cifar": dict(
        image_size=32, base_filters=64, latent_dim=128, shared_dim=0, hierarchical=False,
        attention=[], init="normal", g_learning_rate=2e-4, d_learning_rate=2e-4, d_steps=4,
        batch_size=50, orthogonal_reg=0.0, ema_start=1000, train_steps=125_000,
    ),
}  # fmt: skip


@dataclasses.dataclass
class BigGANConfig(NoiseToImageConfig, AdamSettings):
    VARIANT: ClassVar[str] = "biggan"
    BUILDER: ClassVar[str] = "gan_tf.models.biggan:build_biggan"
    CONDITIONAL: ClassVar[bool] = True
    ARCHITECTURES: ClassVar[tuple[str, ...]] = ("resnet",)
    ARCHITECTURE_FIELDS: ClassVar[tuple[str, ...]] = (
        *NoiseToImageConfig.ARCHITECTURE_FIELDS,
        "shared_dim",
        "hierarchical",
        "attention",
    )
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = PRESETS
    REFUSED: ClassVar[dict[str, str]] = {
        "g_loss": "BigGAN's loss is the hinge loss (sec. 3, after SAGAN and SNGAN)",
    }

    preset: str = setting(
        "paper_128",
        "Settings to start from: paper_128 (the paper's BigGAN at 128x128), script_128 (the "
        "authors' ImageNet script: lr 1e-4 / 4e-4, 1 D step, no orthogonal regularisation) or "
        "cifar (the authors' CIFAR-10 script, 32x32); flags given explicitly win.",
        choices=tuple(PRESETS),
    )
    architecture: str = setting(
        "resnet",
        "Networks: BigGAN's ResNets (Brock et al. 2019, appendix B, Table 4; BigGAN-PyTorch "
        "BigGAN.py).",
        choices=("resnet",),
    )
    image_size: int | None = setting(
        128, "Side of the images (the paper: 128; 32, 64, 128, 256).", lower_bound=1,
        group="data",
    )  # fmt: skip
    base_filters: int | None = setting(
        96, "ch, the width multiplier of G and D (Table 4 at 128x128: ch = 96).", lower_bound=1
    )
    latent_dim: int = setting(
        120,
        "Size of z (appendix B: 120 at 128x128, split in 6 chunks of 20 by the hierarchy).",
        lower_bound=1,
    )
    shared_dim: int = setting(
        128,
        "Size of the class embedding shared by G's conditional batch norms (appendix B: 128); "
        "0: none, each has its own per-class gain and bias.",
        lower_bound=0,
    )
    hierarchical: bool = setting(
        True,
        "Split z across G's blocks, each chunk joined to the shared embedding (sec. 4, "
        "appendix B).",
    )
    attention: list[int] = setting(
        [64],
        "Resolutions after whose block G and D have self-attention (appendix B: 64 at "
        "128x128); empty for none.",
    )
    init: str = setting(
        "orthogonal",
        "Initial weights (sec. 4: orthogonal, Saxe et al. 2014); normal, N(0, 0.02), as the "
        "CIFAR script; glorot.",
        choices=("orthogonal", "normal", "glorot"),
    )
    batch_size: int = setting(
        2048,
        "Real images per D update, over all replicas (sec. 3, Table 1: 2048).",
        lower_bound=1,
        group="training",
    )
    train_steps: int = setting(
        150_000,
        "Iterations, each d_steps D updates and one G update (BigGAN-PyTorch README: 150k "
        "iterations at batch 2048).",
        lower_bound=1,
        group="training",
    )
    d_steps: int = setting(2, "D steps per G step (appendix C: 2).", lower_bound=1)
    d_learning_rate: float = setting(
        2e-4, "D's learning rate (appendix C: 2e-4).", lower_bound=0.0, group="training"
    )
    g_learning_rate: float = setting(
        5e-5, "G's learning rate (appendix C: 5e-5).", lower_bound=0.0, group="training"
    )
    beta_1: float = setting(0.0, "Adam beta_1 (appendix C: 0).", lower_bound=0.0, upper_bound=1.0)
    beta_2: float = setting(
        0.999, "Adam beta_2 (appendix C: 0.999).", lower_bound=0.0, upper_bound=1.0
    )
    adam_epsilon: float = setting(
        1e-8,
        "Adam's epsilon (BigGAN-PyTorch's default --adam_eps 1e-8; its ImageNet script 1e-6).",
        lower_bound=0.0,
    )
    orthogonal_reg: float = setting(
        1e-4,
        "beta of the orthogonal regularisation of G's weights (sec. 3.1, eq. 3: 1e-4); 0: off.",
        lower_bound=0.0,
    )
    ema_decay: float = setting(
        0.9999,
        "Decay of G's moving average, sampled for evaluation (appendix C: 0.9999).",
        lower_bound=0.0,
        upper_bound=1.0,
    )
    ema_start: int = setting(
        20_000,
        "Step from which the EMA averages (BigGAN-PyTorch's ImageNet run: --ema_start 20000).",
        lower_bound=0,
    )
    power_iterations: int = setting(
        1,
        "Power iterations per training call of each spectral norm (the code: num_G_SV_itrs and "
        "num_D_SV_itrs 1).",
        lower_bound=1,
    )

    def resolve(self) -> BigGANConfig:
        if self.hierarchical and not self.shared_dim:
            raise UsageError(
                "--hierarchical needs the shared embedding: give --shared_dim or --nohierarchical"
            )
        return super().resolve().replace(attention=self.attention_resolutions())

    def attention_resolutions(self) -> list[int]:
        """`attention` as sorted distinct ints; UsageError for anything else."""
        try:
            return sorted({int(a) for a in self.attention})
        except ValueError:
            given = ",".join(map(str, self.attention))
            raise UsageError(f"--attention takes resolutions (integers), got {given}") from None

    def resolved_image_size(self, spec) -> int:
        from gan_tf.data.pipelines import resolve_image_size
        from gan_tf.networks import biggan

        size = resolve_image_size(
            spec, self.image_size, biggan.SUPPORTED_SIZES, model_name="biggan"
        )
        biggan.check_attention(size, self.attention_resolutions(), self.base_filters)
        return size


CONFIG = BigGANConfig
