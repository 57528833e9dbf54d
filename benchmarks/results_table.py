"""The results table of the noise-to-image variants: train each on each dataset, evaluate it
against the test split, and write one Markdown table with the sample grids and the commands.

    python -m benchmarks.results_table --manual_dir=<folder with the original archives> \
        --inception_weights=PATH/fid_inception_v3_2015_12_05.npz

For every (variant, dataset) pair this runs, each in its own process so that a crash or Ctrl-C
loses nothing:
  1. `python -m gan_tf.experiments.<variant> --dataset=<dataset> --workdir=<runs_root>/<v>_<d>
     --train_steps=<steps>` (resumes a run already there, so the table can be built in pieces);
  2. `python -m gan_tf.evaluate --workdir=... --metrics=<metrics> --num_samples=<n>`, unless
     the run's last checkpoint already has that evaluation;
then copies the run's last sample grid to `<out dir>/results/<v>_<d>.png` and rewrites the table
from every evaluation found so far (`--render_only` just rewrites it). Training wall time is
summed over all sessions of a run in `<workdir>/wall_time.json`.

Each run's evaluation passes 10,000 generated images through the Inception network, and the
real-data statistics are computed once per dataset; the recorded evaluation times are in
experiments/results_discussion.md.

The training commands pass only flags that every variant of VARIANTS takes (`--dataset`,
`--workdir`, `--train_steps`, `--[no]jit_compile`, `--manual_dir`, `--data_dir`): an experiment
refuses a flag that does not apply to its variant (e.g. `--g_loss` for WGAN) with exit status 2.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import time

from absl import app, flags, logging

FLAGS = flags.FLAGS

VARIANTS = ("gan", "dcgan", "wgan", "wgan_gp", "lsgan", "cgan")
DATASETS = ("mnist", "fashion_mnist")
# Training iterations per variant: a CPU budget of roughly half an hour each on one core
# (WGAN's and WGAN-GP's iterations hold 5 critic steps), not the papers' budgets.
DEFAULT_STEPS = {
    "gan": 20_000,
    "dcgan": 5_000,
    "wgan": 2_500,
    "wgan_gp": 2_000,
    "lsgan": 5_000,
    "cgan": 5_000,
}

# Published FIDs for the same losses on the same data: the best FID of each loss over a wide
# hyperparameter search (Lucic et al. 2018, "Are GANs Created Equal? A Large-Scale Study",
# NeurIPS, Table 2; 10,000 samples against the test set; an InfoGAN-style conv architecture,
# not gan_tf's networks). Keyed by (variant, dataset): (FID, the paper's name of the loss).
# gan and dcgan train with the non-saturating generator loss by default (NS GAN); CGAN was
# not in the study.
PUBLISHED_FID = {
    ("gan", "mnist"): (6.8, "NS GAN"),
    ("dcgan", "mnist"): (6.8, "NS GAN"),
    ("wgan", "mnist"): (6.7, "WGAN"),
    ("wgan_gp", "mnist"): (20.3, "WGAN GP"),
    ("lsgan", "mnist"): (7.8, "LSGAN"),
    ("gan", "fashion_mnist"): (26.5, "NS GAN"),
    ("dcgan", "fashion_mnist"): (26.5, "NS GAN"),
    ("wgan", "fashion_mnist"): (21.5, "WGAN"),
    ("wgan_gp", "fashion_mnist"): (24.5, "WGAN GP"),
    ("lsgan", "fashion_mnist"): (30.7, "LSGAN"),
}


@dataclasses.dataclass
class Settings:
    """What the commands and the table need from the flags."""

    manual_dir: str | None = None
    data_dir: str | None = None
    inception_weights: str | None = None
    metrics: str = "fid,kid,cs,fcd"
    num_samples: int = 10_000
    jit_compile: bool = False


@dataclasses.dataclass
class Row:
    """One trained and evaluated run, as the table shows it."""

    variant: str
    dataset: str
    step: int
    train_seconds: float | None
    metrics: dict[str, float]
    train_command: str
    eval_command: str | None
    grid: str | None


def define_flags() -> None:
    """The command-line flags (defined by ``__main__`` only: other benchmarks define flags of
    the same names, and tests import several benchmarks into one process)."""
    flags.DEFINE_list("variants", list(VARIANTS), "Variants to train and evaluate.")
    flags.DEFINE_list("datasets", list(DATASETS), "Datasets (each with a test split).")
    flags.DEFINE_list(
        "steps",
        [],
        "Overrides of the training iterations as variant=N (defaults: "
        + ", ".join(f"{k}={v}" for k, v in DEFAULT_STEPS.items())
        + ").",
    )
    flags.DEFINE_string("runs_root", "runs/results", "Where the runs' workdirs go.")
    flags.DEFINE_string("out", "experiments/results.md", "The Markdown table; grids go beside it.")
    flags.DEFINE_string("manual_dir", None, "Folder with the datasets' original archives.")
    flags.DEFINE_string("data_dir", None, "TFDS data directory.")
    flags.DEFINE_string("inception_weights", None, "The FID Inception .npz (for fid, kid, pr).")
    flags.DEFINE_string("metrics", "fid,kid,cs,fcd", "Metrics passed to gan_tf.evaluate.")
    flags.DEFINE_integer("num_samples", 10_000, "Generated and real images per evaluation.")
    flags.DEFINE_bool(
        "jit_compile",
        False,
        "Train with XLA (off by default: on CPU the XLA step is slower, see experiments/speed.md).",
    )
    flags.DEFINE_bool("render_only", False, "Only rewrite the table from the runs found.")


def parse_steps(overrides: list[str]) -> dict[str, int]:
    """DEFAULT_STEPS with `variant=N` overrides applied; raises app.UsageError on bad input."""
    steps = dict(DEFAULT_STEPS)
    for item in overrides:
        variant, _, value = item.partition("=")
        if variant not in DEFAULT_STEPS or not value.isdigit() or int(value) < 1:
            raise app.UsageError(
                f"--steps takes variant=N with N >= 1 and a variant of {', '.join(VARIANTS)}; "
                f"got {item!r}"
            )
        steps[variant] = int(value)
    return steps


def train_command(
    settings: Settings, variant: str, dataset: str, workdir: pathlib.Path, steps: int
) -> list[str]:
    command = [
        "python",
        "-m",
        f"gan_tf.experiments.{variant}",
        f"--dataset={dataset}",
        f"--workdir={workdir}",
        f"--train_steps={steps}",
        "--jit_compile" if settings.jit_compile else "--nojit_compile",
    ]
    if settings.manual_dir:
        command.append(f"--manual_dir={settings.manual_dir}")
    if settings.data_dir:
        command.append(f"--data_dir={settings.data_dir}")
    return command


def eval_command(settings: Settings, workdir: pathlib.Path) -> list[str]:
    command = [
        "python",
        "-m",
        "gan_tf.evaluate",
        f"--workdir={workdir}",
        f"--metrics={settings.metrics}",
        f"--num_samples={settings.num_samples}",
    ]
    if settings.inception_weights:
        command.append(f"--inception_weights={settings.inception_weights}")
    if settings.manual_dir:
        command.append(f"--manual_dir={settings.manual_dir}")
    return command


def run_logged(command: list[str], log_path: pathlib.Path) -> float:
    """Runs `command` (its `python` replaced by this interpreter), appending its output to
    `log_path`; returns its wall time in seconds; raises RuntimeError when it fails."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    begin = time.perf_counter()
    with open(log_path, "a") as log:
        log.write(f"\n$ {shlex.join(command)}\n")
        log.flush()
        result = subprocess.run(
            [sys.executable, *command[1:]], stdout=log, stderr=subprocess.STDOUT, check=False
        )
    if result.returncode != 0:
        raise RuntimeError(f"{shlex.join(command)} failed ({result.returncode}); see {log_path}")
    return time.perf_counter() - begin


