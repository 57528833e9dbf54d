"""Training with limited data (issue 26): DCGAN on the first 2,000 and the first 500
Fashion-MNIST training images, with `--augment=none`, `ada` and `diffaugment`, each measured
after the same numbers of real images shown to D (`benchmarks/matched_images.py`), FID
against the full test split.

    python -m benchmarks.limited_data --manual_dir=<folder with the original archives> \\
        --inception_weights=PATH/fid_inception_v3_2015_12_05.npz     (make bench-limited-data)

ADA's speed is scaled to the budget: p may go from 0 to 1 in ADA_IMAGES images instead of the
paper's 500k, which in a run of 300k images would let p rise by 0.6 at most (the paper trains
for millions of images). The report adds D's mean output on reals (`d_real`) for every run
and ADA's p and r_t over training (<out>/curves.png), read from the runs' TensorBoard logs.
"""

from __future__ import annotations

import pathlib

from absl import app, flags

from benchmarks import matched_images
from benchmarks.matched_images import Model, Proof

FLAGS = flags.FLAGS
MODULE = "benchmarks.limited_data"
BATCH = 64  # DCGAN's config
SIZES = (2_000, 500)
ADA_IMAGES = 20_000
POINTS = (100_000, 200_000, 300_000)
AUGMENTS = {
    "none": ("--augment=none",),
    "ada": ("--augment=ada", f"--ada_images={ADA_IMAGES}"),
    "diffaugment": ("--augment=diffaugment",),
}
MODELS = tuple(
    Model(
        f"{augment}_{size}",
        "dcgan",
        (f"--train_images={size}", *augment_flags),
        f"DCGAN (28x28, batch {BATCH}) on the first {size:,} training images, --augment={augment}",
        batch=BATCH,
    )
    for size in SIZES
    for augment, augment_flags in AUGMENTS.items()
)


PROOF = Proof(
    title="Training with limited data (issue 26)",
    models=MODELS,
    datasets=("fashion_mnist",),
    points=matched_images.in_thousands(POINTS),
    point_header="point",
    runs_root="runs/limited_data",
    out="experiments/limited_data_proof",
)


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
        for augment in AUGMENTS:
            workdir = runs_root / "fashion_mnist" / f"{augment}_{size}"
            if not (workdir / "tensorboard").is_dir():
                continue
            scalars = read_scalars(workdir)
            steps, d_real = scalars["d_real"]
            axis.plot(steps * BATCH, d_real, label=f"{augment}: d_real", lw=0.8)
            if augment == "ada":
                for tag, style in (("augment_p", "k-"), ("augment_rt", "k:")):
                    steps, values = scalars[tag]
                    axis.plot(steps * BATCH, values, style, label=f"ada: {tag[8:]}", lw=1.2)
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


def main(argv: list[str]) -> None:
    del argv
    matched_images.run(PROOF, MODULE)
    out = pathlib.Path(FLAGS.out)
    curves = plot_curves(pathlib.Path(FLAGS.runs_root), out)
    if curves is not None:
        report = out.with_suffix(".md")
        report.write_text(
            report.read_text()
            + "\n## D's output on reals, and ADA's p and r_t\n\n"
            + f"![curves]({out.name}/{curves.name})\n\n"
            + "d_real: D's mean sigmoid output on (augmented) reals; p: ADA's strength; r_t: "
            + "E[sign(D(x_real))] over the last adjustment interval (target 0.6).\n"
        )


if __name__ == "__main__":
    matched_images.define_flags(PROOF)
    app.run(main)
