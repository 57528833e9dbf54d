"""Stability benchmark: every unconditional variant on the 2-D ring of 8 Gaussians.

    python -m benchmarks.toy_mixture --out=experiments/toy_mixture.md      (make bench-toy)

Not a test: it measures how many modes each variant covers and how sharp its samples are, the
two numbers of the synthetic experiments of VEEGAN (Srivastava et al. 2017) and the unrolled
GAN (Metz et al. 2017), on the standard ring (`gan_tf.data.toy.ring_of_gaussians`: 8 modes,
radius 2, std 0.02). A sample is high quality within 3 std (0.06) of its nearest mode; a mode
is covered when at least 1% of all samples are high-quality samples of it
(`gan_tf.metrics.mode_coverage`).

Variants, each built from the library's own model classes and losses (the noise-to-image core
`gan_tf.models.noise_to_image.NoiseToImageGAN` and its WGAN, WGAN-GP and LSGAN subclasses),
with its paper's optimizer and critic schedule:

  gan_non_saturating  Goodfellow et al. 2014, -log D(G(z)) for G (sec. 3); Adam(2e-4, 0.5)
  gan_minimax         Goodfellow et al. 2014, log(1 - D(G(z))) for G (eq. 1); Adam(2e-4, 0.5)
  wgan                Arjovsky et al. 2017, weight clipping c = 0.01, RMSProp(5e-5),
                      n_critic = 5
  wgan_gp             Gulrajani et al. 2017, lambda = 10, Adam(1e-4, 0, 0.9), n_critic = 5
  lsgan               Mao et al. 2017, a = 0, b = 1, c = 1; Adam(2e-4, 0.5)

The Adam(2e-4, 0.5) of the cross-entropy and least-squares GANs is the DCGAN setting (Radford
et al. 2016) that LSGAN also uses, and the library's default for them.

Networks. The 2-D toy code of WGAN-GP (Gulrajani et al. 2017, `gan_toy.py`) uses 2-D Gaussian
noise, three ReLU layers of 512 units in both networks, a linear output and batches of 256;
the unrolled GAN and VEEGAN ring experiments use 128-unit ReLU layers (with 256-D noise). We
take gan_toy's shape -- 2-D noise, three hidden layers, linear 2-D output, batch 256 -- at the
unrolled GAN's width of 128 units: at 512 units a WGAN-GP step (five critic updates with a
double backward pass) is about 15x slower than at 128 on a CPU (experiments/speed.md), too
slow for 15 runs in the benchmark's budget. The generator is `mlp_vector_generator`
(linear output: the ring is outside tanh's range); the discriminator/critic is
`mlp_discriminator` on 2-D inputs without dropout (LeakyReLU(0.2), linear score; no batch
norm, which WGAN-GP's per-sample penalty forbids). Note that gan_toy.py itself uses
lambda = 0.1 ("smaller lambda seems to help for toy tasks") and trains for 100,000 generator
iterations; we keep the paper's lambda = 10 and a far shorter budget (--train_steps), so the
numbers are about stability early in training, not at convergence.

Each (variant, seed) run seeds the weight initialisation, the data sample and order, and the
training noise with the same seed, so for a given seed every variant starts from the same
generator and critic weights. Writes the Markdown table to --out and a scatter figure (one
panel per variant, first seed) beside it, with the same name and a .png suffix.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import pathlib
import platform
import shlex
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np
from absl import app, flags, logging

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

FLAGS = flags.FLAGS
flags.DEFINE_list(
    "variants",
    ["gan_non_saturating", "gan_minimax", "wgan", "wgan_gp", "lsgan"],
    "Which variants to train (see the module docstring).",
)
flags.DEFINE_list("seeds", ["0", "1", "2"], "One run per seed and variant.")
flags.DEFINE_integer(
    "train_steps", 2000, "Generator iterations per run (each with n_critic critic steps).", 1
)
flags.DEFINE_integer("num_samples", 10_000, "Generated samples evaluated per run.", 1)
flags.DEFINE_integer("batch_size", 256, "Real and generated points per update.", 1)
flags.DEFINE_integer("latent_dim", 2, "Size of the noise vector z.", 1)
flags.DEFINE_list("hidden_units", ["128", "128", "128"], "Hidden layer widths of G and D.")
# `out` and `jit_compile` are also flags of benchmarks/translation.py (see there).
flags.DEFINE_string(
    "out", "experiments/toy_mixture.md", "The Markdown table; the .png beside.", allow_override=True
)
flags.DEFINE_bool("jit_compile", True, "XLA-compile the training steps.", allow_override=True)

MODULE = "benchmarks.toy_mixture"


# --- The variants ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Setup:
    """Network sizes and the run's settings, shared by every variant."""

    latent_dim: int
    hidden_units: tuple[int, ...]
    jit_compile: bool