def checkpoint_step(workdir: pathlib.Path) -> int:
    """The step of the run's latest checkpoint (0 without one), read from TF's index file."""
    index = workdir / "checkpoints" / "checkpoint"
    if not index.is_file():
        return 0
    match = re.search(r'^model_checkpoint_path: ".*-(\d+)"', index.read_text(), re.MULTILINE)
    return int(match.group(1)) if match else 0


def add_wall_time(workdir: pathlib.Path, seconds: float) -> None:
    path = workdir / "wall_time.json"
    total = json.loads(path.read_text())["train_seconds"] if path.is_file() else 0.0
    path.write_text(json.dumps({"train_seconds": round(total + seconds, 1)}) + "\n")


def already_evaluated(settings: Settings, workdir: pathlib.Path) -> bool:
    """Whether the run's last checkpoint already has an evaluation with these metrics on this
    many samples (evaluating 10,000 images takes minutes on a CPU, see
    experiments/results_discussion.md: a resumed table build must not repeat it)."""
    record = table_record(settings, workdir / "eval" / f"step_{checkpoint_step(workdir)}.json")
    if record is None:
        return False
    # The keys `gan_tf.evaluate` writes: one per metric, "pr" gives precision and recall; a
    # metric it cannot compute (IS without logits) is listed under "unavailable" instead.
    wanted = {"precision" if m == "pr" else m for m in settings.metrics.split(",")}
    return wanted <= set(record["metrics"]) | set(record.get("unavailable", {}))


