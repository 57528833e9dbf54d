"""Learning proof of PGGAN (issue 24): grown from 4x4 to 32x32 on MNIST and Fashion-MNIST,
against the same networks trained at 32x32 from the start (`--noprogressive`, the paper's
Table 1 ablation) and against DCGAN, each measured after the same numbers of real images.

    python -m benchmarks.pggan --manual_dir=<folder with the original archives> \
        --inception_weights=PATH/fid_inception_v3_2015_12_05.npz         (make bench-pggan)

The measuring points are the ends of PGGAN's stable phases at each resolution (the `small`
preset: 4x4 after 30k images, 8x8 after 90k, 16x16 after 150k, 32x32 after 210k, and the
end of the run, 300k). At each point every model is trained on (resuming its run: PGGAN with
`--total_images` at the point, which leaves the schedule before it unchanged; DCGAN with
`--train_steps` at the point's images over its batch) and its last checkpoint evaluated with
`python -m gan_tf.evaluate` (FID, KID, FCD on `--eval_samples` images; the EMA generator for
PGGAN, whose samples at a lower resolution are upsampled to 32x32 as the authors' code outputs
them); its grid is kept. The report, <out>.md, gives the table per dataset and each training
segment's steps/s (one core if the command is pinned with taskset).
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re
import shlex
import shutil

from absl import app, flags, logging

from benchmarks.results_table import add_wall_time, checkpoint_step, latest_grid, run_logged

FLAGS = flags.FLAGS

METRICS = "fid,kid,fcd"
DATASETS = ("mnist", "fashion_mnist")
DCGAN_BATCH = 64


@dataclasses.dataclass(frozen=True)
class Model:
    name: str
    variant: str
    flags: tuple[str, ...]
    note: str


MODELS = (
    Model("pggan", "pggan", ("--preset=small",), "grown 4 -> 32, the small preset"),
    Model(
        "direct",
        "pggan",
        ("--preset=small", "--noprogressive"),
        "the same networks at 32x32 from the start",
    ),
    Model("dcgan", "dcgan", ("--image_size=32",), "DCGAN at 32x32, batch 64, its paper's Adam"),
)


def define_flags(values: flags.FlagValues = FLAGS) -> None:
    define = dict(flag_values=values)
    flags.DEFINE_string("manual_dir", None, "Folder with the original archives.", **define)
    flags.DEFINE_string("data_dir", None, "TFDS data directory.", **define)
    flags.DEFINE_string("inception_weights", None, "FID Inception .npz.", **define)
    flags.DEFINE_string("runs_root", "runs/pggan", "Where the runs' workdirs go.", **define)
    flags.DEFINE_string("out", "experiments/pggan_proof", "Report: <out>.md, <out>/.", **define)
    flags.DEFINE_integer(
        "eval_samples",
        2_000,
        "Images per evaluation (15 per dataset at ~6 images/s on a core).",
        **define,
    )
    flags.DEFINE_list("datasets", list(DATASETS), "Which datasets.", **define)
    flags.DEFINE_list("models", [m.name for m in MODELS], "Which of MODELS.", **define)
    flags.DEFINE_bool("render_only", False, "Only rewrite the report.", **define)


def measuring_points() -> list[tuple[int, int]]:
    """(images, resolution): the end of each stable phase of the small preset on 32x32."""
    from gan_tf import configs

    config = configs.get("pggan", dataset="mnist", preset="small")
    phases = config.phases()
    points = [(p.shown_before + p.steps * p.batch_size, p.resolution) for p in phases]
    last = phases[-1]  # the final resolution's first stable length, then the run's end
    growth_end = last.shown_before + -(-config.stable_images // last.batch_size) * last.batch_size
    return [point for p, point in zip(phases[:-1], points, strict=False) if not p.fading] + [
        (growth_end, last.resolution),
        points[-1],
    ]


def train_command(model: Model, dataset: str, images: int, workdir: pathlib.Path) -> list[str]:
    length = (
        f"--total_images={images}"
        if model.variant == "pggan"
        else f"--train_steps={images // DCGAN_BATCH}"
    )
    command = [
        "python", "-m", f"gan_tf.experiments.{model.variant}", f"--dataset={dataset}",
        f"--workdir={workdir}", length, "--nojit_compile", "--checkpoint_every=500",
        "--sample_every=1000", *model.flags,
    ]  # fmt: skip
    if FLAGS.manual_dir:
        command.append(f"--manual_dir={FLAGS.manual_dir}")
    if FLAGS.data_dir:
        command.append(f"--data_dir={FLAGS.data_dir}")
    return command


def eval_command(workdir: pathlib.Path) -> list[str]:
    command = [
        "python", "-m", "gan_tf.evaluate", f"--workdir={workdir}", f"--metrics={METRICS}",
        f"--num_samples={FLAGS.eval_samples}",
    ]  # fmt: skip
    if FLAGS.inception_weights:
        command.append(f"--inception_weights={FLAGS.inception_weights}")
    return command


def results_path(workdir: pathlib.Path) -> pathlib.Path:
    return workdir / "proof_points.json"


def read_results(workdir: pathlib.Path) -> dict[str, dict]:
    path = results_path(workdir)
    return json.loads(path.read_text()) if path.is_file() else {}


def last_speed(log: pathlib.Path) -> float | None:
    """The steps/s of the newest training segment in `log` (the runner's last line)."""
    if not log.is_file():
        return None
    speeds = re.findall(r"then ([0-9.]+) steps/s", log.read_text())
    return float(speeds[-1]) if speeds else None


def measure(model: Model, dataset: str, images: int, out: pathlib.Path) -> None:
    workdir = pathlib.Path(FLAGS.runs_root) / dataset / model.name
    results = read_results(workdir)
    if str(images) in results:
        return
    log = workdir.parent / f"{model.name}.log"
    logging.info("%s on %s: training to %d images", model.name, dataset, images)
    seconds = run_logged(train_command(model, dataset, images, workdir), log)
    add_wall_time(workdir, seconds)
    speed = last_speed(log)
    run_logged(eval_command(workdir), log)
    from gan_tf.evaluate import read_records

    step = checkpoint_step(workdir)
    records = read_records(workdir / "eval" / f"step_{step}.json")
    records = [r for r in records if r.get("num_samples") == FLAGS.eval_samples]
    grid = latest_grid(workdir)
    if grid is not None:
        (out / dataset).mkdir(parents=True, exist_ok=True)
        shutil.copy(grid, out / dataset / f"{model.name}_{images // 1000}k.png")
    results[str(images)] = {
        "step": step,
        "metrics": records[-1]["metrics"],
        "steps_per_second": speed,
        "train_seconds": seconds,
    }
    results_path(workdir).write_text(json.dumps(results, indent=1) + "\n")


def render(out: pathlib.Path) -> str:
    points = measuring_points()
    lines = [
        "# PGGAN's learning proof (issue 24)",
        "",
        "Written by `python -m benchmarks.pggan` (`make bench-pggan`); the module's docstring "
        f"says how. FID and FCD on {FLAGS.eval_samples:,} samples against the test split, "
        "after each number of real images shown to D. steps/s: the training segment that "
        "ended there (CPU, the command pinned to one core).",
        "",
    ]
    for dataset in DATASETS:  # all: one process per dataset may share the report
        lines += [
            f"## {dataset}",
            "",
            "| images | PGGAN at | "
            + " | ".join(f"{m.name} FID | {m.name} FCD | {m.name} steps/s" for m in MODELS)
            + " |",
            "|---|---|" + "---|---|---|" * len(MODELS),
        ]
        for images, resolution in points:
            row = [f"{images:,}", f"{resolution}x{resolution}"]
            for model in MODELS:
                result = read_results(pathlib.Path(FLAGS.runs_root) / dataset / model.name).get(
                    str(images)
                )
                if result is None:
                    row += ["(not yet)"] * 3
                    continue
                m = result["metrics"]
                speed = result["steps_per_second"]
                row += [f"{m['fid']:.2f}", f"{m['fcd']:.2f}", f"{speed:.2f}" if speed else ""]
            lines.append("| " + " | ".join(row) + " |")
        lines += ["", "Commands (each resumes the run; run in this order):", ""]
        for images, _ in points:
            for model in MODELS:
                workdir = pathlib.Path(FLAGS.runs_root) / dataset / model.name
                lines.append(f"    {shlex.join(train_command(model, dataset, images, workdir))}")
        lines.append(f"    {shlex.join(eval_command(pathlib.Path('<workdir>')))}")
        lines += ["", *[m.name + ": " + m.note for m in MODELS], ""]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    del argv
    logging.set_verbosity(logging.INFO)
    out = pathlib.Path(FLAGS.out)
    out.mkdir(parents=True, exist_ok=True)
    unknown = sorted(set(FLAGS.models) - {m.name for m in MODELS})
    if unknown:
        raise app.UsageError(f"unknown models {unknown}: choose from {[m.name for m in MODELS]}")
    if not FLAGS.render_only:
        for dataset in FLAGS.datasets:
            for images, _ in measuring_points():
                for model in MODELS:
                    if model.name in FLAGS.models:
                        measure(model, dataset, images, out)
                        out.with_suffix(".md").write_text(render(out))
    out.with_suffix(".md").write_text(render(out))


if __name__ == "__main__":
    define_flags()
    app.run(main)
