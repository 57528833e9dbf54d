"""StyleGAN (Karras et al. 2019, "A Style-Based Generator Architecture for Generative
Adversarial Networks", CVPR) as a config of StyleGAN2's code where it differs: AdaIN layers
instead of weight demodulation, PGGAN's progressive growing and discriminator (with a blur),
R1 with gamma 10 on every D update (no lazy regularisation, no path-length penalty), and the
truncation psi 0.7 on the first 8 layers as the sampling default.

Presets (`--preset`), from the authors' code (NVlabs/stylegan, train.py and
training/training_loop.py `TrainingSchedule`, training/loss.py, networks_stylegan.py):
- code, the default: the 1-GPU settings: 600k images per stable phase and per fade-in, batch
  128 up to 16x16, then 64, 32, 16, 8, 4 (`minibatch_dict`, base 4), learning rate 0.001 up
  to 64x64, then 0.0015, 0.002, 0.003, 0.003 (`G_lrate_dict` = `D_lrate_dict`), 25,000k
  images, EMA half-life 10k images (G_smoothing_kimg 10);
- small: the CPU setting on 32x32 (narrow networks, short phases, as PGGAN's small preset).

Common to both: the non-saturating logistic loss with R1 gamma 10 (loss.py
`D_logistic_simplegp`), style mixing with probability 0.9, the mapping network of 8 layers
(learning-rate multiplier 0.01), z and w of 512, Adam(beta_1 0, beta_2 0.99, epsilon 1e-8)
with its state reset when a phase begins, minibatch-stddev groups of 4.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from gan_tf.configs.base import setting
from gan_tf.configs.growing import PGGAN_CODE_BATCH_SIZES, GrowingSettings
from gan_tf.configs.stylegan2 import StyleGAN2Config
from gan_tf.errors import UsageError

# train.py: G_lrate_dict = {128: 0.0015, 256: 0.002, 512: 0.003, 1024: 0.003}, else 0.001.
CODE_LEARNING_RATES = [0.001, 0.001, 0.001, 0.001, 0.001, 0.0015, 0.002, 0.003, 0.003]

PRESETS: dict[str, dict[str, Any]] = {
    "code": {},
    "small": dict(
        channel_base=512, channel_max=64, latent_dim=128, w_dim=128, mapping_layers=4,
        stable_images=30_000, fade_images=30_000, batch_sizes=[32], total_images=300_000,
    ),
}  # fmt: skip


@dataclasses.dataclass
class StyleGANConfig(GrowingSettings, StyleGAN2Config):
    VARIANT: ClassVar[str] = "stylegan"
    BUILDER: ClassVar[str] = "gan_tf.models.stylegan:build_stylegan"
    ARCHITECTURES: ClassVar[tuple[str, ...]] = ("stylegan",)
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = PRESETS
    REFUSED: ClassVar[dict[str, str]] = {
        **StyleGAN2Config.REFUSED,
        "g_loss": "StyleGAN's loss is the non-saturating logistic loss with R1 (loss.py)",
        "batch_size": "the batch depends on the resolution: set --batch_sizes",
        "train_steps": "its length is --total_images, in images as PGGAN's schedule",
        "d_learning_rate": "the learning rate depends on the resolution: set --learning_rates",
        "g_learning_rate": "the learning rate depends on the resolution: set --learning_rates",
        "pl_weight": "StyleGAN has no path-length penalty (StyleGAN2 added it)",
        "pl_decay": "StyleGAN has no path-length penalty (StyleGAN2 added it)",
        "pl_batch_shrink": "StyleGAN has no path-length penalty (StyleGAN2 added it)",
        "g_reg_interval": "StyleGAN regularises G with nothing",
        "d_reg_interval": "StyleGAN applies R1 on every D update (lazy regularisation came later)",
        "d_architecture": "its D is PGGAN's with a blur before each downsampling",
        "conditional": "the StyleGAN code here is unconditional (use stylegan2 --conditional)",
    }

    preset: str = setting(
        "code",
        "Settings to start from: code (the authors' 1-GPU settings) or small (a CPU setting on "
        "32x32); flags given explicitly win.",
        choices=tuple(PRESETS),
    )
    architecture: str = setting(
        "stylegan",
        "Networks: StyleGAN's (sec. 2; networks_stylegan.py G_style, D_basic).",
        choices=("stylegan",),
    )
    channel_base: int = setting(
        16384,
        "Feature maps at resolution r: min(channel_base / r, channel_max) (networks_stylegan.py "
        "fmap_base 8192 at stage log2(r) - 1).",
        lower_bound=1,
    )
    batch_sizes: list[int] = setting(
        PGGAN_CODE_BATCH_SIZES,
        "Global batch per resolution from 4x4 up; the last one for any larger (train.py 1-GPU "
        "minibatch_dict, minibatch_base 4).",
        group="training",
    )
    total_images: int = setting(
        25_000_000, "Images shown to D in all (train.py total_kimg 25000).", lower_bound=1,
        group="training",
    )  # fmt: skip
    learning_rates: list[float] = setting(
        CODE_LEARNING_RATES,
        "G's and D's learning rate per resolution from 4x4 up; the last one for any larger "
        "(train.py G_lrate_dict = D_lrate_dict, 0.001 elsewhere).",
        group="training",
    )
    d_learning_rate: float = setting(0.001, "Follows --learning_rates.", flag=False)
    g_learning_rate: float = setting(0.001, "Follows --learning_rates.", flag=False)
    r1_gamma: float = setting(
        10.0, "R1's gamma (loss.py D_logistic_simplegp r1_gamma 10).", lower_bound=0.0
    )
    d_reg_interval: int = setting(1, "R1 on every D update.", flag=False)
    g_reg_interval: int = setting(1, "No regulariser of G.", flag=False)
    pl_weight: float = setting(0.0, "No path-length penalty.", flag=False)
    pl_decay: float = setting(0.01, "No path-length penalty.", flag=False)
    pl_batch_shrink: int = setting(2, "No path-length penalty.", flag=False)
    d_architecture: str = setting("pggan", "PGGAN's D with a blur.", flag=False)
    conditional: bool = setting(False, "Unconditional.", flag=False)
    truncation_psi: float = setting(
        0.7,
        "The sampling default of `generate`: w moved toward its average by psi on the first "
        "--truncation_cutoff layers (sec. 3.1; networks_stylegan.py G_style truncation_psi "
        "0.7); evaluation samples without it, as the paper's FIDs.",
        lower_bound=0.0,
    )
    truncation_cutoff: int = setting(
        8, "See --truncation_psi (G_style truncation_cutoff 8).", lower_bound=1
    )
    reset_optimizers: bool = setting(
        True,
        "Zero both optimizers' state when a phase begins (training_loop.py "
        "reset_opt_for_new_lod, on by default).",
    )

    def resolve(self) -> StyleGANConfig:
        if not self.batch_sizes:
            raise UsageError("--batch_sizes needs at least one batch size")
        if not self.learning_rates:
            raise UsageError("--learning_rates needs at least one learning rate")
        resolved = super().resolve()
        resolved.check_minibatch_groups(resolved.mbstd_group, "mbstd_group")
        return resolved.with_schedule()

    def learning_rate_at(self, level: int) -> float:
        return float(self.learning_rates[min(level, len(self.learning_rates) - 1)])


CONFIG = StyleGANConfig
