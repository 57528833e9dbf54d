"""Training with limited data (issue 26): DCGAN on the first 2,000 and the first 500
Fashion-MNIST training images, with `--augment=none`, `ada` and `diffaugment`, each measured
after the same numbers of real images shown to D (`benchmarks/matched_images.py`), FID
against the full test split.

    python -m benchmarks.limited_data --manual_dir=<folder with the original archives> \\
        --inception_weights=PATH/fid_inception_v3_2015_12_05.npz     (make bench-limited-data)

ADA's speed is scaled to the budget: p may go from 0 to 1 in ADA_IMAGES images instead of the
paper's 500k, which in a run of 300k images would let p rise by 0.6 at most (the paper trains
for millions of images). The report adds D's mean output on reals (`d_real`) for every run
and ADA's p and r_t over training (<out>/curves.png), read from the runs' TensorBoard logs,
and, at the end of each run, D's outputs on its training images against held-out ones
(`overfitting`): whether D memorised its reals, which is what augmentation is for.

Every run is measured to BUDGET images; none_500 and ada_500 are trained on to POINTS[-1], to
see whether either degrades later (the paper's unaugmented runs do, Fig. 1).

One ablation, `ada_fixed_500`: ADA's pipeline at the fixed strength FIXED_P on 500 images. It
tells whether ADA's result there comes from its controller (which keeps p low when r_t on
augmented reals stays near its target) or from the augmentation itself.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
from absl import app, flags

from benchmarks import matched_images
from benchmarks.matched_images import Model, Proof

FLAGS = flags.FLAGS
MODULE = "benchmarks.limited_data"
BATCH = 64  # DCGAN's config
SIZES = (2_000, 500)
ADA_IMAGES = 20_000
FIXED_P = 0.3
BUDGET = 300_000  # images shown to D in every run
POINTS = (100_000, 200_000, 300_000, 450_000, 600_000)
EXTENDED = ("none_500", "ada_500")  # trained on to POINTS[-1]: does either degrade later?
AUGMENTS = {
    "none": ("--augment=none",),
    "ada": ("--augment=ada", f"--ada_images={ADA_IMAGES}"),
    "diffaugment": ("--augment=diffaugment",),
}
MAIN_MODELS = tuple(
    Model(
        f"{augment}_{size}",
        "dcgan",
        (f"--train_images={size}", *augment_flags),
        f"DCGAN (28x28, batch {BATCH}) on the first {size:,} training images, --augment={augment}",
        batch=BATCH,
        until=None if f"{augment}_{size}" in EXTENDED else BUDGET,
    )
    for size in SIZES
    for augment, augment_flags in AUGMENTS.items()
)
FIXED_P_ABLATION = Model(
    "ada_fixed_500",
    "dcgan",
    ("--train_images=500", "--augment=ada_fixed", f"--ada_p={FIXED_P}"),
    f"ablation: DCGAN on the first 500 training images, ADA's pipeline at fixed p = {FIXED_P}",
    batch=BATCH,
    until=BUDGET,
)
MODELS = (*MAIN_MODELS, FIXED_P_ABLATION)


PROOF = Proof(
    title="Training with limited data (issue 26)",
    models=MODELS,
    datasets=("fashion_mnist",),
    points=matched_images.in_thousands(POINTS),
    point_header="point",
    runs_root="runs/limited_data",
    out="experiments/limited_data_proof",
)


def running_mean(values: np.ndarray, window: int = 50) -> np.ndarray:
    """The mean of each value and the `window` - 1 before it (fewer at the start): per-step
    logs are too noisy to read."""
    sums = np.cumsum(np.asarray(values, np.float64))
    counts = np.minimum(np.arange(1, len(sums) + 1), window)
    before = np.concatenate([np.zeros(window), sums])[: len(sums)]
    return (sums - before) / counts


def plot_curves(runs_root: pathlib.Path, out: pathlib.Path) -> pathlib.Path | None:
    """D's mean output on reals for every run, and ADA's p and r_t, against images shown;
    None before any run has logs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gan_tf.analysis.scalars import read_scalars

    figure, axes = plt.subplots(1, len(SIZES), figsize=(6 * len(SIZES), 4), squeeze=False)
    drawn = False
    for axis, size in zip(axes[0], SIZES, strict=True):
        for augment in (*AUGMENTS, "ada_fixed"):
            workdir = runs_root / "fashion_mnist" / f"{augment}_{size}"
            if not (workdir / "tensorboard").is_dir():
                continue
            scalars = read_scalars(workdir)
            steps, d_real = scalars["d_real"]
            axis.plot(steps * BATCH, running_mean(d_real), label=f"{augment}: d_real", lw=0.8)
            if augment == "ada":
                for tag, style in (("augment_p", "k-"), ("augment_rt", "k:")):
                    steps, values = scalars[tag]
                    axis.plot(
                        steps * BATCH, running_mean(values), style, label=f"ada: {tag[8:]}", lw=1.2
                    )
            drawn = True
        axis.set_title(f"{size:,} training images")
        axis.set_xlabel("real images shown to D")
        axis.legend(fontsize=7)
    if not drawn:
        plt.close(figure)
        return None
    path = out / "curves.png"
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def discriminator_outputs(model, images: np.ndarray, batch: int) -> dict[str, float]:
    """D's mean sigmoid output and E[sign(D(x))] (ADA's r_t statistic) on uint8 `images`, in
    batches of `batch` in training mode, as D scores a batch in a step (no augmentation)."""
    import tensorflow as tf

    scores = []
    for begin in range(0, len(images), batch):
        x = tf.constant(images[begin : begin + batch], tf.float32) / 127.5 - 1.0
        scores.append(tf.reshape(model.d_scores(x, None, training=True), [-1]).numpy())
    logits = np.concatenate(scores).astype(np.float64)
    return {
        "sigmoid": float(np.mean(1 / (1 + np.exp(-logits)))),
        "sign": float(np.mean(np.sign(logits))),
    }


