"""Learning proof of the class-conditional GANs of issue 23: SNGAN with the projection
discriminator, BigGAN, and CGAN as the baseline, on Fashion-MNIST resized to 32x32, each shown
the same number of real images.

    python -m benchmarks.conditional --manual_dir=<folder with the original archives> \
        --inception_weights=PATH/fid_inception_v3_2015_12_05.npz      (make bench-conditional)

Each model trains in its own process (`python -m gan_tf.experiments.<variant>`, resuming a run
already in its workdir), pinned to nothing: pin the whole command with taskset for steady
timings. Then `python -m gan_tf.evaluate` measures its last checkpoint (the EMA generator where
the model has one) on `--eval_samples` generated images against as many test images: FID and
KID (Inception), the classifier score, the Fréchet classifier distance and the class agreement
(the shipped Fashion-MNIST classifier). The table, the sample grids and the commands go to
<out>.md and <out>/.

The budget is in real images shown to D, so every model sees the same data: a model's
iterations are `--budget_images / (batch_size * d_steps)`. The networks are the papers'
layouts at a width a CPU can train in about two hours (MODELS); the widths, not the
architectures, are what is scaled down.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import shlex
import shutil
import time

from absl import app, flags, logging

from benchmarks.results_table import (
    add_wall_time,
    checkpoint_step,
    latest_grid,
    run_logged,
)

FLAGS = flags.FLAGS

DATASET = "fashion_mnist"
IMAGE_SIZE = 32
METRICS = "fid,kid,cs,fcd,agreement"


@dataclasses.dataclass(frozen=True)
class Model:
    """One row of the proof: a variant and the flags that set it up."""

    name: str
    variant: str
    flags: tuple[str, ...]
    batch_size: int
    d_steps: int
    note: str
    ema: bool = False  # also evaluated through G itself (`--raw_generator`)

    def steps(self, budget_images: int) -> int:
        return max(1, budget_images // (self.batch_size * self.d_steps))


MODELS = (
    Model(
        "cgan",
        "cgan",
        ("--base_filters=64",),
        64,
        1,
        "DCGAN networks (64 filters at 32x32), label maps joined to the input, Adam(2e-4, 0.5)",
    ),
    Model(
        "sngan",
        "sngan",
        ("--conditional", "--base_filters=32"),
        64,
        5,
        "the paper's ResNets at a quarter width (G 64, D 32 channels), projection D, hinge, "
        "Adam(2e-4, 0, 0.9), 5 D steps, G batch 128, linear decay",
    ),
    Model(
        "biggan",
        "biggan",
        ("--preset=cifar", "--base_filters=16"),
        50,
        4,
        "the authors' CIFAR script at a quarter width (ch 16: 64 channels), hinge, "
        "Adam(2e-4, 0, 0.999), 4 D steps, batch 50, EMA 0.9999 from step 1,000",
        ema=True,
    ),
)


def define_flags() -> None:
    flags.DEFINE_string("manual_dir", None, "Folder with Fashion-MNIST's original archives.")
    flags.DEFINE_string("data_dir", None, "TFDS data directory.")
    flags.DEFINE_string("inception_weights", None, "FID Inception .npz.")
    flags.DEFINE_string("runs_root", "runs/conditional", "Where the runs' workdirs go.")
    flags.DEFINE_string("out", "experiments/conditional", "Report: <out>.md, grids in <out>/.")
    flags.DEFINE_integer(
        "budget_images", 320_000, "Real images shown to D per model.", lower_bound=1
    )
    flags.DEFINE_integer("eval_samples", 5_000, "Generated and real images per evaluation.")
    flags.DEFINE_list("models", [m.name for m in MODELS], "Which of MODELS to run.")
    flags.DEFINE_bool("render_only", False, "Only rewrite the report from the runs there.")


@dataclasses.dataclass(frozen=True)
class Settings:
    """What the commands and the report need from the flags."""

    budget_images: int = 320_000
    eval_samples: int = 5_000
    runs_root: str = "runs/conditional"
    manual_dir: str | None = None
    data_dir: str | None = None
    inception_weights: str | None = None

    def workdir(self, model: Model) -> pathlib.Path:
        return pathlib.Path(self.runs_root) / model.name


def train_command(settings: Settings, model: Model) -> list[str]:
    command = [
        "python", "-m", f"gan_tf.experiments.{model.variant}", f"--dataset={DATASET}",
        f"--image_size={IMAGE_SIZE}", f"--workdir={settings.workdir(model)}",
        f"--train_steps={model.steps(settings.budget_images)}", "--nojit_compile",
        "--checkpoint_every=100", "--sample_every=500", *model.flags,
    ]  # fmt: skip
    if settings.manual_dir:
        command.append(f"--manual_dir={settings.manual_dir}")
    if settings.data_dir:
        command.append(f"--data_dir={settings.data_dir}")
    return command


def eval_command(settings: Settings, model: Model, raw: bool = False) -> list[str]:
    """The evaluation of the run's last checkpoint: its EMA generator where it has one, or
    with `raw` G itself."""
    command = [
        "python", "-m", "gan_tf.evaluate", f"--workdir={settings.workdir(model)}",
        f"--metrics={METRICS}", f"--num_samples={settings.eval_samples}",
        *(["--raw_generator"] if raw else []),
    ]  # fmt: skip
    if settings.inception_weights:
        command.append(f"--inception_weights={settings.inception_weights}")
    return command


def evaluation(settings: Settings, model: Model, raw: bool = False) -> dict | None:
    """The newest evaluation of the run's last checkpoint on `eval_samples` images, of its
    EMA generator where it has one (with `raw`, of G itself)."""
    workdir = settings.workdir(model)
    path = workdir / "eval" / f"step_{checkpoint_step(workdir)}.json"
    if not path.is_file():
        return None
    from gan_tf.evaluate import read_records

    records = [r for r in read_records(path) if r.get("num_samples") == settings.eval_samples]
    records = [r for r in records if set(METRICS.split(",")) <= set(r["metrics"])]
    generator = "ema" if model.ema and not raw else "raw"
    records = [r for r in records if r.get("generator") == generator]
    return records[-1] if records else None


def wall_seconds(workdir: pathlib.Path) -> float | None:
    path = workdir / "wall_time.json"
    return json.loads(path.read_text())["train_seconds"] if path.is_file() else None


def render(settings: Settings, out: pathlib.Path) -> str:
    lines = [
        "# Class-conditional GANs on Fashion-MNIST 32x32 (issue 23)",
        "",
        f"Each model is shown {settings.budget_images:,} real images (real images per D "
        f"update times D updates). Metrics on {settings.eval_samples:,} generated images "
        "(classes 0-9 in turn; the EMA generator where the model has one) against as many "
        "test images: FID and KID (the FID Inception network), the classifier score (at most "
        "10), the Fréchet classifier distance and the class agreement (the share of samples "
        "the shipped Fashion-MNIST classifier assigns to the class they were generated for). "
        "Written by `python -m benchmarks.conditional` (`make bench-conditional`).",
        "",
        "| model | iterations | FID | KID x 1000 | classifier score | FCD | class agreement "
        "| training time (one core) | settings |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    commands = []
    rows = [(model, False) for model in MODELS] + [(m, True) for m in MODELS if m.ema]
    for model, raw in rows:
        workdir = settings.workdir(model)
        record = evaluation(settings, model, raw)
        seconds = wall_seconds(workdir)
        steps = checkpoint_step(workdir)
        planned = model.steps(settings.budget_images)
        name = f"{model.name} (G itself, not its EMA)" if raw else model.name
        if record is None:
            row = [name, f"{steps:,} of {planned:,}", *["(not yet)"] * 5]
        else:
            m = record["metrics"]
            row = [
                name, f"{steps:,}", f"{m['fid']:.2f}", f"{1000 * m['kid']:.2f}",
                f"{m['cs']:.2f}", f"{m['fcd']:.2f}", f"{m['agreement']:.3f}",
            ]  # fmt: skip
        row.append("" if seconds is None else f"{seconds / 3600:.2f} h")
        row.append(model.note)
        lines.append("| " + " | ".join(row) + " |")
        if raw:
            commands.append(f"    {shlex.join(eval_command(settings, model, raw=True))}")
            continue
        commands.append(f"    {shlex.join(train_command(settings, model))}")
        commands.append(f"    {shlex.join(eval_command(settings, model))}")
    lines += ["", "Commands (each resumes):", "", *commands, ""]
    grids = [m.name for m in MODELS if (out / f"{m.name}.png").is_file()]
    if grids:
        lines += ["Last sample grids (rows: classes 0-9):", ""]
        lines += [f"![{name}]({out.name}/{name}.png)" for name in grids]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    del argv
    logging.set_verbosity(logging.INFO)
    settings = Settings(
        FLAGS.budget_images,
        FLAGS.eval_samples,
        FLAGS.runs_root,
        FLAGS.manual_dir,
        FLAGS.data_dir,
        FLAGS.inception_weights,
    )
    out = pathlib.Path(FLAGS.out)
    out.mkdir(parents=True, exist_ok=True)
    unknown = sorted(set(FLAGS.models) - {m.name for m in MODELS})
    if unknown:
        raise app.UsageError(f"unknown models {unknown}: choose from {[m.name for m in MODELS]}")
    for model in MODELS:
        if FLAGS.render_only or model.name not in FLAGS.models:
            continue
        workdir = settings.workdir(model)
        log = workdir.parent / f"{model.name}.log"
        if checkpoint_step(workdir) < model.steps(settings.budget_images):
            logging.info("training %s", model.name)
            before, begin = checkpoint_step(workdir), time.perf_counter()
            try:
                run_logged(train_command(settings, model), log)
            finally:  # a run stopped by SIGTERM (it saves a checkpoint) counts its time too
                if checkpoint_step(workdir) > before:
                    add_wall_time(workdir, time.perf_counter() - begin)
        for raw in (False, True) if model.ema else (False,):
            if evaluation(settings, model, raw) is None:
                logging.info("evaluating %s%s", model.name, " (G itself)" if raw else "")
                begin = time.perf_counter()
                run_logged(eval_command(settings, model, raw), log)
                logging.info("evaluated %s in %.0f s", model.name, time.perf_counter() - begin)
        grid = latest_grid(workdir)
        if grid is not None:
            shutil.copy(grid, out / f"{model.name}.png")
        pathlib.Path(f"{out}.md").write_text(render(settings, out))
    pathlib.Path(f"{out}.md").write_text(render(settings, out))


if __name__ == "__main__":
    define_flags()
    app.run(main)