@dataclasses.dataclass(frozen=True)
class Variant:
    """How to build one variant: its paper, a one-line summary and a builder(setup, seed)."""

    name: str
    paper: str
    summary: str
    d_steps: int
    build: Callable[[Setup, int], object]


def _networks(setup: Setup):
    from gan_tf.networks.mlp import mlp_discriminator, mlp_vector_generator

    generator = mlp_vector_generator(setup.latent_dim, 2, setup.hidden_units)
    # No dropout: the toy critic of gan_toy.py has none, and WGAN-GP's penalty is per sample.
    critic = mlp_discriminator((2,), setup.hidden_units, dropout=0.0)
    return generator, critic


def _adam(learning_rate: float, beta_1: float, beta_2: float):
    import keras

    return keras.optimizers.Adam(learning_rate, beta_1=beta_1, beta_2=beta_2)


def _build_gan(g_loss: str) -> Callable[[Setup, int], object]:
    def build(setup: Setup, seed: int):
        from gan_tf import losses
        from gan_tf.models.noise_to_image import NoiseToImageGAN

        generator, discriminator = _networks(setup)
        model = NoiseToImageGAN(
            generator,
            discriminator,
            latent_dim=setup.latent_dim,
            d_steps=1,
            g_steps=1,
            seed=seed,
            name=f"gan_{g_loss}",
        )
        model.compile(
            d_optimizer=_adam(2e-4, 0.5, 0.999),
            g_optimizer=_adam(2e-4, 0.5, 0.999),
            d_loss_fn=losses.DISCRIMINATOR_LOSSES[g_loss],
            g_loss_fn=losses.GENERATOR_LOSSES[g_loss],
            jit_compile=setup.jit_compile,
        )
        return model

    return build


def _build_wgan(setup: Setup, seed: int):
    import keras

    from gan_tf.models.wgan import WGAN

    generator, critic = _networks(setup)
    model = WGAN(
        generator,
        critic,
        latent_dim=setup.latent_dim,
        d_steps=5,
        g_steps=1,
        seed=seed,
        clip_value=0.01,
    )
    # rho = 0.99 as in the authors' code (PyTorch's RMSprop alpha), like `build_wgan`.
    model.compile(
        d_optimizer=keras.optimizers.RMSprop(5e-5, rho=0.99),
        g_optimizer=keras.optimizers.RMSprop(5e-5, rho=0.99),
        jit_compile=setup.jit_compile,
    )
    return model


def _build_wgan_gp(setup: Setup, seed: int):
    from gan_tf.models.wgan_gp import WGANGP

    generator, critic = _networks(setup)
    model = WGANGP(
        generator,
        critic,
        latent_dim=setup.latent_dim,
        d_steps=5,
        g_steps=1,
        seed=seed,
        gp_weight=10.0,
    )
    model.compile(
        d_optimizer=_adam(1e-4, 0.0, 0.9),
        g_optimizer=_adam(1e-4, 0.0, 0.9),
        jit_compile=setup.jit_compile,
    )
    return model


def _build_lsgan(setup: Setup, seed: int):
    from gan_tf.models.lsgan import LSGAN

    generator, discriminator = _networks(setup)
    model = LSGAN(
        generator, discriminator, latent_dim=setup.latent_dim, d_steps=1, g_steps=1, seed=seed
    )
    model.compile(
        d_optimizer=_adam(2e-4, 0.5, 0.999),
        g_optimizer=_adam(2e-4, 0.5, 0.999),
        jit_compile=setup.jit_compile,
    )
    return model


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant(
            "gan_non_saturating",
            "Goodfellow et al. 2014",
            "G: -log D(G(z)); Adam(2e-4, 0.5, 0.999); k = 1",
            1,
            _build_gan("non_saturating"),
        ),
        Variant(
            "gan_minimax",
            "Goodfellow et al. 2014",
            "G: log(1 - D(G(z))); Adam(2e-4, 0.5, 0.999); k = 1",
            1,
            _build_gan("minimax"),
        ),
        Variant(
            "wgan",
            "Arjovsky et al. 2017",
            "clip c = 0.01; RMSProp(5e-5); n_critic = 5",
            5,
            _build_wgan,
        ),
        Variant(
            "wgan_gp",
            "Gulrajani et al. 2017",
            "lambda = 10; Adam(1e-4, 0, 0.9); n_critic = 5",
            5,
            _build_wgan_gp,
        ),
        Variant(
            "lsgan",
            "Mao et al. 2017",
            "a, b, c = 0, 1, 1; Adam(2e-4, 0.5, 0.999); k = 1",
            1,
            _build_lsgan,
        ),
    )
}


