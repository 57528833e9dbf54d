"""Train-step speed of every variant, XLA on and off, measured interleaved in one run.

    python -m benchmarks.train_speed    (make bench: paper sizes, experiments/speed_table.md)
    python -m benchmarks.speed_quick    (make bench-quick: small sizes, experiments/speed_quick.md)
    taskset -c 1 python -m benchmarks.train_speed --variants=dcgan,pix2pix --image_size=pix2pix:64

What: each variant's model as its config builds it (`gan_tf.configs.get(variant)`: what
`python -m gan_tf.experiments.<variant>` trains without flags), at the config's image size and
batch or those of --image_size / --batch_size, timed through its own `make_train_function()`
(what `fit()` calls each step) on one synthetic batch of the pipeline's shapes held in memory,
so the step alone is timed. A timed block ends by reading a loss back: it times finished steps.

How: two fresh worker processes per variant (this module with --worker), one compiling the
step with XLA, one without (TensorFlow's graph kernels); each builds its model once and waits
on its pipe for "run N steps". The parent asks one at a time, the other idle: first step
(tracing, compilation, one step), warm-up, then --repeats blocks alternating XLA, graph, XLA,
graph, ..., so that a change of load on a shared machine hits both alike and their ratio stays
fair. A block has --steps steps, fewer (at least one) if they would outlast
--max_block_seconds. Each worker reports its peak RSS (ru_maxrss, TensorFlow included) and how
often `train_step` was traced: more than once fails the run (RetraceError).

Reported per variant: steps/s (median over the blocks) and images/s (examples in a step's
input: batch x n_critic for WGAN, WGAN-GP, StarGAN; pairs for pix2pix and CycleGAN) of both
settings, their ratio, the first step's time, peak RSS, and the setting the config's
jit_compile (auto) picks (`gan_tf.models.replicas.jit_compile_of`). The report is rewritten
atomically after each variant, each result journaled beside it: --resume continues a stopped
run. Pin a run to a core (`taskset -c 1 make bench`; the workers inherit it): CPU timings move
with other jobs. The older sections (input pipeline, per-step overhead, batch shapes, two batch
sizes) stay recorded in experiments/speed.md.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import functools
import json
import os
import pathlib
import platform
import re
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
MODULE = "benchmarks.train_speed"
WORKER_FLAG = "--worker"
REPLY = "TRAIN_SPEED "  # the prefix of a worker's answers on its stdout

NOISE_TO_IMAGE = ("gan", "dcgan", "wgan", "wgan_gp", "lsgan", "cgan")
TRANSLATION = ("pix2pix", "cyclegan", "stargan")
ALL_VARIANTS = (*NOISE_TO_IMAGE, *TRANSLATION)
TIMING = ("steps", "repeats", "warmup", "max_block_seconds")
# make bench: every config's own size (""), blocks of up to 20 steps or 30 s.
FULL = dict(steps=20, repeats=3, warmup=3, max_block_seconds=30.0, image_size="", batch_size="")


class RetraceError(RuntimeError):
    """A training step was traced again after its first call."""


class UsageError(ValueError):
    """A bad flag: one line on stderr, exit status 2."""


class WorkerError(RuntimeError):
    """A worker process failed or did not answer in time."""


# --- The model and its input ---------------------------------------------------------------------


def variant_config(
    variant: str,
    *,
    batch_size: int | None = None,
    jit_compile: bool | str | None = None,
    dataset: str | None = None,
    image_size: int | None = None,
    data_dir: str | None = None,
    manual_dir: str | None = None,
):
    """The config `python -m gan_tf.experiments.<variant>` runs without flags, except the
    settings given here (`gan_tf.configs.get`; no flags are parsed)."""
    overrides = {k: v for k, v in locals().items() if k != "variant" and v is not None}
    from gan_tf import configs

    if variant not in ALL_VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: choose from {', '.join(ALL_VARIANTS)}")
    return configs.get(variant, **overrides)


def build(config):
    """The compiled model of `config`, seeded as training seeds it (`gan_tf.api.build`)."""
    from gan_tf import api

    return api.build(config)


def synthetic_batch(config, seed: int = 0):
    """One input batch of the shapes and dtypes `config`'s training pipeline yields, with
    random values (images uniform in [-1, 1]): noise-to-image variants, images (batch x
    d_steps) with int32 labels for CGAN; pix2pix (input, target); CycleGAN (a, b); StarGAN
    (images, float domain labels), batch x d_steps, multi-hot for CelebA, else one-hot."""
    import tensorflow as tf

    size, channels, batch = config.image_size, config.channels, config.batch_size

    def images(n: int, c: int, k: int) -> tf.Tensor:
        return tf.random.stateless_uniform((n, size, size, c), [seed, k], -1.0, 1.0)

    if config.variant in NOISE_TO_IMAGE:
        n = batch * config.d_steps
        if not config.num_classes:
            return images(n, channels, 0)
        labels = tf.random.stateless_uniform((n,), [seed, 1], 0, config.num_classes, dtype=tf.int32)
        return images(n, channels, 0), labels
    if config.variant == "pix2pix":
        return images(batch, config.input_channels, 0), images(batch, channels, 1)
    if config.variant == "cyclegan":
        return images(batch, channels, 0), images(batch, channels, 1)
    if config.variant == "stargan":
        n, domains = batch * config.d_steps, len(config.domain_names)
        if config.multi_label:
            uniform = tf.random.stateless_uniform((n, domains), [seed, 1])
            return images(n, channels, 0), tf.cast(uniform < 0.5, tf.float32)
        domain = tf.random.stateless_uniform((n,), [seed, 1], 0, domains, dtype=tf.int32)
        return images(n, channels, 0), tf.one_hot(domain, domains)
    raise ValueError(f"no synthetic batch for variant {config.variant!r}")


def examples_in(batch) -> int:
    """Examples in one step's input: the leading dimension of its (first) tensor."""
    import tensorflow as tf

    return int(tf.nest.flatten(batch)[0].shape[0])


