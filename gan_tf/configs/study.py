"""The protocol of the large-scale GAN study: Lucic et al. 2018, "Are GANs Created Equal? A
Large-Scale Study" (NeurIPS), on MNIST and Fashion-MNIST.

What every run of the study shares (sec. 4 and the study's code, google/compare_gan at 49495fd,
`compare_gan/src/`): the InfoGAN networks (`gan_tf.networks.infogan`), batch 64 and z of 64
dimensions drawn from U(-1, 1) (`gan_lib.create_gan`, `abstract_gan.z_generator`), Adam with
one learning rate for both networks and TF's beta_2 = 0.999, weights from N(0, 0.02), and
20 "epochs" of 50,000 images: 15,625 discriminator updates (`generate_tasks_lib.TuneParams`:
`epoch = 50000`, `training_steps = 20 * epoch // BATCH_SIZE`), a checkpoint every 5 of them.
The generator is updated once every `disc_iters` discriminator updates
(`abstract_gan.run_single_train_step`), which is gan_tf's `d_steps` per iteration. FID: 10,000
samples (the generator in inference mode) against the 10,000 test images (`eval_gan_lib`).

Each loss is an existing variant with the study's settings as overrides; its grid is the
study's default setting (`params.py`, `UpdateDefaults`: the authors' settings the study always
included) and eight others from the study's search space (learning rate, beta_1, discriminator
updates per generator update, the discriminator's batch norm).
The study's published FIDs are its Table 2: the best FID per loss over its search, with the
standard deviation over restarts of that setting.
"""

from __future__ import annotations

import dataclasses
from typing import Any

DATASETS = ("mnist", "fashion_mnist")
BATCH_SIZE = 64
LATENT_DIM = 64
EPOCH_IMAGES = 50_000  # generate_tasks_lib.TuneParams: `epoch = 50000` for MNIST / Fashion-MNIST
EPOCHS = 20
D_UPDATES = EPOCHS * EPOCH_IMAGES // BATCH_SIZE  # 15,625
CHECKPOINT_D_UPDATES = 5 * EPOCH_IMAGES // BATCH_SIZE  # 3,906: save_checkpoint_steps
EVAL_SAMPLES = 10_000
PROXY_SAMPLES = 2_000
FINAL_SEEDS = 3

# What every run of the study passes to its variant (module docstring).
COMMON = {
    "architecture": "infogan",
    "latent_dim": LATENT_DIM,
    "latent_distribution": "uniform",
    "batch_size": BATCH_SIZE,
    "init": "normal",
    "beta_2": 0.999,
}


@dataclasses.dataclass(frozen=True)
class Setting:
    """One point of the study's search space."""

    learning_rate: float
    beta_1: float
    d_steps: int
    d_batch_norm: bool = True

    def label(self) -> str:
        norm = "BN" if self.d_batch_norm else "no BN"
        return f"lr {self.learning_rate:g}, beta_1 {self.beta_1:g}, k {self.d_steps}, D {norm}"


@dataclasses.dataclass(frozen=True)
class Loss:
    """A loss of the study: the gan_tf variant that trains it, its fixed overrides, its grid
    (the study's default first) and the published best FID (mean, std) per data set."""

    title: str
    variant: str
    fixed: dict[str, Any]
    grid: tuple[Setting, ...]
    published: dict[str, tuple[float, float]]

    def overrides(self, setting: Setting) -> dict[str, Any]:
        """The config overrides of one run of `setting`."""
        values = {
            **COMMON,
            **self.fixed,
            "d_learning_rate": setting.learning_rate,
            "g_learning_rate": setting.learning_rate,
            "beta_1": setting.beta_1,
            "d_steps": setting.d_steps,
        }
        values["critic_norm"] = "batch" if setting.d_batch_norm else "none"
        return values


def _grid(default: Setting, *others: Setting) -> tuple[Setting, ...]:
    if len(others) > 8:
        raise ValueError("the issue allows at most eight settings besides the study's default")
    return (default, *others)


S = Setting
# Cross-entropy losses: params.GANHyperParams defaults (lr 5e-5, beta_1 0, k 1, D BN) first.
# Settings without D's batch norm come early: with it, D normalises each batch of nearly equal
# fakes on its own and G's gradient vanishes (experiments/study_protocol.md, "The defaults").
_CROSS_ENTROPY_GRID = _grid(
    S(5e-5, 0.0, 1),
    S(2e-4, 0.5, 1, d_batch_norm=False),
    S(1e-4, 0.5, 1, d_batch_norm=False),
    S(5e-4, 0.5, 1, d_batch_norm=False),
    S(2e-4, 0.5, 1),
    S(1e-3, 0.5, 1),
    S(1e-4, 0.5, 1),
    S(2e-4, 0.5, 5, d_batch_norm=False),
    S(5e-5, 0.0, 1, d_batch_norm=False),
)