def table_record(settings: Settings, path: pathlib.Path) -> dict | None:
    """The evaluation in `path` on `settings.num_samples` samples (the newest such), if any."""
    from gan_tf.errors import UsageError
    from gan_tf.evaluate import read_records

    try:
        records = read_records(path)
    except UsageError:
        return None
    matching = [r for r in records if r.get("num_samples") == settings.num_samples]
    return matching[-1] if matching else None


def latest_grid(workdir: pathlib.Path) -> pathlib.Path | None:
    grids = sorted((workdir / "samples").glob("step_*.png"))
    return grids[-1] if grids else None


def collect_row(
    settings: Settings, variant: str, dataset: str, workdir: pathlib.Path
) -> Row | None:
    """The table row of a run: its newest evaluation, wall time and commands; None without
    an evaluation."""
    evaluations = sorted(
        (workdir / "eval").glob("step_*.json"), key=lambda p: int(p.stem.split("_")[1])
    )
    records = [r for r in (table_record(settings, p) for p in evaluations) if r is not None]
    if not records:
        return None
    record = records[-1]
    timing = workdir / "wall_time.json"
    config = json.loads((workdir / "run.json").read_text())
    return Row(
        variant=variant,
        dataset=dataset,
        step=record["step"],
        train_seconds=json.loads(timing.read_text())["train_seconds"] if timing.is_file() else None,
        metrics=record["metrics"],
        train_command=shlex.join(
            train_command(settings, variant, dataset, workdir, int(config["train_steps"]))
        ),
        eval_command=record.get("command"),
        grid=None,
    )


def _number(metrics: dict[str, float], key: str, scale: float = 1.0, std: str | None = None):
    if key not in metrics:
        return "—"
    text = f"{metrics[key] * scale:.2f}"
    if std and std in metrics:
        text += f" ± {metrics[std] * scale:.2f}"
    return text