def memory_dataset(batch):
    """The same batch forever, already in memory: a feed that costs nothing."""
    import tensorflow as tf

    return tf.data.Dataset.from_tensors(batch).repeat()


# --- The timed step, in a worker process ---------------------------------------------------------


class StepTimer:
    """`config`'s model and its Keras train function, fed one in-memory batch; `traces` counts
    the calls of `model.train_step` in Python, i.e. its traces (a traced step runs as a graph)."""

    def __init__(self, config) -> None:
        self.model, self.traces = build(config), 0
        original = self.model.train_step

        def counted(data):
            self.traces += 1
            return original(data)

        self.model.train_step = counted
        self.batch = synthetic_batch(config, seed=config.seed)
        self.iterator = iter(memory_dataset(self.batch))
        self.model.make_train_function()

    def run(self, steps: int) -> float:
        """Seconds for `steps` calls of the train function, ending with a loss read back."""
        begin = time.perf_counter()
        for _ in range(steps):
            logs = self.model.train_function(self.iterator)
        float(logs[sorted(logs)[0]])
        return time.perf_counter() - begin


def worker_main(spec_json: str) -> None:
    """Builds one model, then answers "run N" (its seconds) and "finish" on stdin / stdout."""
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    from gan_tf.models.replicas import jit_compile_of

    spec = json.loads(spec_json)
    sizes = {"image_size": spec["image_size"], "batch_size": spec["batch_size"]}
    c = variant_config(spec["variant"], **sizes)  # jit_compile: the config's default (auto)
    timer = StepTimer(variant_config(spec["variant"], jit_compile=spec["xla"], **sizes))

    def reply(**values: Any) -> None:
        print(REPLY + json.dumps(values), flush=True)

    size = f"{c.dataset} {c.image_size}x{c.image_size}x{c.channels}, batch {c.batch_size}"
    reply(size=size, examples_per_step=examples_in(timer.batch), default_xla=jit_compile_of(c))
    for line in sys.stdin:
        if line.startswith("run "):
            reply(seconds=timer.run(int(line.split()[1])))
        else:
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
            return reply(traces=timer.traces, peak_rss_mib=rss)


