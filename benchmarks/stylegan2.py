"""Learning proof of StyleGAN2 (issue 25): the `small` preset (the authors' cifar config,
narrower) on Fashion-MNIST at 32x32, with and without the paper's regularisers (style mixing,
the path-length penalty; the cifar config has neither), against DCGAN and WGAN-GP, each
measured after the same numbers of real images shown to D (`benchmarks/matched_images.py`).
Notebook 12 reads the two StyleGAN2 runs to test what the regularisers do to the styles and
to w's smoothness.

    python -m benchmarks.stylegan2 --manual_dir=<folder with the original archives> \\
        --inception_weights=PATH/fid_inception_v3_2015_12_05.npz     (make bench-stylegan2)

StyleGAN2 is evaluated through its EMA generator (half-life 500k images, ramped up over the
first 5% of the images shown, as the cifar config). The points stop at 150k images so that the
whole proof ends within about an hour on two cores, one command per core:
`--models=stylegan2,dcgan` and `--models=stylegan2_reg,wgan_gp`.
"""

from __future__ import annotations

from absl import app

from benchmarks import matched_images
from benchmarks.matched_images import Model, Proof

POINTS = (50_000, 100_000, 150_000)
MODELS = (
    Model(
        "stylegan2", "stylegan2", ("--preset=small",),
        "the small preset: the cifar config at widths 64 down to 16, batch 32", batch=32,
    ),
    Model(
        "stylegan2_reg", "stylegan2", ("--preset=small", "--style_mixing=0.9", "--pl_weight=2"),
        "the small preset with the paper's regularisers: style mixing 0.9 (StyleGAN sec. 3.1), "
        "path-length penalty weight 2 every 4 G steps (sec. 3.2)", batch=32,
    ),
    Model(
        "dcgan", "dcgan", ("--image_size=32",), "DCGAN at 32x32, batch 64, its paper's Adam",
        batch=64,
    ),
    Model(
        "wgan_gp", "wgan_gp", ("--image_size=32",),
        "WGAN-GP at 32x32 (DCGAN-like networks), batch 64, 5 critic steps: 320 images a step",
        batch=320,
    ),
)  # fmt: skip


PROOF = Proof(
    title="StyleGAN2's learning proof (issue 25)",
    models=MODELS,
    datasets=("fashion_mnist",),
    points=matched_images.in_thousands(POINTS),
    point_header="point",
    runs_root="runs/stylegan2",
    out="experiments/stylegan2_proof",
)


def main(argv: list[str]) -> None:
    del argv
    matched_images.run(PROOF, "benchmarks.stylegan2")


if __name__ == "__main__":
    matched_images.define_flags(PROOF)
    app.run(main)