def resolve_variants(names: Sequence[str]) -> list[Variant]:
    """The `Variant`s named, in order; a clear UsageError for an unknown or repeated name."""
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise app.UsageError(
            f"unknown variant(s) {', '.join(map(repr, unknown))}: choose from {', '.join(VARIANTS)}"
        )
    if not names or len(set(names)) != len(names):
        raise app.UsageError(f"--variants must name each variant once, got {list(names)}")
    return [VARIANTS[n] for n in names]


def parse_ints(values: Sequence[str], flag: str) -> list[int]:
    try:
        numbers = [int(v) for v in values]
    except ValueError:
        raise app.UsageError(f"--{flag} must be integers, got {','.join(values)}") from None
    if not numbers:
        raise app.UsageError(f"--{flag} must not be empty")
    return numbers


# --- One run ---------------------------------------------------------------------------------


@dataclasses.dataclass
class RunResult:
    variant: str
    seed: int
    modes_covered: int
    high_quality_share: float
    counts: list[int]
    train_steps: int
    wall_seconds: float
    first_step_seconds: float
    samples: np.ndarray


def train_and_evaluate(
    variant: Variant,
    seed: int,
    setup: Setup,
    *,
    train_steps: int,
    batch_size: int,
    num_samples: int,
) -> RunResult:
    """Trains one variant with `model.fit` on the ring, then scores `num_samples` samples."""
    import keras

    from gan_tf.data.toy import ring_of_gaussians, toy_pipeline
    from gan_tf.metrics.mode_coverage import mode_coverage

    begin = time.perf_counter()
    mixture = ring_of_gaussians()
    keras.backend.clear_session()  # fresh layer names and graph state for every run
    keras.utils.set_random_seed(seed)  # same initial weights for every variant at this seed
    model = variant.build(setup, seed)
    # Each of the d_steps critic updates takes its own slice of fresh real points.
    dataset = toy_pipeline(mixture, batch_size * variant.d_steps, seed=seed)

    first_step: list[float] = []

    class FirstStep(keras.callbacks.Callback):
        # The first step includes tracing and XLA compilation; report it apart.
        def on_train_batch_end(self, batch, logs=None):
            if not first_step:
                first_step.append(time.perf_counter() - begin)

    model.fit(
        dataset,
        epochs=1,
        steps_per_epoch=train_steps,
        verbose=0,
        shuffle=False,  # the pipeline shuffles (seeded); Keras cannot shuffle a stream
        callbacks=[FirstStep()],
    )
    # Evaluation noise from its own seeded stream, N(0, I) like the training noise.
    z = np.random.default_rng([seed, 2017]).standard_normal((num_samples, setup.latent_dim))
    samples = np.asarray(model.generator(z.astype(np.float32), training=False))
    result = mode_coverage(samples, mixture.centres, mixture.std)
    return RunResult(
        variant=variant.name,
        seed=seed,
        modes_covered=result.modes_covered,
        high_quality_share=result.high_quality_share,
        counts=result.counts.tolist(),
        train_steps=int(model.step.numpy()),
        wall_seconds=time.perf_counter() - begin,
        first_step_seconds=first_step[0] if first_step else float("nan"),
        samples=samples,
    )


