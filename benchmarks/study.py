"""The large-scale GAN study (Lucic et al. 2018) on MNIST and Fashion-MNIST: the search, the
final runs, and `experiments/study.md`.

    python -m benchmarks.study --manual_dir=../shared/data \
        --inception_weights=../shared/fid_inception/fid_inception_v3_2015_12_05.npz

The protocol (networks, batch, z, 15,625 D updates, the losses and their grids) is
`gan_tf.configs.study`. Runs are trained in this order, each by the variant's experiment
module in a process of its own, so Ctrl-C or a crash loses at most the steps since the run's
last checkpoint:

1. the search, breadth first: grid setting 0 (the study's default) of every loss on every data
   set, then setting 1 of every loss, ... (`--grid_size` settings per loss), seed 0;
2. once a loss's search on a data set is complete: its best setting by the proxy again with
   seeds 1 .. `--seeds` - 1.

Each run is evaluated with `gan_tf.evaluate` at its checkpoints every 5 epochs (the study's
`save_checkpoint_steps`): the proxies (`--proxy_metrics` on `--proxy_samples` images, default
FID and FCD on 2,000), and at its last checkpoint `--final_metric` on `--eval_samples` images
(FID on 10,000: the study's number). A finished run goes into the journal
(`<out dir>/study/journal.json`, written atomically) with its figures, times and commands;
the journal is what the report is written from, so `--render_only` rebuilds it, and runs in
the journal are never trained again even when their workdirs are gone. Repeating the command
resumes: a run whose workdir holds checkpoints continues from the last, an evaluation already
in the run's `eval/` records is not repeated. `--max_runs` stops after that many trainings
(to fit a session), `--stop_after` after a wall time.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import pathlib
import shlex
import statistics
import time
from typing import Any

from absl import app, flags, logging

from benchmarks import results_table
from benchmarks.results_table import add_wall_time, checkpoint_step, run_logged
from gan_tf.configs import study

FLAGS = flags.FLAGS

JOURNAL = "journal.json"
# The study's data sets, and the packaged MNIST test digits for a try without the archives.
DATASETS = (*study.DATASETS, "mnist_demo")


@dataclasses.dataclass(frozen=True)
class Options:
    """What the commands and the report need from the flags."""

    runs_root: pathlib.Path
    out: pathlib.Path
    manual_dir: str | None = None
    data_dir: str | None = None
    inception_weights: str | None = None
    d_updates: int = study.D_UPDATES
    checkpoint_d_updates: int = study.CHECKPOINT_D_UPDATES
    proxy_metrics: tuple[str, ...] = ("fid", "fcd")
    proxy_samples: int = study.PROXY_SAMPLES
    proxy: str = "fid"
    final_metric: str = "fid"
    eval_samples: int = study.EVAL_SAMPLES
    jit_compile: bool = True

    @property
    def journal_path(self) -> pathlib.Path:
        return self.out.parent / "study" / JOURNAL


@dataclasses.dataclass(frozen=True)
class Run:
    """One training run of the study."""

    loss: str
    dataset: str
    setting_index: int
    seed: int

    @property
    def name(self) -> str:
        return f"{self.loss}_{self.dataset}_s{self.setting_index}_seed{self.seed}"

    @property
    def setting(self) -> study.Setting:
        return study.LOSSES[self.loss].grid[self.setting_index]

    def workdir(self, options: Options) -> pathlib.Path:
        return options.runs_root / self.name

    def iterations(self, options: Options) -> int:
        return study.iterations(self.setting, options.d_updates)

    def checkpoint_every(self, options: Options) -> int:
        return max(1, options.checkpoint_d_updates // self.setting.d_steps)

    def evaluated_steps(self, options: Options) -> list[int]:
        """The checkpoints every 5 epochs, the last one being the run's end (as the study's)."""
        every, last = self.checkpoint_every(options), self.iterations(options)
        steps = list(range(every, last, every))
        if steps and last - steps[-1] < every // 2:
            steps.pop()  # 15,624 and 15,625: one evaluation of the end
        return [*steps, last]


# --- Commands ------------------------------------------------------------------------------


def flag_value(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def train_command(options: Options, run: Run) -> list[str]:
    loss = study.LOSSES[run.loss]
    overrides = loss.overrides(run.setting)
    every = run.checkpoint_every(options)
    command = [
        "python",
        "-m",
        f"gan_tf.experiments.{loss.variant}",
        f"--dataset={run.dataset}",
        f"--workdir={run.workdir(options)}",
        f"--train_steps={run.iterations(options)}",
        f"--seed={run.seed}",
        *(f"--{k}={flag_value(v)}" for k, v in overrides.items()),
        f"--checkpoint_every={every}",
        f"--sample_every={every}",
        # The evaluated checkpoints, the one the run ends with, and those Ctrl-C or SIGTERM save
        # when a run is stopped (a few), so that none to be evaluated is deleted.
        f"--keep_checkpoints={len(run.evaluated_steps(options)) + 4}",
        f"--log_every={max(1, every // 4)}",
        "--jit_compile" if options.jit_compile else "--nojit_compile",
    ]
    if options.manual_dir:
        command.append(f"--manual_dir={options.manual_dir}")
    if options.data_dir:
        command.append(f"--data_dir={options.data_dir}")
    return command


def eval_command(
    options: Options, run: Run, step: int, metrics: tuple[str, ...], samples: int
) -> list[str]:
    """`make results`' evaluation command for checkpoint `step` of `run`."""
    settings = results_table.Settings(
        manual_dir=options.manual_dir,
        inception_weights=options.inception_weights,
        metrics=",".join(metrics),
        num_samples=samples,
    )
    workdir = run.workdir(options)
    command = results_table.eval_command(settings, workdir)
    command.append(f"--checkpoint={workdir / 'checkpoints' / f'ckpt-{step}'}")
    if options.data_dir:
        command.append(f"--data_dir={options.data_dir}")
    return command