class Worker:
    """A worker process (`worker_main`) and its pipes; an answer not given within `timeout`
    seconds kills it. Its stderr (TensorFlow's logs) goes to a temporary file."""

    def __init__(self, spec: dict[str, Any], timeout: float) -> None:
        self.timeout, self.log = timeout, tempfile.TemporaryFile("w+")  # noqa: SIM115 (close)
        command = [sys.executable, "-m", MODULE, WORKER_FLAG, json.dumps(spec)]
        env, pipe = {"TF_CPP_MIN_LOG_LEVEL": "2", **os.environ}, subprocess.PIPE
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdin=pipe, stdout=pipe, stderr=self.log, text=True
        )

    def answer(self, command: str | None = None) -> dict[str, Any]:
        """The worker's next answer (to `command`, if given); WorkerError if there is none."""
        expired = threading.Event()
        watchdog = threading.Timer(self.timeout, lambda: (expired.set(), self.process.kill()))
        watchdog.start()
        try:
            if command is not None:
                self.process.stdin.write(command + "\n")
                self.process.stdin.flush()
            for line in self.process.stdout:
                if line.startswith(REPLY):
                    return json.loads(line[len(REPLY) :])
        except OSError:
            pass  # the worker has gone: its pipe is closed
        finally:
            watchdog.cancel()
        if expired.is_set():
            raise WorkerError(f"no answer within {self.timeout:.0f} s")
        self.log.seek(0)
        last = [line.strip() for line in self.log.read().splitlines() if line.strip()][-1:]
        raise WorkerError(f"exit status {self.process.wait()}: {''.join(last) or 'no output'}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.log.close()


# --- One variant: both settings, interleaved -----------------------------------------------------


@dataclasses.dataclass
class Setting:
    """One variant's step with XLA or without (graph)."""

    first_step_seconds: float  # tracing, compilation and one step
    steps_per_block: int
    block_seconds: list[float]
    traces: int
    peak_rss_mib: float

    @property
    def steps_per_second(self) -> float:
        return statistics.median(self.steps_per_block / s for s in self.block_seconds)


@dataclasses.dataclass
class Measurement:
    variant: str
    size: str  # dataset, image size, batch
    examples_per_step: int
    default_xla: bool  # what the config's jit_compile (auto) picks here
    xla: Setting
    graph: Setting

    @property
    def ratio(self) -> float:
        """steps/s with XLA over without."""
        return self.xla.steps_per_second / self.graph.steps_per_second

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Measurement:
        return cls(**{**values, **{k: Setting(**values[k]) for k in ("xla", "graph")}})


def budget_steps(step_seconds: float, wanted: int, max_seconds: float) -> int:
    """Steps per block: `wanted`, fewer (at least one) when they would outlast `max_seconds`."""
    return max(1, min(wanted, int(max_seconds / max(step_seconds, 1e-9))))


def measure(
    variant: str, size: dict[str, int | None], timing: dict[str, Any], timeout: float
) -> Measurement:
    """Both settings of `variant`'s step, each in its worker, timed in alternating blocks."""
    steps, repeats, warmup, max_seconds = (timing[k] for k in TIMING)
    with contextlib.ExitStack() as stack:
        workers = {}
        for xla in (True, False):  # both import and build at once: nothing is timed yet
            workers[xla] = Worker({"variant": variant, "xla": xla, **size}, timeout)
            stack.callback(workers[xla].close)
        info, _ = (w.answer() for w in workers.values())  # both built
        first = {xla: w.answer("run 1")["seconds"] for xla, w in workers.items()}
        per_block = {}
        for xla, w in workers.items():
            step_seconds = w.answer("run 1")["seconds"]  # warm-up: one step, more if they fit
            if (more := min(warmup - 1, int(max_seconds / step_seconds))) > 0:
                step_seconds = w.answer(f"run {more}")["seconds"] / more
            per_block[xla] = budget_steps(step_seconds, steps, max_seconds)
        blocks: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(repeats):
            for xla, w in workers.items():
                blocks[xla].append(w.answer(f"run {per_block[xla]}")["seconds"])
        ends = {xla: w.answer("finish") for xla, w in workers.items()}
    setting = {xla: Setting(first[xla], per_block[xla], blocks[xla], **ends[xla]) for xla in first}
    return Measurement(variant, **info, xla=setting[True], graph=setting[False])


def check_traced_once(measurements: Sequence[Measurement]) -> None:
    """Raises RetraceError naming every setting whose step was traced more than once."""
    retraced = [
        f"{m.variant} {name} (traces {s.traces})"
        for m in measurements
        for name, s in (("XLA", m.xla), ("graph", m.graph))
        if s.traces != 1
    ]
    if retraced:
        raise RetraceError(f"a step was traced more than once: {'; '.join(retraced)}")


# --- The report ----------------------------------------------------------------------------------


def machine_description() -> dict[str, str]:
    """CPU model and cores, versions, git commit and date, for the report's header."""
    from importlib import metadata

    cpuinfo = pathlib.Path("/proc/cpuinfo").read_text() if os.path.exists("/proc/cpuinfo") else ""
    cpu = next(iter(re.findall(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)), "unknown")

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    commit += " with uncommitted changes" if git("status", "--porcelain", "-uno") else ""
    return {
        "CPU": f"{cpu}, {os.cpu_count()} logical cores, {len(os.sched_getaffinity(0))} usable by "
        "this run (its CPU affinity: `taskset -c 1` gives 1)",
        "Software": f"TensorFlow {metadata.version('tensorflow')}, Keras "
        f"{metadata.version('keras')}, Python {platform.python_version()}",
        "Commit": commit,
        "Date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def headline_table(measurements: Sequence[Measurement], failures: Sequence[str] = ()) -> list[str]:
    """One row per variant, both settings in a cell (XLA / graph), the default's in bold."""

    def pair(m: Measurement, per_step: int = 1) -> str:
        rates = [s.steps_per_second * per_step for s in (m.xla, m.graph)]
        cells = [f"{r:.0f}" if r >= 100 else f"{r:.3g}" for r in rates]
        cells[not m.default_xla] = f"**{cells[not m.default_xla]}**"
        return " / ".join(cells)

    lines = [
        "| variant | size | images/step | default | steps/s XLA / graph | images/s XLA / graph "
        "| XLA ÷ graph | first step (s) XLA / graph | peak RSS (MiB) XLA / graph "
        "| steps × blocks XLA / graph | traces |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in measurements:
        x, g = m.xla, m.graph
        lines.append(
            f"| {m.variant} | {m.size} | {m.examples_per_step} | "
            f"{'XLA' if m.default_xla else 'graph'} | {pair(m)} | {pair(m, m.examples_per_step)} "
            f"| {m.ratio:.2f} | {x.first_step_seconds:.1f} / {g.first_step_seconds:.1f} "
            f"| {x.peak_rss_mib:.0f} / {g.peak_rss_mib:.0f} | {x.steps_per_block} × "
            f"{len(x.block_seconds)} / {g.steps_per_block} × {len(g.block_seconds)} "
            f"| {x.traces} / {g.traces} |"
        )
    return lines + [f"| {failure} |" + " |" * 10 for failure in failures]


def markdown_report(
    title: str,
    header: dict[str, str],
    measurements: Sequence[Measurement],
    failures: Sequence[str] = (),
    planned: int = 0,
    extra: Sequence[str] = (),
) -> str:
    """The report: `header` (command, machine, timing), the headline table, `extra` lines."""
    lines = [f"# {title}", "", *[f"- {key}: {value}" for key, value in header.items()], ""]
    if (done := len(measurements) + len(failures)) < planned:
        lines += [f"**Partial: {done} of {planned} variants measured so far.**", ""]
    lines += [
        "Measured by `benchmarks/train_speed.py` (its docstring says how). *XLA / graph*: the "
        "step compiled with XLA / without, each in its own fresh process, timed in alternating "
        "blocks; in bold the setting the config picks by default (jit_compile auto). *steps/s*: "
        "median over the blocks. *first step*: tracing, compilation and one step. *traces*: "
        "must be 1. CPU timings: compare them as ratios within this report.",
        "",
        *headline_table(measurements, failures),
        "",
        *extra,
    ]
    return "\n".join(lines).rstrip() + "\n"


# --- The command line ----------------------------------------------------------------------------


def parser(prog: str, *, out: str, defaults: dict[str, Any]) -> argparse.ArgumentParser:
    """The flags of a run with `defaults` (FULL here, benchmarks.speed_quick its own)."""

    class Parser(argparse.ArgumentParser):
        def error(self, message: str):
            raise UsageError(message)

    p = Parser(prog=prog, description=__doc__.split("\n\n")[0])
    p.add_argument("--variants", default=",".join(ALL_VARIANTS), help="Comma-separated.")
    p.add_argument("--image_size", default=defaults["image_size"], help="N or variant:N,...")
    p.add_argument("--batch_size", default=defaults["batch_size"], help="N or variant:N,...")
    p.add_argument("--steps", type=int, default=defaults["steps"], help="Steps per block.")
    p.add_argument("--repeats", type=int, default=defaults["repeats"], help="Blocks per setting.")
    p.add_argument("--warmup", type=int, default=defaults["warmup"], help="Steps, at least 1.")
    p.add_argument("--max_block_seconds", type=float, default=defaults["max_block_seconds"])
    p.add_argument("--timeout", type=float, default=3600.0, help="Seconds per worker answer.")
    p.add_argument("--out", default=out, help="The Markdown report.")
    p.add_argument("--resume", action="store_true", help="Reuse <out>.measurements.jsonl.")
    return p


def per_variant(text: str, variants: Sequence[str], flag: str) -> dict[str, int | None]:
    """'64' (every variant) or 'cyclegan:64,stargan:32' -> {variant: the value or None}."""
    values: dict[str, int | None] = dict.fromkeys(variants)
    for item in filter(None, text.split(",")):
        name, _, number = item.rpartition(":")
        if name and name not in ALL_VARIANTS:
            raise UsageError(f"--{flag}: unknown variant {name!r}")
        if not number.isdigit() or int(number) < 1:
            raise UsageError(f"--{flag}: {item!r}: not a positive integer")
        values.update({v: int(number) for v in ([name] if name else variants) if v in values})
    return values


def parse(p: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """`argv` parsed and checked; UsageError (one line) for anything wrong."""
    args = p.parse_args(argv)
    args.variants = [v for v in args.variants.split(",") if v]
    if not args.variants or set(args.variants) - set(ALL_VARIANTS):
        unknown = sorted(set(args.variants) - set(ALL_VARIANTS))
        raise UsageError(f"--variants: unknown {unknown}: choose from {', '.join(ALL_VARIANTS)}")
    for name in (*TIMING, "timeout"):
        if getattr(args, name) <= 0:
            raise UsageError(f"--{name} must be positive")
    args.image_size = per_variant(args.image_size, args.variants, "image_size")
    args.batch_size = per_variant(args.batch_size, args.variants, "batch_size")
    args.out = pathlib.Path(args.out).resolve()
    return args


progress = functools.partial(print, file=sys.stderr, flush=True)


def run(
    args: argparse.Namespace, title: str, command: str, extra: Callable[[], list[str]] = list
) -> int:
    """Measures every variant of `args`, rewriting the report after each, and prints the table;
    `extra()` gives the lines that end the report. The exit status: 1 if a variant failed or
    retraced, else 0."""
    journal = args.out.with_name(args.out.stem + ".measurements.jsonl")
    timing = {k: getattr(args, k) for k in TIMING}
    sizes = {
        v: {k: getattr(args, k)[v] for k in ("image_size", "batch_size")} for v in args.variants
    }
    keys = {v: json.dumps([v, sizes[v], timing], sort_keys=True) for v in args.variants}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not args.resume:
        journal.unlink(missing_ok=True)
    done = dict(map(json.loads, journal.read_text().splitlines())) if journal.exists() else {}
    header = {"Command": f"`{command}`", **machine_description()}
    header["Timing"] = ", ".join(f"{k}={v}" for k, v in timing.items())
    load, begin = os.getloadavg()[0], time.perf_counter()
    measured: list[Measurement] = []
    failed: list[str] = []

    def report(end: Sequence[str] = ()) -> None:
        header["Load average (1 min) at start / now"] = f"{load:.2f} / {os.getloadavg()[0]:.2f}"
        header["Wall time"] = f"{(time.perf_counter() - begin) / 60:.1f} min"
        temporary = args.out.with_name(f".{args.out.name}.tmp")  # written, then renamed
        temporary.write_text(
            markdown_report(title, header, measured, failed, len(args.variants), end)
        )
        os.replace(temporary, args.out)

    for i, variant in enumerate(args.variants, 1):
        label, started = f"[{i}/{len(args.variants)}] {variant}", time.perf_counter()
        if keys[variant] in done:
            measured.append(Measurement.from_dict(done[keys[variant]]))
            progress(f"{label}: reused from {journal}")
            continue
        given = ", ".join(f"{k} {v}" for k, v in sizes[variant].items() if v)
        progress(f"{label}: measuring at {given or 'the default size'}")
        try:
            m = measure(variant, sizes[variant], timing, args.timeout)
        except WorkerError as error:
            failed.append(f"{variant} **failed**: {error}".replace("|", "\\|"))
            progress(f"{label}: FAILED: {error}")
        else:
            measured.append(m)
            with journal.open("a") as f:
                f.write(json.dumps([keys[variant], dataclasses.asdict(m)]) + "\n")
            progress(
                f"{label} {m.size}: steps/s XLA {m.xla.steps_per_second:.3g}, graph "
                f"{m.graph.steps_per_second:.3g} (x{m.ratio:.2f}); first step "
                f"{m.xla.first_step_seconds:.1f} / {m.graph.first_step_seconds:.1f} s "
                f"({time.perf_counter() - started:.0f} s)"
            )
        report()
    report(end := extra())
    print("\n".join([*headline_table(measured, failed), "", *end]).rstrip())
    progress(f"wrote {args.out}")
    try:
        check_traced_once(measured)
    except RetraceError as error:
        progress(str(error))
        return 1
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """make bench: every variant at its config's size; exit status 2 for bad flags."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = parse(parser(MODULE, out="experiments/speed_table.md", defaults=FULL), argv)
    except UsageError as error:
        print(f"{MODULE}: {error}", file=sys.stderr)
        return 2
    command = shlex.join(["python", "-m", MODULE, *argv])
    return run(args, "Training speed (make bench)", command)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == WORKER_FLAG:
        worker_main(sys.argv[2])
    else:
        sys.exit(main())
