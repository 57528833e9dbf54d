"""Learning proof of PGGAN (issue 24): grown from 4x4 to 32x32 on MNIST and Fashion-MNIST,
against the same networks trained at 32x32 from the start (`--noprogressive`, the paper's
Table 1 ablation) and against DCGAN, each measured after the same numbers of real images
(`benchmarks/matched_images.py`).

    python -m benchmarks.pggan --manual_dir=<folder with the original archives> \\
        --inception_weights=PATH/fid_inception_v3_2015_12_05.npz         (make bench-pggan)

The measuring points are the ends of PGGAN's stable phases at each resolution (the `small`
preset: 4x4 after 30k images, 8x8 after 90k, 16x16 after 150k, 32x32 after 210k, the end of
the preset's run). PGGAN is evaluated through its EMA generator, whose samples at a lower
resolution are upsampled to 32x32 as the authors' code outputs them.
"""

from __future__ import annotations

from absl import app

from benchmarks import matched_images
from benchmarks.matched_images import Model, Proof

DCGAN_BATCH = 64
MODELS = (
    Model("pggan", "pggan", ("--preset=small",), "grown 4 -> 32, the small preset"),
    Model(
        "direct",
        "pggan",
        ("--preset=small", "--noprogressive"),
        "the same networks at 32x32 from the start",
    ),
    Model(
        "dcgan", "dcgan", ("--image_size=32",), "DCGAN at 32x32, batch 64, its paper's Adam",
        batch=DCGAN_BATCH,
    ),
)  # fmt: skip


def measuring_points() -> list[tuple[int, str]]:
    """(images, the resolution PGGAN trains at): the end of each stable phase of the small
    preset on 32x32, the last one the run's end."""
    from gan_tf import configs

    config = configs.get("pggan", dataset="mnist", preset="small")
    phases = config.phases()
    ends = [p.shown_before + p.steps * p.batch_size for p in phases]
    side = lambda p: f"{p.resolution}x{p.resolution}"  # noqa: E731
    return [(end, side(p)) for p, end in zip(phases, ends, strict=True) if not p.fading]


PROOF = Proof(
    title="PGGAN's learning proof (issue 24)",
    models=MODELS,
    datasets=("mnist", "fashion_mnist"),
    points=measuring_points,
    point_header="PGGAN at",
    runs_root="runs/pggan",
    out="experiments/pggan_proof",
)


def main(argv: list[str]) -> None:
    del argv
    matched_images.run(PROOF, "benchmarks.pggan")


if __name__ == "__main__":
    matched_images.define_flags(PROOF)
    app.run(main)
