"""A learning proof at matched images: several models trained on the same data, each measured
after the same numbers of real images shown to D (`make bench-pggan`, `make bench-stylegan2`).

At each measuring point every model is trained on (resuming its run, with the length flag that
reaches the point: `--total_images` for the growing variants, `--train_steps` = images over
the batch for the others) and its last checkpoint evaluated with `python -m gan_tf.evaluate`
(FID, KID, FCD on `--eval_samples` images; an EMA generator where the model has one); its grid
is kept. The report, <out>.md, gives a table per dataset and each training segment's steps/s
(one core if the command is pinned with taskset). Everything resumes: a point measured is
read back from the run's `proof_points.json`.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re
import shlex
import shutil
from collections.abc import Callable, Sequence

from absl import app, flags, logging

from benchmarks.results_table import add_wall_time, checkpoint_step, latest_grid, run_logged

FLAGS = flags.FLAGS

METRICS = "fid,kid,fcd"


@dataclasses.dataclass(frozen=True)
class Model:
    """A model of the proof: `variant`'s experiment with `flags`; `batch` None for a variant
    whose length is `--total_images`, else its batch (length `--train_steps`); measured at the
    proof's points up to `until` images (None: all of them)."""

    name: str
    variant: str
    flags: tuple[str, ...]
    note: str
    batch: int | None = None
    until: int | None = None

    def measured_at(self, images: int) -> bool:
        return self.until is None or images <= self.until

    def length_flag(self, images: int) -> str:
        if self.batch is None:
            return f"--total_images={images}"
        return f"--train_steps={images // self.batch}"


@dataclasses.dataclass(frozen=True)
class Proof:
    """What a proof trains and where it measures: `points()` gives (images, label) pairs."""

    title: str
    models: tuple[Model, ...]
    datasets: tuple[str, ...]
    points: Callable[[], list[tuple[int, str]]]
    point_header: str
    runs_root: str
    out: str


def in_thousands(points: Sequence[int]) -> Callable[[], list[tuple[int, str]]]:
    """A proof's `points` for fixed numbers of images, each labelled in thousands."""
    return lambda: [(images, f"{images // 1000}k") for images in points]


def define_flags(proof: Proof, values: flags.FlagValues = FLAGS) -> None:
    define = dict(flag_values=values)
    flags.DEFINE_string("manual_dir", None, "Folder with the original archives.", **define)
    flags.DEFINE_string("data_dir", None, "TFDS data directory.", **define)
    flags.DEFINE_string("inception_weights", None, "FID Inception .npz.", **define)
    flags.DEFINE_string("runs_root", proof.runs_root, "Where the runs' workdirs go.", **define)
    flags.DEFINE_string("out", proof.out, "Report: <out>.md, <out>/.", **define)
    flags.DEFINE_integer(
        "eval_samples", 2_000, "Images per evaluation (~6 images/s on a CPU core).", **define
    )
    flags.DEFINE_list("datasets", list(proof.datasets), "Which datasets.", **define)
    flags.DEFINE_list("models", [m.name for m in proof.models], "Which models.", **define)
    flags.DEFINE_bool("render_only", False, "Only rewrite the report.", **define)