# --- Journal -------------------------------------------------------------------------------


def read_journal(options: Options) -> dict[str, dict]:
    path = options.journal_path
    return json.loads(path.read_text())["runs"] if path.is_file() else {}


def record_run(options: Options, name: str, record: dict) -> dict[str, dict]:
    """Adds one run to the journal on disk and returns the journal. The file is read again
    first, so runners working on other runs at the same time keep theirs, and replaced in one
    rename, so an interrupted write leaves the old one."""
    path = options.journal_path
    path.parent.mkdir(parents=True, exist_ok=True)
    runs = {**read_journal(options), name: record}
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(json.dumps({"runs": runs}, indent=1, sort_keys=True) + "\n")
    os.replace(partial, path)
    return runs


# --- Order of the runs ---------------------------------------------------------------------


def best_setting(journal: dict[str, dict], loss: str, dataset: str, grid_size: int, proxy: str):
    """Index of the best setting by `proxy` at the end of the seed-0 search runs of `loss` on
    `dataset`; None until all `grid_size` of them are in the journal. A run that diverged
    (no finite proxy) ranks last."""
    scores = {}
    for index in range(grid_size):
        record = journal.get(Run(loss, dataset, index, 0).name)
        if record is None:
            return None
        value = record["proxies"][str(record["final_step"])].get(proxy)
        scores[index] = value if value is not None and math.isfinite(value) else math.inf
    return min(scores, key=lambda i: (scores[i], i))


def next_run(
    journal: dict[str, dict],
    losses: list[str],
    datasets: list[str],
    grid_size: int,
    seeds: int,
    proxy: str,
    skip: set[str] = frozenset(),
) -> Run | None:
    """The first run not in the journal (nor in `skip`), in the order of the module docstring."""
    for index in range(grid_size):
        for dataset in datasets:
            for loss in losses:
                if index < len(study.LOSSES[loss].grid):
                    run = Run(loss, dataset, index, 0)
                    if run.name not in journal and run.name not in skip:
                        return run
    for dataset in datasets:
        for loss in losses:
            size = min(grid_size, len(study.LOSSES[loss].grid))
            best = best_setting(journal, loss, dataset, size, proxy)
            for seed in range(1, seeds):
                run = Run(loss, dataset, best, seed)
                if best is not None and run.name not in journal and run.name not in skip:
                    return run
    return None