# --- Report ----------------------------------------------------------------------------------


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof = 1; 0 for a single value)."""
    array = np.asarray(values, dtype=np.float64)
    return float(array.mean()), float(array.std(ddof=1)) if array.size > 1 else 0.0


def invocation() -> str:
    """The command line of this run: the module and the flags given explicitly."""
    given = [FLAGS[name].serialize() for name in _OWN_FLAGS if FLAGS[name].present]
    return shlex.join(["python", "-m", MODULE, *given])


def write_figure(path: pathlib.Path, runs: Sequence[RunResult], mixture) -> pathlib.Path:
    """One scatter panel of generated samples per run, over the true mode centres."""
    import matplotlib

    matplotlib.use("Agg")  # no display: write files only
    import matplotlib.pyplot as plt

    real = mixture.sample(runs[0].samples.shape[0], seed=12345)
    panels = [("data (reference)", real, None), *[(r.variant, r.samples, r) for r in runs]]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.0 * len(panels), 3.3), squeeze=False)
    limit = 2.8
    for ax, (title, points, run) in zip(axes[0], panels, strict=True):
        inside = np.all(np.abs(points) <= limit, axis=1)
        ax.scatter(points[inside, 0], points[inside, 1], s=1, alpha=0.25, color="tab:blue")
        ax.scatter(mixture.centres[:, 0], mixture.centres[:, 1], s=30, marker="x", color="red")
        if run is not None:
            title = (
                f"{title} (seed {run.seed})\n{run.modes_covered}/{mixture.num_modes} modes, "
                f"{100 * run.high_quality_share:.1f}% high quality"
            )
            if not inside.all():
                title += f"\n{int((~inside).sum())} points outside the view"
        ax.set_title(title, fontsize=8)
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=6)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def markdown_report(
    runs: Sequence[RunResult],
    variants: Sequence[Variant],
    *,
    reference,
    figure: pathlib.Path,
    command: str,
    settings: dict[str, object],
    total_seconds: float,
) -> str:
    import keras
    import tensorflow as tf

    num_modes = len(runs[0].counts)
    lines = [
        "# Stability on the 2-D ring of 8 Gaussians",
        "",
        "Generated by `benchmarks/toy_mixture.py`; the numbers are as measured.",
        "",
        f"- Command: `{command}`",
        f"- Settings: {', '.join(f'{k}={v}' for k, v in settings.items())}",
        f"- Date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- TensorFlow {tf.__version__}, Keras {keras.__version__}, Python "
        f"{platform.python_version()}, CPU only ({os.cpu_count()} cores, shared)",
        f"- Total wall time: {total_seconds / 60:.1f} min",
        f"- Figure (first seed of each variant): [{figure.name}]({figure.name})",
        "",
        "Data: 8 Gaussians on a circle of radius 2, std 0.02 (`gan_tf.data.toy`). A sample is "
        "*high quality* within 3 std (0.06) of its nearest mode; a mode is *covered* when at "
        "least 1% of all samples are high-quality samples of it (VEEGAN, Srivastava et al. "
        "2017; Metz et al. 2017). Mean ± sample std over seeds.",
        "",
        f"| Variant | Setting | Modes covered (of {num_modes}) | Per seed | High quality (%) "
        "| Per seed (%) | Train steps | Wall time per run (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for variant in variants:
        mine = [r for r in runs if r.variant == variant.name]
        modes_mean, modes_std = mean_std([r.modes_covered for r in mine])
        hq_mean, hq_std = mean_std([100 * r.high_quality_share for r in mine])
        wall_mean, _ = mean_std([r.wall_seconds for r in mine])
        lines.append(
            f"| {variant.name} | {variant.paper}: {variant.summary} "
            f"| {modes_mean:.2f} ± {modes_std:.2f} "
            f"| {', '.join(str(r.modes_covered) for r in mine)} "
            f"| {hq_mean:.1f} ± {hq_std:.1f} "
            f"| {', '.join(f'{100 * r.high_quality_share:.1f}' for r in mine)} "
            f"| {mine[0].train_steps} | {wall_mean:.0f} |"
        )
    lines.append(
        f"| data (reference) | {reference.num_samples} points drawn from the mixture itself "
        f"| {reference.modes_covered} | – | {100 * reference.high_quality_share:.1f} | – | – | – |"
    )
    lines += [
        "",
        "Per run: high-quality samples per mode (mode k at angle 2πk/8), and the time to the "
        "end of the first step (tracing and XLA compilation).",
        "",
        "| Variant | Seed | Modes | High quality (%) | Samples per mode | First step (s) "
        "| Wall (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r.variant} | {r.seed} | {r.modes_covered} | {100 * r.high_quality_share:.1f} "
            f"| {' '.join(map(str, r.counts))} | {r.first_step_seconds:.1f} "
            f"| {r.wall_seconds:.0f} |"
        )
    lines += [
        "",
        "Notes: every variant uses its paper's optimizer and critic schedule, unchanged for "
        "this toy; a train step is one generator update (after n_critic critic updates for "
        f"the WGANs). Networks: {settings['latent_dim']}-D noise, hidden layers of "
        f"{settings['hidden_units']} units in G (ReLU, linear output) and D (LeakyReLU(0.2), "
        f"linear score), batch {settings['batch_size']}, after the WGAN-GP toy code "
        "(`gan_toy.py`: 2-D noise, 512x512x512, batch 256) but narrower; see "
        "the module docstring of `benchmarks/toy_mixture.py`. Wall time includes building, "
        "compiling, training and evaluating one run.",
        "",
    ]
    observations = [
        f"- {variant.name}: {note}"
        for variant in variants
        if (note := observation([r for r in runs if r.variant == variant.name], num_modes))
    ]
    if observations:
        lines += ["Read from the measurements above (rules in `observation`):", "", *observations]
        lines.append("")
    return "\n".join(lines)


def observation(runs: Sequence[RunResult], num_modes: int) -> str | None:
    """A one-line reading of a variant's runs, seed by seed, from fixed thresholds, or None.

    It separates the two ways a run scores low: samples that are not yet on any mode (under 5%
    high quality: not fitted at this budget) and samples that are sharp but miss modes (mode
    collapse, Metz et al. 2017). No learning rate is tuned for this toy, so the first says so.
    """
    steps = runs[0].train_steps
    unfitted = [r for r in runs if r.high_quality_share < 0.05]
    missing = [r for r in runs if r.high_quality_share >= 0.05 and r.modes_covered < num_modes]
    parts = []
    if unfitted:
        parts.append(
            f"seed(s) {', '.join(str(r.seed) for r in unfitted)} not yet fitted after {steps} "
            "generator steps with its paper's optimizer settings (under 5% of samples within "
            "3 std of a mode: "
            f"{', '.join(f'{100 * r.high_quality_share:.1f}%' for r in unfitted)}; no "
            "learning rate was tuned for this toy)"
        )
    if missing:
        parts.append(
            f"seed(s) {', '.join(str(r.seed) for r in missing)} miss modes with sharp samples "
            f"(covers {', '.join(str(r.modes_covered) for r in missing)} of {num_modes})"
        )
    return "; ".join(parts) + "." if parts else None


# --- Entry point -----------------------------------------------------------------------------

_OWN_FLAGS = (
    "variants",
    "seeds",
    "train_steps",
    "num_samples",
    "batch_size",
    "latent_dim",
    "hidden_units",
    "out",
    "jit_compile",
)


def main(argv: Sequence[str]) -> None:
    del argv
    variants = resolve_variants(FLAGS.variants)
    seeds = parse_ints(FLAGS.seeds, "seeds")
    hidden_units = tuple(parse_ints(FLAGS.hidden_units, "hidden_units"))
    setup = Setup(FLAGS.latent_dim, hidden_units, FLAGS.jit_compile)
    out = pathlib.Path(FLAGS.out)
    command = invocation()

    from gan_tf.data.toy import ring_of_gaussians
    from gan_tf.metrics.mode_coverage import mode_coverage

    begin = time.perf_counter()
    runs: list[RunResult] = []
    total = len(variants) * len(seeds)
    for variant in variants:
        for seed in seeds:
            run = train_and_evaluate(
                variant,
                seed,
                setup,
                train_steps=FLAGS.train_steps,
                batch_size=FLAGS.batch_size,
                num_samples=FLAGS.num_samples,
            )
            runs.append(run)
            logging.info(
                "[%d/%d] %s seed %d: %d modes, %.1f%% high quality, %d steps in %.1f s "
                "(first step %.1f s)",
                len(runs),
                total,
                run.variant,
                seed,
                run.modes_covered,
                100 * run.high_quality_share,
                run.train_steps,
                run.wall_seconds,
                run.first_step_seconds,
            )

    mixture = ring_of_gaussians()
    reference = mode_coverage(
        mixture.sample(FLAGS.num_samples, seed=12345), mixture.centres, mixture.std
    )
    figure = write_figure(out.with_suffix(".png"), [r for r in runs if r.seed == seeds[0]], mixture)
    settings = {
        "train_steps": FLAGS.train_steps,
        "seeds": ",".join(map(str, seeds)),
        "num_samples": FLAGS.num_samples,
        "batch_size": FLAGS.batch_size,
        "latent_dim": FLAGS.latent_dim,
        "hidden_units": "x".join(map(str, hidden_units)),
        "jit_compile": FLAGS.jit_compile,
    }
    report = markdown_report(
        runs,
        variants,
        reference=reference,
        figure=figure,
        command=command,
        settings=settings,
        total_seconds=time.perf_counter() - begin,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    logging.info("wrote %s and %s", out, figure)


if __name__ == "__main__":
    app.run(main)