def nearest_distance(samples: np.ndarray, images: np.ndarray) -> float:
    """The mean over `samples` of the pixel-space L2 distance to the nearest of `images` (uint8,
    scaled to [0, 1]): a G that copies its training images is nearer to them than to held-out
    images of the same distribution."""
    a = samples.reshape(len(samples), -1).astype(np.float64) / 255.0
    b = images.reshape(len(images), -1).astype(np.float64) / 255.0
    squared = (a**2).sum(1)[:, None] - 2.0 * a @ b.T + (b**2).sum(1)[None, :]
    return float(np.sqrt(np.maximum(squared.min(axis=1), 0.0)).mean())


def overfitting(workdir: pathlib.Path, step: int) -> dict | None:
    """D at the run's checkpoint of `step` on the images it trained on, on as many held-out test
    images and on as many of G's samples (Karras et al. 2020b, Fig. 1b: D's outputs on training
    and validation reals part as D overfits), and how near G's samples are to the training
    images against the held-out ones (`nearest_distance`: does G copy?). Cached by step in
    <workdir>/overfitting.json, so that it outlives the checkpoint; None when neither holds the
    step."""
    from gan_tf.generate import load_run
    from gan_tf.metrics.evaluation import SampleGenerator, real_images

    path = workdir / "overfitting.json"
    cached = json.loads(path.read_text()) if path.is_file() else {}
    if str(step) in cached:
        return cached[str(step)]
    checkpoint = workdir / "checkpoints" / f"ckpt-{step}"
    if not checkpoint.with_suffix(".index").is_file():
        return None
    model, config, _ = load_run(str(workdir), str(checkpoint))
    count, data = config.train_images, {"data_dir": FLAGS.data_dir, "manual_dir": FLAGS.manual_dir}
    sets = {
        "train": real_images(config.dataset, "train", config.image_size, count, **data),
        "held_out": real_images(config.dataset, "test", config.image_size, count, **data),
        "generated": SampleGenerator(model, batch_size=BATCH, jit_compile=False)(count),
    }
    cached[str(step)] = {k: discriminator_outputs(model, v, BATCH) for k, v in sets.items()}
    cached[str(step)]["nearest"] = {
        split: nearest_distance(sets["generated"], sets[split]) for split in ("train", "held_out")
    }
    path.write_text(json.dumps(cached, indent=1) + "\n")
    return cached[str(step)]