# --- One run -------------------------------------------------------------------------------


def evaluation(
    options: Options, run: Run, step: int, metrics: tuple[str, ...], samples: int, log
) -> dict:
    """The run's evaluation of checkpoint `step` on `samples` images with `metrics`: read from
    its eval records, computed (and recorded there by `gan_tf.evaluate`) when missing."""
    from gan_tf.evaluate import read_records

    path = run.workdir(options) / "eval" / f"step_{step}.json"

    def found():
        for record in reversed(read_records(path)):
            if (
                record.get("num_samples") == samples
                and record.get("checkpoint", "").endswith(f"ckpt-{step}")
                and set(metrics) <= set(record["metrics"])
            ):
                return record
        return None

    if found() is None:
        run_logged(eval_command(options, run, step, metrics, samples), log)
    record = found()
    if record is None:
        raise RuntimeError(f"gan_tf.evaluate wrote no {metrics} record to {path}")
    return record


def train_and_evaluate(options: Options, run: Run) -> dict:
    """Trains `run` (resuming), evaluates it, and returns its journal record."""
    workdir = run.workdir(options)
    log = options.runs_root / f"{run.name}.log"
    command = train_command(options, run)
    before = checkpoint_step(workdir)
    if before < run.iterations(options):
        logging.info(
            "training %s (%d iterations, from %d)", run.name, run.iterations(options), before
        )
        begin = time.perf_counter()
        try:
            run_logged(command, log)
        finally:  # an interrupted run (SIGTERM: it saves a checkpoint) counts its time too
            if checkpoint_step(workdir) > before:
                add_wall_time(workdir, time.perf_counter() - begin)
    proxies, eval_seconds, commands = {}, 0.0, []
    for step in run.evaluated_steps(options):
        record = evaluation(options, run, step, options.proxy_metrics, options.proxy_samples, log)
        proxies[str(step)] = {m: record["metrics"].get(m) for m in options.proxy_metrics}
        eval_seconds += record.get("seconds", 0.0)
        commands.append(record["command"])
    final_step = run.iterations(options)
    final = evaluation(options, run, final_step, (options.final_metric,), options.eval_samples, log)
    timing = workdir / "wall_time.json"
    setting = run.setting
    return {
        "loss": run.loss,
        "dataset": run.dataset,
        "setting_index": run.setting_index,
        "setting": dataclasses.asdict(setting),
        "seed": run.seed,
        "d_updates": options.d_updates,
        "final_step": final_step,
        "proxies": proxies,
        "proxy_samples": options.proxy_samples,
        options.final_metric: final["metrics"][options.final_metric],
        "eval_samples": options.eval_samples,
        "train_seconds": json.loads(timing.read_text())["train_seconds"]
        if timing.is_file()
        else None,
        "eval_seconds": round(eval_seconds + final.get("seconds", 0.0), 1),
        "train_command": shlex.join(command),
        "eval_commands": [*commands, final["command"]],
    }