def render(rows: list[Row], num_samples: int) -> str:
    """The Markdown table of `rows`, then each run's commands and grid."""
    lines = [
        "# Results: noise-to-image variants on MNIST and Fashion-MNIST",
        "",
        f"FID and KID: {num_samples:,} generated images against the first {num_samples:,} "
        "images of the test split, through the FID Inception network "
        "(`gan_tf/metrics/inception.py`). CS and FCD: classifier score and Fréchet distance in "
        "the features of the digit classifier that ships with gan_tf. Wall time: training "
        "only, CPU without GPU (how the recorded runs were pinned to cores: "
        "[results_discussion.md](results_discussion.md)). Regenerate with `make results` (see "
        "`benchmarks/results_table.py`).",
        "",
        "*published FID*: the best FID of the same loss on the same data set in Lucic et al. "
        '2018 ("Are GANs Created Equal?", NeurIPS, Table 2): found by a search over many '
        "hyperparameter settings and random restarts, with a conv architecture for every loss "
        "and 10,000 samples against the test set. gan_tf's rows use each paper's default "
        "settings (no search) and a CPU budget of minutes, so they show where a default run "
        "lands, not the loss's best. What the numbers say, and what is missing: "
        "[results_discussion.md](results_discussion.md).",
        "",
        "| variant | dataset | steps | train wall time | FID | published FID | KID x 1e3 | CS | "
        "FCD | grid |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        minutes = "—" if row.train_seconds is None else f"{row.train_seconds / 60:.1f} min"
        grid = f"[grid]({row.grid})" if row.grid else "—"
        published = PUBLISHED_FID.get((row.variant, row.dataset))
        published = "—" if published is None else f"{published[0]:.1f} ({published[1]})"
        lines.append(
            f"| {row.variant} | {row.dataset} | {row.step:,} | {minutes} | "
            f"{_number(row.metrics, 'fid')} | {published} | "
            f"{_number(row.metrics, 'kid', 1e3, 'kid_std')} | "
            f"{_number(row.metrics, 'cs')} | {_number(row.metrics, 'fcd')} | {grid} |"
        )
    lines += ["", "## Commands", ""]
    for row in rows:
        lines += [f"- {row.variant} on {row.dataset}:", f"  `{row.train_command}`"]
        if row.eval_command:
            lines.append(f"  `{row.eval_command}`")
    return "\n".join(lines) + "\n"


def write_table(settings: Settings, runs_root: pathlib.Path, out: pathlib.Path) -> list[Row]:
    """Rewrites `out` from every evaluated run under `runs_root` (all variants and datasets,
    not only this invocation's), copying each run's last grid beside it."""
    grids_dir = out.parent / "results"
    rows = []
    for dataset in DATASETS:
        for variant in VARIANTS:
            workdir = runs_root / f"{variant}_{dataset}"
            row = collect_row(settings, variant, dataset, workdir)
            if row is None:
                continue
            grid = latest_grid(workdir)
            if grid is not None:
                grids_dir.mkdir(parents=True, exist_ok=True)
                target = grids_dir / f"{variant}_{dataset}.png"
                shutil.copyfile(grid, target)
                row.grid = str(target.relative_to(out.parent))
            rows.append(row)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(rows, settings.num_samples))
    return rows


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    logging.set_verbosity(logging.INFO)
    steps = parse_steps(FLAGS.steps)
    unknown = sorted(set(FLAGS.variants) - set(VARIANTS))
    if unknown:
        raise app.UsageError(f"unknown variants {unknown}: choose from {', '.join(VARIANTS)}")
    unknown = sorted(set(FLAGS.datasets) - set(DATASETS))
    if unknown:
        raise app.UsageError(f"unknown datasets {unknown}: choose from {', '.join(DATASETS)}")
    settings = Settings(
        manual_dir=FLAGS.manual_dir,
        data_dir=FLAGS.data_dir,
        inception_weights=FLAGS.inception_weights,
        metrics=FLAGS.metrics,
        num_samples=FLAGS.num_samples,
        jit_compile=FLAGS.jit_compile,
    )
    out = pathlib.Path(FLAGS.out)
    runs_root = pathlib.Path(FLAGS.runs_root)
    if not FLAGS.render_only:
        for dataset in FLAGS.datasets:
            for variant in FLAGS.variants:
                workdir = runs_root / f"{variant}_{dataset}"
                log_path = runs_root / f"{variant}_{dataset}.log"
                logging.info("training %s on %s for %d steps", variant, dataset, steps[variant])
                before = checkpoint_step(workdir)
                seconds = run_logged(
                    train_command(settings, variant, dataset, workdir, steps[variant]), log_path
                )
                if checkpoint_step(workdir) > before:  # Count only sessions that trained.
                    add_wall_time(workdir, seconds)
                if already_evaluated(settings, workdir):
                    logging.info("%s on %s: this checkpoint is evaluated", variant, dataset)
                else:
                    logging.info("evaluating %s on %s", variant, dataset)
                    run_logged(eval_command(settings, workdir), log_path)
                rows = write_table(settings, runs_root, out)
    rows = write_table(settings, runs_root, out)
    print(f"wrote {out} ({len(rows)} runs)")


if __name__ == "__main__":
    define_flags()
    app.run(main)