LOSSES: dict[str, Loss] = {
    "ns_gan": Loss(
        "NS GAN",
        "gan",
        {"g_loss": "non_saturating"},
        _CROSS_ENTROPY_GRID,
        {"mnist": (6.8, 0.5), "fashion_mnist": (26.5, 1.6)},
    ),
    "mm_gan": Loss(
        "MM GAN",
        "gan",
        {"g_loss": "minimax"},
        _CROSS_ENTROPY_GRID,
        {"mnist": (9.8, 0.9), "fashion_mnist": (29.6, 1.6)},
    ),
    "lsgan": Loss(
        "LSGAN",
        "lsgan",
        {},
        # params.LSGANHyperParams defaults: lr 2e-4, beta_1 0.5, k 1, D BN.
        _grid(
            S(2e-4, 0.5, 1),
            S(2e-4, 0.5, 1, d_batch_norm=False),
            S(1e-4, 0.5, 1, d_batch_norm=False),
            S(5e-4, 0.5, 1, d_batch_norm=False),
            S(1e-3, 0.5, 1),
            S(5e-4, 0.5, 1),
            S(1e-4, 0.5, 1),
            S(2e-4, 0.5, 5, d_batch_norm=False),
            S(2e-4, 0.0, 1, d_batch_norm=False),
        ),
        {"mnist": (7.8, 0.6), "fashion_mnist": (30.7, 2.2)},
    ),
    "wgan": Loss(
        "WGAN",
        "wgan",
        # WGAN.py: Adam by default; params.WGANHyperParams: clipping 0.01.
        {"optimizer": "adam", "clip_value": 0.01},
        # params.WGANHyperParams defaults: lr 5e-5, beta_1 0.5, k 5, D BN.
        _grid(
            S(5e-5, 0.5, 5),
            S(1e-4, 0.5, 5),
            S(2e-4, 0.5, 5),
            S(5e-5, 0.0, 5),
            S(1e-4, 0.5, 5, d_batch_norm=False),
            S(5e-5, 0.5, 1),
            S(2e-5, 0.5, 5),
            S(1e-4, 0.0, 5),
            S(5e-4, 0.5, 5),
        ),
        {"mnist": (6.7, 0.4), "fashion_mnist": (21.5, 1.6)},
    ),
    "wgan_gp": Loss(
        "WGAN GP",
        "wgan_gp",
        # params.WGANGPHyperParams: lambda 10; the code's images are in [0, 1].
        {"gp_weight": 10.0, "penalty_pixel_range": "0,1"},
        # params.WGANGPHyperParams defaults: lr 1e-4, beta_1 0.5, k 5, no D BN (the narrow
        # range keeps it off: "From the barplot, clearly False is better").
        _grid(
            S(1e-4, 0.5, 5, d_batch_norm=False),
            S(2e-4, 0.5, 5, d_batch_norm=False),
            S(5e-4, 0.5, 5, d_batch_norm=False),
            S(1e-4, 0.0, 5, d_batch_norm=False),
            S(1e-4, 0.5, 1, d_batch_norm=False),
            S(5e-5, 0.5, 5, d_batch_norm=False),
            S(2e-4, 0.0, 5, d_batch_norm=False),
            S(1e-3, 0.5, 5, d_batch_norm=False),
            S(1e-4, 0.9, 5, d_batch_norm=False),
        ),
        {"mnist": (20.3, 5.0), "fashion_mnist": (24.5, 2.1)},
    ),
    "dragan": Loss(
        "DRAGAN",
        "dragan",
        {},
        # params.DRAGANHyperParams defaults: lr 1e-4, beta_1 0.5, k 1, D BN; lambda 10 (the
        # narrow range keeps D's batch norm off: "From the barplot, clearly False is better").
        _grid(
            S(1e-4, 0.5, 1),
            S(1e-4, 0.5, 1, d_batch_norm=False),
            S(2e-4, 0.5, 1, d_batch_norm=False),
            S(5e-4, 0.5, 1, d_batch_norm=False),
            S(5e-5, 0.5, 1, d_batch_norm=False),
            S(2e-4, 0.5, 1),
            S(1e-3, 0.5, 1, d_batch_norm=False),
            S(1e-4, 0.0, 1, d_batch_norm=False),
            S(1e-4, 0.5, 5, d_batch_norm=False),
        ),
        {"mnist": (7.6, 0.4), "fashion_mnist": (27.7, 1.2)},
    ),
}


def iterations(setting: Setting, d_updates: int = D_UPDATES) -> int:
    """gan_tf iterations (each: `d_steps` D updates, one G update) of `d_updates` D updates."""
    return max(1, d_updates // setting.d_steps)