# --- Report --------------------------------------------------------------------------------


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rank correlation (no ties expected between FIDs); None under 3 pairs."""
    if len(xs) < 3:
        return None

    def ranks(values):
        order = sorted(range(len(values)), key=values.__getitem__)
        result = [0] * len(values)
        for rank, i in enumerate(order):
            result[i] = rank
        return result

    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    return 1 - 6 * sum((a - b) ** 2 for a, b in zip(rx, ry, strict=True)) / (n * (n * n - 1))


def in_progress(options: Options, journal: dict[str, dict]) -> list[tuple[Run, int, dict]]:
    """Runs with a workdir under `runs_root` and not yet in the journal: each with its last
    checkpoint's step and the proxy evaluations its eval records already hold (with the
    commands that made them)."""
    from gan_tf.evaluate import read_records

    found = []
    for loss, spec in study.LOSSES.items():
        for dataset in DATASETS:
            for index in range(len(spec.grid)):
                for seed in range(study.FINAL_SEEDS):
                    run = Run(loss, dataset, index, seed)
                    workdir = run.workdir(options)
                    if run.name in journal or not workdir.is_dir():
                        continue
                    proxies = {}
                    for step in run.evaluated_steps(options):
                        for record in read_records(workdir / "eval" / f"step_{step}.json"):
                            if record.get("num_samples") == options.proxy_samples:
                                proxies.setdefault(step, {}).update(record["metrics"])
                                proxies[step].setdefault("commands", []).append(record["command"])
                    found.append((run, checkpoint_step(workdir), proxies))
    return found


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def render(options: Options, journal: dict[str, dict], grid_size: int, seeds: int) -> str:
    """experiments/study.md from the journal."""
    metric = options.final_metric
    lines = [
        "# The large-scale GAN study on MNIST and Fashion-MNIST",
        "",
        'Lucic et al. 2018, "Are GANs Created Equal? A Large-Scale Study" (NeurIPS), '
        "reproduced under its protocol (`gan_tf/configs/study.py`): the InfoGAN networks for "
        f"every loss, batch {study.BATCH_SIZE}, z of {study.LATENT_DIM} dimensions from "
        f"U(-1, 1), {options.d_updates:,} discriminator updates (20 epochs of 50,000 images), "
        f"{metric.upper()} of {options.eval_samples:,} samples against the "
        f"{options.eval_samples:,} test images at the last checkpoint. Written by "
        "`make study` (`benchmarks/study.py`) from its journal, `study/journal.json`; every "
        "number below is a run in it, with its commands at the end. Times are CPU times "
        "(no GPU), each run pinned to one core. Where each setting comes from and what the "
        "study costs: [study_protocol.md](study_protocol.md).",
        "",
        "## Table 2 beside gan_tf",
        "",
        f"*best*: the lowest {metric.upper()} of any run of the loss (search and final seeds). "
        f"*mean ± std*: the best setting by the proxy over its seeds (n of {seeds}). "
        "*published*: Table 2 of the study, best FID and the std of its reruns.",
        "",
        "| loss | data set | best | mean ± std (n) | best setting | published | met |",
        "|---|---|---|---|---|---|---|",
    ]
    in_journal = {r["dataset"] for r in journal.values()}
    for dataset in [d for d in DATASETS if d in study.DATASETS or d in in_journal]:
        for key, loss in study.LOSSES.items():
            runs = [r for r in journal.values() if r["loss"] == key and r["dataset"] == dataset]
            published, std = loss.published.get(dataset, (math.inf, math.nan))
            shown = f"{published} ± {std}" if math.isfinite(published) else "—"
            if not runs:
                lines.append(f"| {loss.title} | {dataset} | not run | — | — | {shown} | — |")
                continue
            values = [r[metric] for r in runs if math.isfinite(r[metric])]
            best = min(values) if values else math.inf
            size = min(grid_size, len(loss.grid))
            chosen = best_setting(journal, key, dataset, size, options.proxy)
            if chosen is None:
                spread, setting = f"search {len(runs)}/{size}", "—"
            else:
                seeds_done = [r[metric] for r in runs if r["setting_index"] == chosen]
                mean = statistics.fmean(seeds_done)
                sd = statistics.stdev(seeds_done) if len(seeds_done) > 1 else float("nan")
                spread = f"{_fmt(mean)} ± {_fmt(sd)} ({len(seeds_done)})"
                setting = f"{chosen}: {loss.grid[chosen].label()}"
            if not math.isfinite(published):
                met = "—"
            else:
                met = "yes" if best <= published else f"no (+{_fmt(best - published)})"
            lines.append(
                f"| {loss.title} | {dataset} | {_fmt(best)} | {spread} | {setting} | {shown} | "
                f"{met} |"
            )
    finished = list(journal.values())
    proxy_rows = []
    for proxy in options.proxy_metrics:
        pairs = [
            (r["proxies"][str(r["final_step"])].get(proxy), r[metric])
            for r in finished
            if r["proxies"][str(r["final_step"])].get(proxy) is not None
            and math.isfinite(r[metric])
        ]
        rho = spearman([p for p, _ in pairs], [f for _, f in pairs])
        proxy_rows.append(
            f"| {proxy.upper()} on {options.proxy_samples:,} | {len(pairs)} | {_fmt(rho, 3)} |"
        )
    train_hours = sum((r["train_seconds"] or 0.0) for r in finished) / 3600
    eval_hours = sum(r["eval_seconds"] for r in finished) / 3600
    lines += [
        "",
        "## The proxy",
        "",
        f"Settings are ranked by the proxy `{options.proxy}` at the end of each run. How well "
        f"each proxy tracks {metric.upper()} on {options.eval_samples:,} samples at the same "
        "checkpoint, over every finished run (Spearman's rank correlation):",
        "",
        "| proxy | runs | Spearman rho |",
        "|---|---|---|",
        *proxy_rows,
        "",
        "## Every run",
        "",
        f"{len(finished)} runs, {train_hours:.1f} CPU hours of training and {eval_hours:.1f} of "
        "evaluation. Proxies at the checkpoints every 5 epochs.",
        "",
        f"| run | setting | {metric.upper()} | proxy {options.proxy.upper()} by checkpoint "
        "| train h |",
        "|---|---|---|---|---|",
    ]
    for name in sorted(journal, key=lambda n: (journal[n]["dataset"], journal[n]["loss"], n)):
        r = journal[name]
        curve = ", ".join(
            _fmt(r["proxies"][s].get(options.proxy), 1) for s in sorted(r["proxies"], key=int)
        )
        hours = "—" if r["train_seconds"] is None else f"{r['train_seconds'] / 3600:.2f}"
        setting = study.Setting(**r["setting"]).label()
        lines.append(f"| {name} | {setting} | {_fmt(r[metric])} | {curve} | {hours} |")
    running = in_progress(options, journal)
    if running:
        lines += [
            "",
            "## Runs in progress",
            "",
            f"Under `{options.runs_root}` and not finished: the last checkpoint and the proxies "
            "of the checkpoints evaluated so far.",
            "",
            f"| run | checkpoint | proxy {options.proxy.upper()} by checkpoint |",
            "|---|---|---|",
        ]
        for run, step, proxies in running:
            curve = ", ".join(
                f"{s:,}: {_fmt(v.get(options.proxy), 1)}" for s, v in sorted(proxies.items())
            )
            lines.append(
                f"| {run.name} | {step:,} of {run.iterations(options):,} | {curve or '—'} |"
            )
    lines += ["", "## Commands", ""]
    for run, _, proxies in running:
        lines += [f"- {run.name} (in progress):", f"  `{shlex.join(train_command(options, run))}`"]
        lines += [f"  `{c}`" for _, v in sorted(proxies.items()) for c in v.get("commands", [])]
    for name in sorted(journal):
        r = journal[name]
        lines += [f"- {name}:", f"  `{r['train_command']}`"]
        lines += [f"  `{c}`" for c in r["eval_commands"]]
    return "\n".join(lines) + "\n"


# --- Main ----------------------------------------------------------------------------------


def define_flags() -> None:
    """The command line (defined only when run: tests import several benchmarks)."""
    flags.DEFINE_list("losses", list(study.LOSSES), "Losses of the study to run.")
    flags.DEFINE_list("datasets", list(study.DATASETS), "Data sets.")
    flags.DEFINE_integer(
        "grid_size",
        9,
        "Settings per loss in the search (the study's default first).",
        lower_bound=1,
        upper_bound=9,
    )
    flags.DEFINE_integer(
        "seeds", study.FINAL_SEEDS, "Seeds of each loss's best setting.", lower_bound=1
    )
    flags.DEFINE_integer(
        "d_updates", study.D_UPDATES, "Discriminator updates per run.", lower_bound=1
    )
    flags.DEFINE_integer(
        "checkpoint_d_updates",
        study.CHECKPOINT_D_UPDATES,
        "Discriminator updates between evaluated checkpoints.",
        lower_bound=1,
    )
    flags.DEFINE_list("proxy_metrics", ["fid", "fcd"], "Metrics of the proxy evaluations.")
    flags.DEFINE_integer(
        "proxy_samples", study.PROXY_SAMPLES, "Images per proxy evaluation.", lower_bound=2
    )
    flags.DEFINE_string("proxy", "fid", "The proxy metric that ranks the settings.")
    flags.DEFINE_string("final_metric", "fid", "The study's metric.")
    flags.DEFINE_integer(
        "eval_samples", study.EVAL_SAMPLES, "Images of the final evaluation.", lower_bound=2
    )
    flags.DEFINE_string("runs_root", "runs/study", "Where the runs' workdirs go.")
    flags.DEFINE_string("out", "experiments/study.md", "The report; its journal goes beside it.")
    flags.DEFINE_string("manual_dir", None, "Folder with the datasets' original archives.")
    flags.DEFINE_string("data_dir", None, "TFDS data directory.")
    flags.DEFINE_string("inception_weights", None, "The FID Inception .npz.")
    flags.DEFINE_bool(
        "jit_compile",
        True,
        "Train with XLA (on a Zen 3 core: as fast as the oneDNN graph kernels, 1.45x the "
        "Eigen ones; experiments/study_protocol.md).",
    )
    flags.DEFINE_integer(
        "max_runs", 0, "Stop after training this many runs; 0: no limit.", lower_bound=0
    )
    flags.DEFINE_float(
        "stop_after_hours", 0.0, "Start no run after this many hours; 0: no limit.", lower_bound=0.0
    )
    flags.DEFINE_bool("render_only", False, "Only rewrite the report from the journal.")


def options_from_flags() -> Options:
    unknown = sorted(set(FLAGS.losses) - set(study.LOSSES))
    if unknown:
        raise app.UsageError(f"unknown losses {unknown}: choose from {', '.join(study.LOSSES)}")
    unknown = sorted(set(FLAGS.datasets) - set(DATASETS))
    if unknown:
        raise app.UsageError(f"unknown data sets {unknown}: choose from {', '.join(DATASETS)}")
    if FLAGS.proxy not in FLAGS.proxy_metrics:
        raise app.UsageError(f"--proxy={FLAGS.proxy} must be one of --proxy_metrics")
    return Options(
        runs_root=pathlib.Path(FLAGS.runs_root),
        out=pathlib.Path(FLAGS.out),
        manual_dir=FLAGS.manual_dir,
        data_dir=FLAGS.data_dir,
        inception_weights=FLAGS.inception_weights,
        d_updates=FLAGS.d_updates,
        checkpoint_d_updates=FLAGS.checkpoint_d_updates,
        proxy_metrics=tuple(FLAGS.proxy_metrics),
        proxy_samples=FLAGS.proxy_samples,
        proxy=FLAGS.proxy,
        final_metric=FLAGS.final_metric,
        eval_samples=FLAGS.eval_samples,
        jit_compile=FLAGS.jit_compile,
    )


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    logging.set_verbosity(logging.INFO)
    options = options_from_flags()
    journal = read_journal(options)
    begin, trained, failed = time.monotonic(), 0, set()
    while not FLAGS.render_only:
        if FLAGS.max_runs and trained >= FLAGS.max_runs:
            break
        if FLAGS.stop_after_hours and time.monotonic() - begin > FLAGS.stop_after_hours * 3600:
            break
        journal = read_journal(options)  # with the runs other runners finished meanwhile
        run = next_run(
            journal,
            FLAGS.losses,
            FLAGS.datasets,
            FLAGS.grid_size,
            FLAGS.seeds,
            options.proxy,
            skip=failed,
        )
        if run is None:
            break
        logging.info("run %d of this session: %s", trained + 1, run.name)
        try:
            record = train_and_evaluate(options, run)
        except RuntimeError as error:  # reported and skipped this session (e.g. a run that
            logging.error("%s", error)  # another runner holds)
            failed.add(run.name)
            continue
        trained += 1
        journal = record_run(options, run.name, record)
        options.out.write_text(render(options, journal, FLAGS.grid_size, FLAGS.seeds))
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(render(options, journal, FLAGS.grid_size, FLAGS.seeds))
    print(f"wrote {options.out} ({len(journal)} runs in the journal)")


if __name__ == "__main__":
    define_flags()
    app.run(main)