def overfitting_table(runs_root: pathlib.Path) -> str:
    """The report's table of `overfitting` for every run at BUDGET images, and for the extended
    runs at their last point too, once measured there."""
    rows = []
    for model in MODELS:
        workdir = runs_root / "fashion_mnist" / model.name
        measured = matched_images.read_results(workdir)
        for images in (BUDGET, POINTS[-1]) if model.until is None else (BUDGET,):
            o = overfitting(workdir, images // BATCH) if str(images) in measured else None
            if o is None:
                continue
            gap = o["train"]["sigmoid"] - o["held_out"]["sigmoid"]
            rows.append(
                f"| {model.name} | {images // BATCH * BATCH:,} | {o['train']['sigmoid']:.3f} | "
                f"{o['held_out']['sigmoid']:.3f} | {gap:+.3f} | "
                f"{o['generated']['sigmoid']:.3f} | {o['train']['sign']:+.2f} | "
                f"{o['held_out']['sign']:+.2f} | {o['nearest']['train']:.2f} | "
                f"{o['nearest']['held_out']:.2f} |"
            )
    if not rows:
        return ""
    return (
        "\n## Does D overfit? D at the end of each run\n\n"
        "D's mean sigmoid output (and E[sign(D(x))], ADA's r_t statistic) on the images it "
        "trained on, on as many held-out test images and on as many of G's samples, without "
        "augmentation, in training mode in batches of 64 (`overfitting` in "
        "`benchmarks/limited_data.py`). A D that memorises its reals scores them above "
        "held-out reals (Karras et al. 2020b, Fig. 1b). NN train, NN held-out: the mean "
        "pixel-space L2 distance (pixels in [0, 1]) from each of as many of G's samples to the "
        "nearest training image, and to the nearest held-out image (`nearest_distance`); a G "
        "that copies its training images is nearer to them.\n\n"
        "| run | images shown | D(train) | D(held-out) | gap | D(G(z)) | r_t train | "
        "r_t held-out | NN train | NN held-out |\n|---|---|---|---|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )


def tiled(features: np.ndarray, count: int) -> np.ndarray:
    """`features` repeated in order to `count` rows: a set of N images scored as `count`
    samples, the number FID is compared at."""
    return np.tile(features, (-(-count // len(features)), 1))[:count]


def training_images_fid() -> dict[int, float]:
    """For each size, the FID of the first `size` training images themselves, repeated to
    `--eval_samples`, against the test split: what a G that reproduced its training images
    exactly would score. Inception features of both splits come from the real-statistics
    cache."""
    from gan_tf.metrics.evaluation import Evaluator
    from gan_tf.metrics.fid import fid_from_features

    def features(split: str | None) -> np.ndarray:
        evaluator = Evaluator(
            "fid", "fashion_mnist", 28, FLAGS.eval_samples, split=split,
            data_dir=FLAGS.data_dir, manual_dir=FLAGS.manual_dir,
            inception_weights=FLAGS.inception_weights, jit_compile=False,
        )  # fmt: skip
        return evaluator.real_statistics()["inception"]["features"]

    train, test = features("train"), features(None)
    return {size: fid_from_features(tiled(train[:size], len(test)), test) for size in SIZES}


def training_images_section() -> str:
    fids = training_images_fid()
    return (
        "\n## The training images themselves\n\n"
        "FID of the first N training images, repeated to "
        f"{FLAGS.eval_samples:,} samples, against the test split (`training_images_fid`): what "
        "a G that reproduced its training images exactly would score.\n\n"
        "| training images | FID |\n|---|---|\n"
        + "\n".join(f"| {size:,} | {fid:.1f} |" for size, fid in fids.items())
        + "\n"
    )


def main(argv: list[str]) -> None:
    del argv
    matched_images.run(PROOF, MODULE)
    out = pathlib.Path(FLAGS.out)
    curves = plot_curves(pathlib.Path(FLAGS.runs_root), out)
    sections = overfitting_table(pathlib.Path(FLAGS.runs_root)) + training_images_section()
    if curves is not None:
        sections = (
            "\n## D's output on reals, and ADA's p and r_t\n\n"
            + f"![curves]({out.name}/{curves.name})\n\n"
            + "d_real: D's mean sigmoid output on (augmented) reals; p: ADA's strength; r_t: "
            + "E[sign(D(x_real))] over the last adjustment interval (target 0.6).\n"
            + sections
        )
    report = out.with_suffix(".md")
    report.write_text(report.read_text() + sections)


if __name__ == "__main__":
    matched_images.define_flags(PROOF)
    app.run(main)