def train_command(model: Model, dataset: str, images: int, workdir: pathlib.Path) -> list[str]:
    command = [
        "python", "-m", f"gan_tf.experiments.{model.variant}", f"--dataset={dataset}",
        f"--workdir={workdir}", model.length_flag(images), "--nojit_compile",
        "--checkpoint_every=500", "--sample_every=1000", *model.flags,
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


def render(proof: Proof, module: str) -> str:
    models: Sequence[Model] = proof.models
    lines = [
        f"# {proof.title}",
        "",
        f"Written by `python -m {module}`; `benchmarks/matched_images.py` says how. FID and FCD "
        f"on {FLAGS.eval_samples:,} samples against the test split, after each number of real "
        "images shown to D. steps/s: the training segment that ended there (CPU, the command "
        "pinned to one core).",
        "",
    ]
    for dataset in proof.datasets:  # all: one process per dataset may share the report
        lines += [
            f"## {dataset}",
            "",
            f"| images | {proof.point_header} | "
            + " | ".join(f"{m.name} FID | {m.name} FCD | {m.name} steps/s" for m in models)
            + " |",
            "|---|---|" + "---|---|---|" * len(models),
        ]
        for images, label in proof.points():
            row = [f"{images:,}", label]
            for model in models:
                result = read_results(pathlib.Path(FLAGS.runs_root) / dataset / model.name).get(
                    str(images)
                )
                if result is None:
                    row += ["(not yet)" if model.measured_at(images) else ""] * 3
                    continue
                m = result["metrics"]
                speed = result["steps_per_second"]
                row += [f"{m['fid']:.2f}", f"{m['fcd']:.2f}", f"{speed:.2f}" if speed else ""]
            lines.append("| " + " | ".join(row) + " |")
        lines += ["", "Commands (each resumes the run; run in this order):", ""]
        for images, _ in proof.points():
            for model in models:
                if not model.measured_at(images):
                    continue
                workdir = pathlib.Path(FLAGS.runs_root) / dataset / model.name
                lines.append(f"    {shlex.join(train_command(model, dataset, images, workdir))}")
        lines.append(f"    {shlex.join(eval_command(pathlib.Path('<workdir>')))}")
        lines += ["", *[m.name + ": " + m.note for m in models], ""]
    return "\n".join(lines)


def collect(proof: Proof) -> dict[str, dict[str, dict[str, dict]]]:
    """{dataset: {model: {images: result}}} of every point measured so far: the report's data,
    written beside it as <out>.json for notebooks and plots."""
    return {
        dataset: {
            model.name: read_results(pathlib.Path(FLAGS.runs_root) / dataset / model.name)
            for model in proof.models
        }
        for dataset in proof.datasets
    }


def plot_fid(data: dict[str, dict[str, dict[str, dict]]], out: pathlib.Path) -> pathlib.Path | None:
    """<out>/fid.png from a proof's `collect`ed data: FID against images shown, a panel per
    dataset and a line per model; None before any point is measured."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not any(results for models in data.values() for results in models.values()):
        return None
    figure, axes = plt.subplots(1, len(data), figsize=(5.5 * len(data), 4), squeeze=False)
    for axis, (dataset, models) in zip(axes[0], data.items(), strict=True):
        for name, results in models.items():
            measured = sorted((int(images), r["metrics"]["fid"]) for images, r in results.items())
            if measured:
                images, fids = zip(*measured, strict=True)
                axis.plot([i / 1000 for i in images], fids, "o-", label=name)
        axis.set(title=dataset, xlabel="real images shown to D (thousands)", ylabel="FID")
        axis.set_yscale("log")
        if axis.lines:
            axis.legend()
    out.mkdir(parents=True, exist_ok=True)
    path = out / "fid.png"
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def write_report(proof: Proof, module: str, out: pathlib.Path) -> None:
    text, data = render(proof, module), collect(proof)
    figure = plot_fid(data, out)
    if figure is not None:
        text += f"\n![FID against images]({out.name}/{figure.name})\n"
    out.with_suffix(".md").write_text(text)
    out.with_suffix(".json").write_text(json.dumps(data, indent=1) + "\n")


def run(proof: Proof, module: str) -> None:
    """Measures every point not yet measured (points in order, models in turn), rewriting the
    report (and its data, <out>.json) after each."""
    logging.set_verbosity(logging.INFO)
    out = pathlib.Path(FLAGS.out)
    out.mkdir(parents=True, exist_ok=True)
    unknown = sorted(set(FLAGS.models) - {m.name for m in proof.models})
    if unknown:
        raise app.UsageError(
            f"unknown models {unknown}: choose from {[m.name for m in proof.models]}"
        )
    if not FLAGS.render_only:
        for dataset in FLAGS.datasets:
            for images, _ in proof.points():
                for model in proof.models:
                    if model.name in FLAGS.models and model.measured_at(images):
                        measure(model, dataset, images, out)
                        write_report(proof, module, out)
    write_report(proof, module, out)
