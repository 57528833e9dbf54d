"""Training-speed benchmark: how fast each variant's `train_step` runs, and what slows it.

    python -m benchmarks.train_speed --out=experiments/speed_table.md    (make bench)

Not a test: it times, on this machine, for every variant at its paper config's default size
(`gan_tf.configs.get(variant)`, what `python -m gan_tf.experiments.<variant>` runs with no
flags: dataset, image size, networks, n_critic), at two batch sizes, with XLA on and off:

  step      steps/s and images/s of the compiled train function after warm-up (median of
            --repeats timed runs), time to the first step (tracing + XLA compilation + one
            step), peak host memory (ru_maxrss of the process), how often the step was traced
            (it must be once: the script exits non-zero otherwise) and whether the traced step
            holds ops that go back to the host (py_function, print, summaries).
  pipeline  the real TFDS input pipeline alone (`gan_tf.data.image_pipeline`, MNIST): images/s
            from the prepared TFDS records to batches ready for the CPU step, first epoch
            (decoding) and later epochs (from the in-memory cache).
  feed      a step fed from that pipeline against the same step fed from one batch already in
            memory (`tf.data.Dataset.from_tensors(batch).repeat()`), interleaved run by run;
            the ratio shows whether input is ever the bottleneck (it must be within 5%).
  overhead  per-step cost of what surrounds the step in training: the raw train function
            loop, `fit()` without callbacks, `fit()` with one no-op batch callback (which turns
            off Keras's asynchronous callback dispatch, so every step's logs are read back to
            Python), `fit()` with the per-step TensorBoard scalars, and the real
            `gan_tf.training.runner.train` with all its callbacks.
  shapes    whether every training pipeline yields batches of one static shape (repeat, then
            batch with drop_remainder), so a step never sees a smaller last batch; and what a
            smaller batch would do to a traced step.

Default sizes (each variant's config defaults; the table names dataset and size per row):

  gan                   MNIST 28x28x1, MLP networks
  dcgan, lsgan, cgan    MNIST 28x28x1, DCGAN networks (CGAN conditioned on the 10 labels)
  wgan, wgan_gp         MNIST 28x28x1, DCGAN networks, n_critic = 5
  pix2pix               Fashion-MNIST edges -> image, 32x32x1, U-Net and 70x70 PatchGAN
  cyclegan              cycle_gan/horse2zebra, 256x256x3, two ResNet-9 generators, two PatchGANs
  stargan               CelebA, 128x128x3, 5 attributes, n_critic = 5

CycleGAN at 256x256 and StarGAN at 128x128 are their papers' sizes; on a CPU their steps are
slow (experiments/speed.md), so they are timed with few steps (rows marked "budget").
Their datasets need not be prepared: the step is timed on synthetic batches (below).

Every configuration runs in a fresh subprocess (this module with `--child <json>`), so peak
memory and compile time are its own and no tracing or XLA cache carries over. The step is timed
through the model's own `make_train_function()` on a `tf.data` iterator, exactly what `fit()`
calls each step, and each timed run ends by reading a loss back to the host, so the time is
that of finished steps. The step's input is one synthetic batch of the experiment's shapes held
in memory (uniform images in [-1, 1], random labels): the step alone is measured, and the
`feed` section measures what real input costs. images/s counts the examples in a step's input:
images for the noise-to-image models (batch x n_critic for WGAN and WGAN-GP, since each critic
update takes its own real batch), (input, target) pairs for pix2pix, (a, b) pairs for CycleGAN,
images x n_critic for StarGAN.

A timed run has --steps steps, fewer when a step is so slow that --steps would take longer than
--max_run_seconds (then the table says how many; at least one). Timings on a CPU shared with
other jobs move together with the load, so compare them as ratios within one run; the report
records the load average before and after.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import os
import pathlib
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

MODULE = "benchmarks.train_speed"
CHILD_FLAG = "--child"
RESULT_PREFIX = "TRAIN_SPEED_RESULT "

NOISE_TO_IMAGE = ("gan", "dcgan", "wgan", "wgan_gp", "lsgan", "cgan")
TRANSLATION = ("pix2pix", "cyclegan", "stargan")
ALL_VARIANTS = (*NOISE_TO_IMAGE, *TRANSLATION)
# Two batch sizes per variant: the experiment's default and one other. pix2pix uses 1 and 4
# (Isola et al. 2017, appendix 6.2), CycleGAN 1 (the paper's) and 2 (at 256x256 a step is
# slow on a CPU), StarGAN 16 (the paper's; x n_critic = 5 real batches a step) and 8.
DEFAULT_BATCH_SIZES: dict[str, tuple[int, ...]] = {
    **{v: (32, 64) for v in NOISE_TO_IMAGE},
    "pix2pix": (1, 4),
    "cyclegan": (1, 2),
    "stargan": (8, 16),
}
# Op types whose kernels run Python or write to the host: none belongs in a training step.
HOST_OP_TYPES = frozenset(
    {
        "PyFunc",
        "PyFuncStateless",
        "EagerPyFunc",
        "PrintV2",
        "Print",
        "WriteScalarSummary",
        "WriteImageSummary",
        "WriteHistogramSummary",
        "WriteSummary",
        "WriteRawProtoSummary",
    }
)
FEED_TOLERANCE = 0.05  # the pipeline-fed step must be within 5% of the memory-fed one
MIB = 1024.0  # ru_maxrss is in KiB on Linux


class RetraceError(RuntimeError):
    """A training step was traced again after its first call."""


# --- Configurations: each variant's paper config -------------------------------------------------


def variant_config(
    variant: str,
    *,
    batch_size: int | None = None,
    jit_compile: bool | None = None,
    dataset: str | None = None,
    image_size: int | None = None,
    data_dir: str | None = None,
    manual_dir: str | None = None,
):
    """The config `python -m gan_tf.experiments.<variant>` runs without flags, except the
    settings given here: `gan_tf.configs.get(variant, **overrides)`, resolved for its data
    (no flags are parsed, so it works in-process for any number of variants)."""
    from gan_tf import configs

    if variant not in ALL_VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: choose from {', '.join(ALL_VARIANTS)}")
    overrides = {
        "batch_size": batch_size,
        "jit_compile": jit_compile,
        "dataset": dataset,
        "image_size": image_size,
        "data_dir": data_dir,
        "manual_dir": manual_dir,
    }
    return configs.get(variant, **{k: v for k, v in overrides.items() if v is not None})


def build(config):
    """The compiled model of `config`, seeded as training seeds it (`gan_tf.api.build`)."""
    from gan_tf import api

    return api.build(config)


def synthetic_batch(config, seed: int = 0):
    """One input batch of the shapes and dtypes `config`'s training pipeline yields, with
    random values (images uniform in [-1, 1]), so a step can be timed without its dataset.

    Noise-to-image variants: images (batch x d_steps, one real batch per critic update), with
    int32 labels for CGAN; pix2pix: (input, target); CycleGAN: (a, b); StarGAN: (images,
    float domain labels), batch x d_steps of them, multi-hot for CelebA, else one-hot.
    """
    import tensorflow as tf

    size, channels, batch, variant = (
        config.image_size,
        config.channels,
        config.batch_size,
        config.variant,
    )

    def images(n: int, c: int, k: int) -> tf.Tensor:
        return tf.random.stateless_uniform((n, size, size, c), [seed, k], -1.0, 1.0)

    if variant in NOISE_TO_IMAGE:
        n = batch * config.d_steps
        if not config.num_classes:
            return images(n, channels, 0)
        labels = tf.random.stateless_uniform((n,), [seed, 1], 0, config.num_classes, dtype=tf.int32)
        return images(n, channels, 0), labels
    if variant == "pix2pix":
        return images(batch, config.input_channels, 0), images(batch, channels, 1)
    if variant == "cyclegan":
        return images(batch, channels, 0), images(batch, channels, 1)
    if variant == "stargan":
        n, domains = batch * config.d_steps, len(config.domain_names)
        if config.multi_label:
            uniform = tf.random.stateless_uniform((n, domains), [seed, 1])
            return images(n, channels, 0), tf.cast(uniform < 0.5, tf.float32)
        domain = tf.random.stateless_uniform((n,), [seed, 1], 0, domains, dtype=tf.int32)
        return images(n, channels, 0), tf.one_hot(domain, domains)
    raise ValueError(f"no synthetic batch for variant {variant!r}")


def examples_in(batch) -> int:
    """Examples in one step's input: the leading dimension of its (first) tensor."""
    import tensorflow as tf

    return int(tf.nest.flatten(batch)[0].shape[0])


def memory_dataset(batch):
    """The same batch forever, already in memory: a feed that costs nothing."""
    import tensorflow as tf

    return tf.data.Dataset.from_tensors(batch).repeat()


# --- Tracing, host ops and timing ----------------------------------------------------------------


class TraceCounter:
    """Counts how often `model.train_step` runs in Python, i.e. is traced (once per trace; a
    traced step then runs as a graph without entering Python)."""

    def __init__(self, model) -> None:
        self.count = 0
        original = model.train_step

        def counted(data):
            self.count += 1
            return original(data)

        model.train_step = counted


def step_functions(train_function: Callable) -> list:
    """The tf.functions inside Keras's train function (found through its closures): the outer
    one that pulls a batch from the iterator and the inner, XLA-compiled one-step function."""
    import tensorflow as tf

    found: dict[int, Any] = {}
    seen: set[int] = set()

    def visit(fn) -> None:
        if id(fn) in seen:
            return
        seen.add(id(fn))
        if isinstance(fn, tf.types.experimental.PolymorphicFunction):
            found[id(fn)] = fn
            visit(fn.python_function)
            return
        if getattr(fn, "__wrapped__", None) is not None:  # functools.wraps wrappers
            visit(fn.__wrapped__)
        for cell in getattr(fn, "__closure__", None) or ():
            with contextlib.suppress(ValueError):  # an empty cell
                value = cell.cell_contents
                if callable(value) and not isinstance(value, type):
                    visit(value)

    visit(train_function)
    return list(found.values())


def tracing_counts(functions: Sequence) -> list[int]:
    return [int(f.experimental_get_tracing_count()) for f in functions]


def host_ops(functions: Sequence) -> list[str]:
    """Op types in the traced functions (and every function they call) that run on the host."""
    found: set[str] = set()
    for function in functions:
        # A private method, but the only way to the graphs a Function has already traced
        # (get_concrete_function would need the arguments again).
        for concrete in function._list_all_concrete_functions():
            graph_def = concrete.graph.as_graph_def()
            nodes = list(graph_def.node)
            for library_function in graph_def.library.function:
                nodes.extend(library_function.node_def)
            found.update(node.op for node in nodes if node.op in HOST_OP_TYPES)
    return sorted(found)


def read_back(logs: dict) -> float:
    """Reads one logged value to the host: the steps before it have finished."""
    return float(logs[sorted(logs)[0]])


def timed_steps(train_function: Callable, iterator, steps: int) -> float:
    """Seconds for `steps` calls of the train function, ending with a value read back."""
    begin = time.perf_counter()
    logs = None
    for _ in range(steps):
        logs = train_function(iterator)
    read_back(logs)
    return time.perf_counter() - begin


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB


def budget_steps(step_seconds: float, wanted: int, max_seconds: float, minimum: int = 1) -> int:
    """Steps per timed run: `wanted`, fewer when they would take longer than `max_seconds`."""
    if step_seconds <= 0:
        return wanted
    return max(minimum, min(wanted, int(max_seconds / step_seconds)))


# --- The step ----------------------------------------------------------------------------------


@dataclasses.dataclass
class StepMeasurement:
    """One (variant, batch size, XLA) configuration of the train step."""

    variant: str
    dataset: str
    image_size: int
    channels: int
    batch_size: int
    examples_per_step: int
    jit_compile: bool
    build_seconds: float
    first_step_seconds: float  # the first call: tracing, XLA compilation and one step
    warmup_steps: int
    steps_per_run: int
    run_seconds: list[float]
    run_cpu_seconds: list[float]  # CPU time of the process (all threads) in each timed run
    traces: int  # how often train_step was traced (Python counter)
    tracing_counts: list[int]  # experimental_get_tracing_count() of Keras's tf.functions
    host_ops: list[str]
    peak_rss_mib: float
    rss_before_build_mib: float
    budget_limited: bool  # fewer steps per run than asked, to fit --max_run_seconds

    @property
    def steps_per_second(self) -> float:
        return statistics.median(self.steps_per_run / s for s in self.run_seconds)

    @property
    def images_per_second(self) -> float:
        return self.steps_per_second * self.examples_per_step

    @property
    def cpu_seconds_per_step(self) -> float:
        """Median CPU seconds per step, all threads: disturbed less than wall time by other
        jobs on the machine; over wall time it is the cores the step keeps busy."""
        return statistics.median(c / self.steps_per_run for c in self.run_cpu_seconds)

    @property
    def spread(self) -> tuple[float, float]:
        rates = [self.steps_per_run / s for s in self.run_seconds]
        return min(rates), max(rates)

    @property
    def traced_once(self) -> bool:
        return self.traces == 1 and all(c <= 1 for c in self.tracing_counts)


def measure_train_step(
    config,
    *,
    steps: int,
    warmup: int,
    repeats: int,
    max_run_seconds: float,
) -> StepMeasurement:
    """Times the compiled train step of `config` fed one in-memory batch.

    Builds the model, calls Keras's train function once (trace + compile + one step), warms
    up for `warmup` steps (fewer if they outlast `max_run_seconds`; at least one), then times
    `repeats` runs of `steps` steps (fewer for slow steps, see `budget_steps`).
    """
    rss_before = peak_rss_mib()
    begin = time.perf_counter()
    model = build(config)
    build_seconds = time.perf_counter() - begin
    counter = TraceCounter(model)
    batch = synthetic_batch(config, seed=config.seed)
    iterator = iter(memory_dataset(batch))
    model.make_train_function()
    train_function = model.train_function

    # First step: tracing, XLA compilation and one step.
    first_step_seconds = timed_steps(train_function, iterator, 1)

    # Warm-up: up to `warmup` steps, and at least one.
    warmup_steps, warmup_seconds = 0, 0.0
    while warmup_steps < max(1, warmup) and (warmup_steps == 0 or warmup_seconds < max_run_seconds):
        warmup_seconds += timed_steps(train_function, iterator, 1)
        warmup_steps += 1
    steps_per_run = budget_steps(warmup_seconds / warmup_steps, steps, max_run_seconds)

    run_seconds, run_cpu_seconds = [], []
    for _ in range(repeats):
        cpu = time.process_time()
        run_seconds.append(timed_steps(train_function, iterator, steps_per_run))
        run_cpu_seconds.append(time.process_time() - cpu)
    functions = step_functions(train_function)
    return StepMeasurement(
        variant=config.variant,
        dataset=config.dataset,
        image_size=config.image_size,
        channels=config.channels,
        batch_size=config.batch_size,
        examples_per_step=examples_in(batch),
        jit_compile=bool(model.jit_compile),
        build_seconds=build_seconds,
        first_step_seconds=first_step_seconds,
        warmup_steps=warmup_steps,
        steps_per_run=steps_per_run,
        run_seconds=run_seconds,
        run_cpu_seconds=run_cpu_seconds,
        traces=counter.count,
        tracing_counts=tracing_counts(functions),
        host_ops=host_ops(functions),
        peak_rss_mib=peak_rss_mib(),
        rss_before_build_mib=rss_before,
        budget_limited=steps_per_run < steps,
    )


# --- The input pipeline ------------------------------------------------------------------------


@dataclasses.dataclass
class PipelineMeasurement:
    dataset: str
    batch_size: int
    first_batch_seconds: float  # opening the records and filling the shuffle buffer
    first_epoch_images_per_second: float  # decoding from the TFDS records
    cached_images_per_second: float  # later epochs, from the in-memory cache
    batches: int
    static_shape: bool


def measure_pipeline(
    name: str, dataset, batch_size: int, epoch_examples: int
) -> PipelineMeasurement:
    """Images/s of a batched pipeline alone, pulled batch by batch from its iterator as `fit`
    pulls them, over two epochs: `epoch_examples` examples make an epoch. On a CPU-only
    machine a batch the iterator yields is ready for the step (already in host memory)."""
    static = all(s.shape.is_fully_defined() for s in _flat_specs(dataset.element_spec))
    epoch_batches = max(2, epoch_examples // batch_size)
    begin = time.perf_counter()
    iterator = iter(dataset)
    next(iterator)
    first = time.perf_counter() - begin
    # The rest of the first epoch (decoding), then one epoch from the cache.
    mark = time.perf_counter()
    for _ in range(epoch_batches - 1):
        next(iterator)
    first_epoch = time.perf_counter() - mark
    mark = time.perf_counter()
    for _ in range(epoch_batches):
        next(iterator)
    cached = time.perf_counter() - mark
    return PipelineMeasurement(
        dataset=name,
        batch_size=batch_size,
        first_batch_seconds=first,
        first_epoch_images_per_second=(epoch_batches - 1) * batch_size / first_epoch,
        cached_images_per_second=epoch_batches * batch_size / cached,
        batches=2 * epoch_batches,
        static_shape=static,
    )


def _flat_specs(element_spec) -> list:
    import tensorflow as tf

    return tf.nest.flatten(element_spec)


@dataclasses.dataclass
class FeedMeasurement:
    """One model's step fed from the real pipeline and from one in-memory batch."""

    variant: str
    dataset: str
    batch_size: int
    jit_compile: bool
    steps_per_run: int
    pipeline_seconds: list[float]
    memory_seconds: list[float]
    traces: int
    tracing_counts: list[int]

    @property
    def pipeline_steps_per_second(self) -> float:
        return statistics.median(self.steps_per_run / s for s in self.pipeline_seconds)

    @property
    def memory_steps_per_second(self) -> float:
        return statistics.median(self.steps_per_run / s for s in self.memory_seconds)

    @property
    def ratio(self) -> float:
        """Pipeline-fed over memory-fed steps/s (1.0: the input costs nothing)."""
        return self.pipeline_steps_per_second / self.memory_steps_per_second

    @property
    def within_tolerance(self) -> bool:
        return self.ratio >= 1.0 - FEED_TOLERANCE


def measure_feed(
    config,
    pipeline,
    *,
    steps: int,
    warmup: int,
    repeats: int,
    max_run_seconds: float,
) -> FeedMeasurement:
    """The same compiled step fed from `pipeline` and from its first batch held in memory,
    alternating run by run (so a change of load hits both alike); medians of `repeats`."""
    model = build(config)
    counter = TraceCounter(model)
    pipeline_iterator = iter(pipeline)
    first = next(pipeline_iterator)
    memory_iterator = iter(memory_dataset(first))
    model.make_train_function()
    train_function = model.train_function
    timed_steps(train_function, memory_iterator, 1)  # trace and compile
    warm = timed_steps(train_function, pipeline_iterator, max(1, warmup))
    timed_steps(train_function, memory_iterator, max(1, warmup))
    steps_per_run = budget_steps(warm / max(1, warmup), steps, max_run_seconds)
    pipeline_seconds, memory_seconds = [], []
    for _ in range(repeats):
        pipeline_seconds.append(timed_steps(train_function, pipeline_iterator, steps_per_run))
        memory_seconds.append(timed_steps(train_function, memory_iterator, steps_per_run))
    return FeedMeasurement(
        variant=config.variant,
        dataset=config.dataset,
        batch_size=config.batch_size,
        jit_compile=bool(model.jit_compile),
        steps_per_run=steps_per_run,
        pipeline_seconds=pipeline_seconds,
        memory_seconds=memory_seconds,
        traces=counter.count,
        tracing_counts=tracing_counts(step_functions(train_function)),
    )


# --- Per-step overhead around the step ---------------------------------------------------------


OVERHEAD_MODES = (
    ("raw", "train function loop (the floor)"),
    ("fit", "fit(), no callbacks"),
    ("fit_batch_hook", "fit() + one no-op on_train_batch_end callback"),
    ("fit_summaries", "fit() + ScalarSummaries every step"),
    ("runner", "runner.train(): all its callbacks"),
)


@dataclasses.dataclass
class OverheadMeasurement:
    variant: str
    batch_size: int
    jit_compile: bool
    steps_per_run: int
    seconds: dict[str, list[float]]  # mode -> wall seconds per timed run
    cpu_seconds: dict[str, list[float]]  # mode -> CPU seconds of the process (all threads)
    traces: int
    tracing_counts: list[int]

    def steps_per_second(self, mode: str) -> float:
        return statistics.median(self.steps_per_run / s for s in self.seconds[mode])

    def wall_ms(self, mode: str) -> float:
        """Median wall-clock milliseconds per step."""
        return 1000.0 / self.steps_per_second(mode)

    def cpu_ms(self, mode: str) -> float:
        """Median CPU milliseconds per step (every thread of the process): less sensitive than
        wall time to other jobs on the machine."""
        return 1000.0 * statistics.median(c / self.steps_per_run for c in self.cpu_seconds[mode])


def _fit_timer():
    """A callback timing fit()'s training loop from on_train_begin to on_train_end. It has no
    batch hooks, so it leaves Keras's asynchronous callback dispatch as it is."""
    import keras

    class FitTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.begin = time.perf_counter(), time.process_time()

        def on_train_end(self, logs=None):
            wall, cpu = self.begin
            self.seconds = time.perf_counter() - wall, time.process_time() - cpu

    return FitTimer()


def _batch_hook():
    import keras

    class BatchHook(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    return BatchHook()


def measure_overhead(
    config,
    *,
    steps: int,
    warmup: int,
    repeats: int,
    max_run_seconds: float,
    workdir: pathlib.Path,
) -> OverheadMeasurement:
    """Steps/s of one model's step run by each of OVERHEAD_MODES, interleaved run by run.

    fit() runs are timed between on_train_begin and on_train_end (fit's set-up before the
    loop, and the runner's checkpoint and sample grid after it, are left out).
    """
    import tensorflow as tf

    from gan_tf.training import callbacks as cb
    from gan_tf.training import runner

    model = build(config)
    counter = TraceCounter(model)
    batch = synthetic_batch(config, seed=config.seed)
    dataset = memory_dataset(batch)
    iterator = iter(dataset)
    writer = tf.summary.create_file_writer(str(workdir / "summaries"))

    timer = _fit_timer()
    original_fit = model.fit

    def fit_with_timer(*args, callbacks=None, **kwargs):
        return original_fit(*args, callbacks=[*(callbacks or []), timer], **kwargs)

    model.fit = fit_with_timer

    def run(mode: str, n: int) -> tuple[float, float]:
        """(wall, CPU) seconds of `n` steps run the `mode` way."""
        if mode == "raw":
            cpu = time.process_time()
            wall = timed_steps(model.train_function, iterator, n)
            return wall, time.process_time() - cpu
        if mode == "runner":
            run_dir = pathlib.Path(tempfile.mkdtemp(dir=workdir))
            runner.train(model, dataset, config.replace(train_steps=n), run_dir)
            return timer.seconds
        extra = {
            "fit": [],
            "fit_batch_hook": [_batch_hook()],
            "fit_summaries": [cb.ScalarSummaries(0, 1, writer)],
        }[mode]
        model.fit(dataset, epochs=1, steps_per_epoch=n, callbacks=extra, verbose=0, shuffle=False)
        return timer.seconds

    # Trace and compile through fit (as training does), then warm every mode up.
    run("fit", 1)
    model.make_train_function()
    warm, _ = run("raw", max(1, warmup))
    steps_per_run = budget_steps(warm / max(1, warmup), steps, max_run_seconds, minimum=10)
    for mode, _ in OVERHEAD_MODES:
        run(mode, min(steps_per_run, 5))
    seconds: dict[str, list[float]] = {mode: [] for mode, _ in OVERHEAD_MODES}
    cpu_seconds: dict[str, list[float]] = {mode: [] for mode, _ in OVERHEAD_MODES}
    for _ in range(repeats):
        for mode, _ in OVERHEAD_MODES:
            wall, cpu = run(mode, steps_per_run)
            seconds[mode].append(wall)
            cpu_seconds[mode].append(cpu)
    writer.close()
    return OverheadMeasurement(
        variant=config.variant,
        batch_size=config.batch_size,
        jit_compile=bool(model.jit_compile),
        steps_per_run=steps_per_run,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        traces=counter.count,
        tracing_counts=tracing_counts(step_functions(model.train_function)),
    )


# --- Static batch shapes (no recompile for a smaller last batch) -------------------------------


@dataclasses.dataclass
class ShapeCheck:
    pipeline: str
    element_spec: str
    static: bool


def check_pipeline_shapes(data_dir: str | None, manual_dir: str | None) -> list[ShapeCheck]:
    """The element shapes of every kind of training pipeline (built, not iterated)."""
    from gan_tf.data import image_pipeline
    from gan_tf.data import translation as tr

    common = {"data_dir": data_dir, "manual_dir": manual_dir}
    pipelines = {
        "image_pipeline(mnist) (gan, dcgan, wgan, wgan_gp, lsgan)": lambda: image_pipeline(
            "mnist", batch_size=64, **common
        ),
        "image_pipeline(mnist, with_labels) (cgan)": lambda: image_pipeline(
            "mnist", batch_size=64, with_labels=True, **common
        ),
        "paired_pipeline(fashion_mnist, edges, 32) (pix2pix)": lambda: tr.paired_pipeline(
            "fashion_mnist", batch_size=1, image_size=32, task="edges", **common
        ),
        "unpaired_pipeline(fashion_mnist, inverted, 32) (cyclegan)": lambda: tr.unpaired_pipeline(
            "fashion_mnist", batch_size=1, image_size=32, domain_b="inverted", **common
        ),
        "multi_domain_pipeline(fashion_mnist, 32) (stargan)": lambda: tr.multi_domain_pipeline(
            "fashion_mnist", batch_size=16 * 5, image_size=32, **common
        ),
    }
    checks = []
    for name, make in pipelines.items():
        specs = _flat_specs(make().element_spec)
        checks.append(
            ShapeCheck(
                pipeline=name,
                element_spec=", ".join(f"{s.shape}" for s in specs),
                static=all(s.shape.is_fully_defined() for s in specs),
            )
        )
    return checks


def smaller_batch_probe(config) -> str:
    """What a traced step does when a smaller batch follows (as a last batch without
    drop_remainder would): one step at the config's batch, then one at 5/8 of it."""
    import tensorflow as tf

    model = build(config)
    counter = TraceCounter(model)
    batch = synthetic_batch(config)
    model.make_train_function()
    timed_steps(model.train_function, iter(memory_dataset(batch)), 1)
    smaller = tf.nest.map_structure(lambda t: t[: max(1, t.shape[0] * 5 // 8)], batch)
    begin = time.perf_counter()
    try:
        timed_steps(model.train_function, iter(memory_dataset(smaller)), 1)
    except Exception as e:  # what the retrace does is the finding
        return (
            f"a batch of {examples_in(smaller)} after {examples_in(batch)}: retraced "
            f"({counter.count} traces), then failed: {type(e).__name__}: "
            f"{str(e).splitlines()[0][:160]}"
        )
    return (
        f"a batch of {examples_in(smaller)} after {examples_in(batch)}: retraced and ran "
        f"({counter.count} traces, {time.perf_counter() - begin:.2f} s for that step)"
    )


# --- Child processes ---------------------------------------------------------------------------


def child_main(spec_json: str) -> None:
    """One measurement in this (fresh) process; prints one JSON result line."""
    import logging as std_logging

    from absl import logging

    logging.set_verbosity(logging.WARNING)
    std_logging.getLogger("tensorflow").setLevel(std_logging.ERROR)
    spec = json.loads(spec_json)
    kind = spec.pop("kind")
    data = {"data_dir": spec.get("data_dir"), "manual_dir": spec.get("manual_dir")}
    result: dict[str, Any]
    if kind == "shapes":
        checks = check_pipeline_shapes(**data)
        config = variant_config(
            "dcgan", jit_compile=False, dataset="mnist_demo", batch_size=8, **data
        )
        result = {
            "checks": [dataclasses.asdict(c) for c in checks],
            "probe": smaller_batch_probe(config),
        }
    elif kind == "pipeline":
        from gan_tf.data.loading import load_builder
        from gan_tf.data.registry import get_dataset_spec

        config = variant_config(spec["variant"], dataset=spec.get("dataset"), **data)
        ds_spec = get_dataset_spec(config.dataset)
        builder = load_builder(ds_spec, **data)
        examples = builder.info.splits[ds_spec.train_split].num_examples
        batch = config.batch_size * config.d_steps
        measured = measure_pipeline(config.dataset, config.training_pipeline(), batch, examples)
        result = dataclasses.asdict(measured)
    else:
        config = variant_config(
            spec["variant"],
            batch_size=spec.get("batch_size"),
            jit_compile=spec.get("jit_compile"),
            dataset=spec.get("dataset"),
            image_size=spec.get("image_size"),
            **data,
        )
        timing = {k: spec[k] for k in ("steps", "warmup", "repeats", "max_run_seconds")}
        if kind == "step":
            result = dataclasses.asdict(measure_train_step(config, **timing))
        elif kind == "feed":
            result = dataclasses.asdict(measure_feed(config, config.training_pipeline(), **timing))
        elif kind == "overhead":
            with tempfile.TemporaryDirectory() as workdir:
                result = dataclasses.asdict(
                    measure_overhead(config, workdir=pathlib.Path(workdir), **timing)
                )
        else:
            raise ValueError(f"unknown measurement kind {kind!r}")
    result["peak_rss_mib"] = peak_rss_mib()
    print(RESULT_PREFIX + json.dumps(result), flush=True)


@dataclasses.dataclass
class ChildResult:
    spec: dict[str, Any]
    result: dict[str, Any] | None
    seconds: float
    error: str | None = None


def run_child(spec: dict[str, Any], timeout: float) -> ChildResult:
    """Runs one measurement in a fresh Python process (this module with --child)."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    command = [sys.executable, "-m", MODULE, CHILD_FLAG, json.dumps(spec)]
    begin = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return ChildResult(spec, None, time.perf_counter() - begin, f"timed out after {timeout} s")
    seconds = time.perf_counter() - begin
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return ChildResult(spec, json.loads(line[len(RESULT_PREFIX) :]), seconds)
    tail = [line for line in done.stderr.strip().splitlines() if line.strip()][-3:]
    return ChildResult(
        spec, None, seconds, f"exit status {done.returncode}: {' / '.join(tail) or 'no output'}"
    )


def step_from_dict(values: dict[str, Any]) -> StepMeasurement:
    known = {f.name for f in dataclasses.fields(StepMeasurement)}
    return StepMeasurement(**{k: v for k, v in values.items() if k in known})


def feed_from_dict(values: dict[str, Any]) -> FeedMeasurement:
    known = {f.name for f in dataclasses.fields(FeedMeasurement)}
    return FeedMeasurement(**{k: v for k, v in values.items() if k in known})


def overhead_from_dict(values: dict[str, Any]) -> OverheadMeasurement:
    known = {f.name for f in dataclasses.fields(OverheadMeasurement)}
    return OverheadMeasurement(**{k: v for k, v in values.items() if k in known})


# --- The machine -------------------------------------------------------------------------------


def machine_description() -> dict[str, str]:
    """nproc, CPU model, RAM, versions, load average and date, for the report's header."""
    import keras
    import tensorflow as tf

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    gpus = tf.config.list_physical_devices("GPU")
    return {
        "CPU": f"{cpu}, {os.cpu_count()} logical cores, {len(os.sched_getaffinity(0))} of them "
        "usable by this benchmark (its CPU affinity, e.g. `taskset -c 1` gives 1)",
        "RAM": ram,
        "GPU": ", ".join(g.name for g in gpus) if gpus else "none (CPU only)",
        "Software": f"TensorFlow {tf.__version__}, Keras {keras.__version__}, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}",
        "Date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def load_average() -> str:
    try:
        return " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


# --- Report ------------------------------------------------------------------------------------


def _size(m: StepMeasurement) -> str:
    return f"{m.dataset} {m.image_size}x{m.image_size}x{m.channels}"


def _xla(jit: bool) -> str:
    return "on" if jit else "off"


def step_table(steps: Sequence[StepMeasurement], failures: Sequence[ChildResult]) -> list[str]:
    lines = [
        "| variant | default size | batch | images/step | XLA | first step (s) | steps/s "
        "| images/s | min–max steps/s | CPU s/step | steps × runs | traces | peak RSS (MiB) "
        "| host ops |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in steps:
        low, high = m.spread
        runs = f"{m.steps_per_run} × {len(m.run_seconds)}" + (
            " (budget)" if m.budget_limited else ""
        )
        traces = f"{m.traces}" + ("" if m.traced_once else f" **RETRACED** {m.tracing_counts}")
        lines.append(
            f"| {m.variant} | {_size(m)} | {m.batch_size} | {m.examples_per_step} "
            f"| {_xla(m.jit_compile)} | {m.first_step_seconds:.1f} | {m.steps_per_second:.2f} "
            f"| {m.images_per_second:.1f} | {low:.2f}–{high:.2f} "
            f"| {m.cpu_seconds_per_step:.3g} | {runs} | {traces} "
            f"| {m.peak_rss_mib:.0f} | {', '.join(m.host_ops) or 'none'} |"
        )
    for f in failures:
        s = f.spec
        lines.append(
            f"| {s.get('variant')} | – | {s.get('batch_size')} | – "
            f"| {_xla(bool(s.get('jit_compile')))} | **failed**: {f.error} | | | | | | | | |"
        )
    return lines


def xla_ratios(steps: Sequence[StepMeasurement]) -> list[str]:
    """steps/s with XLA over without, per (variant, batch)."""
    by_key: dict[tuple[str, int], dict[bool, StepMeasurement]] = {}
    for m in steps:
        by_key.setdefault((m.variant, m.batch_size), {})[m.jit_compile] = m
    parts = [
        f"{variant} b{batch} {pair[True].steps_per_second / pair[False].steps_per_second:.2f}"
        for (variant, batch), pair in by_key.items()
        if True in pair and False in pair
    ]
    return parts


def markdown_report(
    *,
    machine: dict[str, str],
    command: str,
    settings: dict[str, Any],
    loads: tuple[str, str],
    total_seconds: float,
    steps: Sequence[StepMeasurement],
    step_failures: Sequence[ChildResult],
    pipeline: dict[str, Any] | None,
    feeds: Sequence[FeedMeasurement],
    overheads: Sequence[OverheadMeasurement],
    shapes: dict[str, Any] | None,
    other_failures: Sequence[ChildResult],
) -> str:
    lines = [
        "# Training speed",
        "",
        "Generated by `benchmarks/train_speed.py` (see its docstring for what is measured and "
        "how); every number is as measured by the command below. These are CPU timings: compare "
        "them as ratios within this one run, not with timings from another machine or load.",
        "",
        f"- Command: `{command}`",
        *[f"- {key}: {value}" for key, value in machine.items()],
        f"- Load average (1, 5, 15 min) before: {loads[0]}; after: {loads[1]}",
        f"- Settings: {', '.join(f'{k}={v}' for k, v in settings.items())}",
        f"- Total wall time: {total_seconds / 60:.1f} min",
        "",
    ]
    if steps or step_failures:
        lines += [
            "## Train step",
            "",
            "Each row is a fresh process: the experiment's default model (`python -m "
            "gan_tf.experiments.<variant>` without flags, at the batch shown), Keras's train "
            "function fed one in-memory batch. *first step*: the first call (tracing, XLA "
            "compilation, one step). *steps/s*: median over the timed runs after warm-up; "
            "*images/step*: examples in a step's input (batch × n_critic for WGAN, WGAN-GP and "
            "StarGAN; (input, target) pairs for pix2pix, (a, b) pairs for CycleGAN). *traces*: "
            "how often `train_step` was traced over the first step, warm-up and timed runs "
            "(must be 1). *CPU s/step*: CPU time of the process (all threads) per step, which "
            "other jobs disturb less than wall time. *(budget)*: fewer steps per run than "
            "--steps, so that a run stays "
            "under --max_run_seconds. *host ops*: ops in the traced step that run Python or "
            "write to the host. *peak RSS*: the process's ru_maxrss, TensorFlow itself included.",
            "",
            *step_table(steps, step_failures),
            "",
        ]
        ratios = xla_ratios(steps)
        if ratios:
            lines += [f"steps/s with XLA ÷ without: {'; '.join(ratios)}.", ""]
    if pipeline is not None or feeds:
        lines += ["## Input pipeline", ""]
        if pipeline is not None:
            p = pipeline
            lines += [
                f"`gan_tf.data.image_pipeline('{p['dataset']}', batch_size={p['batch_size']})` "
                f"alone, iterated like fit() does for {p['batches']} batches (two epochs) in a "
                "fresh process:",
                "",
                "| first batch (s) | first epoch: decoding (images/s) | later epochs: cache "
                "(images/s) | static batch shape |",
                "|---|---|---|---|",
                f"| {p['first_batch_seconds']:.2f} | {p['first_epoch_images_per_second']:.0f} "
                f"| {p['cached_images_per_second']:.0f} | {'yes' if p['static_shape'] else 'NO'} |",
                "",
            ]
        if feeds:
            lines += [
                "The same compiled step fed from the real pipeline (its first epoch: decoding "
                "included) and from one batch of it held in memory, runs alternating:",
                "",
                "| variant | dataset | batch | XLA | steps × runs | pipeline steps/s | memory "
                "steps/s | ratio | within 5% | traces |",
                "|---|---|---|---|---|---|---|---|---|---|",
            ]
            for f in feeds:
                lines.append(
                    f"| {f.variant} | {f.dataset} | {f.batch_size} | {_xla(f.jit_compile)} "
                    f"| {f.steps_per_run} × {len(f.pipeline_seconds)} "
                    f"| {f.pipeline_steps_per_second:.2f} | {f.memory_steps_per_second:.2f} "
                    f"| {f.ratio:.3f} | {'yes' if f.within_tolerance else '**NO**'} "
                    f"| {f.traces} |"
                )
            lines.append("")
    if overheads:
        lines += [
            "## Per-step overhead around the step",
            "",
            "The same compiled step (in-memory batch) run five ways, alternating run by run; "
            "fit() timed from on_train_begin to on_train_end. *wall* and *CPU*: median "
            "milliseconds per step (CPU: every thread of the process, which other jobs on the "
            "machine disturb less than wall time); *+*: more than the raw loop.",
            "",
            "| variant | batch | XLA | steps × runs | how the step is run | steps/s "
            "| wall ms/step | + wall | CPU ms/step | + CPU |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for o in overheads:
            for mode, label in OVERHEAD_MODES:
                extra_wall = o.wall_ms(mode) - o.wall_ms("raw")
                extra_cpu = o.cpu_ms(mode) - o.cpu_ms("raw")
                lines.append(
                    f"| {o.variant} | {o.batch_size} | {_xla(o.jit_compile)} "
                    f"| {o.steps_per_run} × {len(o.seconds[mode])} | {label} "
                    f"| {o.steps_per_second(mode):.2f} | {o.wall_ms(mode):.1f} "
                    f"| {extra_wall:+.1f} | {o.cpu_ms(mode):.1f} | {extra_cpu:+.1f} |"
                )
        lines += [
            "",
            "Keras 3 dispatches batch-end callbacks on a background thread only while no "
            "callback overrides `on_train_batch_end`; one that does (every "
            "`GlobalStepCallback` of `gan_tf.training.callbacks` and the runner's step timer) "
            "makes fit() read every logged value back to Python (`pythonify_logs`) on the "
            "training thread after every step, and `ScalarSummaries(every=1)` then writes each "
            "one to TensorBoard.",
            "",
        ]
    if shapes is not None:
        lines += [
            "## Static batch shapes (no retrace for a smaller last batch)",
            "",
            "| training pipeline | element shapes | static |",
            "|---|---|---|",
            *[
                f"| `{c['pipeline']}` | {c['element_spec']} "
                f"| {'yes' if c['static'] else '**NO**'} |"
                for c in shapes["checks"]
            ],
            "",
            "Every training pipeline repeats, then batches with `drop_remainder=True` "
            "(`image_pipeline`, `translation._finish`), so the step sees one shape. Probe (DCGAN, "
            f"no XLA): {shapes['probe']}.",
            "",
        ]
    if other_failures:
        lines += ["## Failed measurements", ""]
        lines += [f"- {f.spec}: {f.error}" for f in other_failures]
        lines.append("")
    return "\n".join(lines)


# --- Entry point -------------------------------------------------------------------------------

SECTIONS = ("step", "pipeline", "feed", "overhead", "shapes")


def define_flags(flag_values=None) -> None:
    """The benchmark's flags, on `flag_values` (default absl's global FLAGS; defined by
    ``__main__`` only, since other benchmarks define flags of the same names and the tests
    import several benchmarks into one process)."""
    from absl import flags

    fv = flags.FLAGS if flag_values is None else flag_values
    per_variant = "; ".join(f"{v} {','.join(map(str, b))}" for v, b in DEFAULT_BATCH_SIZES.items())
    for define, name, default, help_text in (
        (flags.DEFINE_list, "variants", list(ALL_VARIANTS), "Variants of the train-step table."),
        (
            flags.DEFINE_list,
            "batch_sizes",
            [],
            f"Batch sizes for every variant; default per variant: {per_variant}.",
        ),
        (flags.DEFINE_list, "jit", ["on", "off"], "XLA settings to measure: on, off or both."),
        (flags.DEFINE_integer, "repeats", 3, "Timed runs per configuration (median)."),
        (flags.DEFINE_integer, "steps", 20, "Steps per timed run (fewer for slow steps)."),
        (flags.DEFINE_integer, "warmup", 3, "Untimed steps after the first (at least one)."),
        (
            flags.DEFINE_float,
            "max_run_seconds",
            30.0,
            "A timed run (and the warm-up) takes fewer steps when --steps would take longer.",
        ),
        (flags.DEFINE_list, "sections", list(SECTIONS), f"What to measure: {', '.join(SECTIONS)}."),
        (flags.DEFINE_list, "feed_variants", ["dcgan"], "Variants timed fed from their pipeline."),
        (flags.DEFINE_integer, "feed_steps", 50, "Steps per timed run of the feed comparison."),
        (flags.DEFINE_integer, "feed_repeats", 5, "Timed runs per feed in the feed comparison."),
        (
            flags.DEFINE_list,
            "overhead_variants",
            ["gan", "dcgan"],
            "Variants of the overhead table.",
        ),
        (flags.DEFINE_integer, "overhead_steps", 300, "Steps per timed run of the overhead table."),
        (
            flags.DEFINE_float,
            "overhead_run_seconds",
            10.0,
            "A timed run of the overhead table takes fewer steps (at least 10) past this.",
        ),
        (flags.DEFINE_string, "dataset", None, "Override every experiment's dataset (trials)."),
        (flags.DEFINE_integer, "image_size", None, "Override every experiment's image size."),
        (
            flags.DEFINE_string,
            "data_dir",
            None,
            "TFDS data directory (default ~/tensorflow_datasets).",
        ),
        (
            flags.DEFINE_string,
            "manual_dir",
            None,
            "Folder with the original archives, to prepare a dataset offline (make bench passes "
            "$(MANUAL_DIR)).",
        ),
        (flags.DEFINE_float, "child_timeout", 3600.0, "Seconds before a measurement is abandoned."),
        (
            flags.DEFINE_string,
            "out",
            "experiments/speed_table.md",
            "The Markdown report (experiments/speed.md links to it and holds the other timings).",
        ),
        (
            flags.DEFINE_bool,
            "resume",
            False,
            "Reuse the successful measurements journaled beside --out by an earlier, "
            "interrupted run of the same plan (<out>.measurements.jsonl); measure the rest.",
        ),
    ):
        define(name, default, help_text, flag_values=fv)
    for name in ("repeats", "steps", "feed_steps", "feed_repeats", "overhead_steps", "image_size"):
        flags.register_validator(
            name, lambda v: v is None or v >= 1, f"--{name} must be >= 1", flag_values=fv
        )
    flags.register_validator("warmup", lambda v: v >= 0, "--warmup must be >= 0", flag_values=fv)


_OWN_FLAGS = (
    "variants",
    "batch_sizes",
    "jit",
    "repeats",
    "steps",
    "warmup",
    "max_run_seconds",
    "sections",
    "feed_variants",
    "feed_steps",
    "feed_repeats",
    "overhead_variants",
    "overhead_steps",
    "overhead_run_seconds",
    "dataset",
    "image_size",
    "data_dir",
    "manual_dir",
    "child_timeout",
    "out",
)


def invocation(fv) -> str:
    """The command line of this run: the module and the flags given explicitly."""
    given = [fv[name].serialize() for name in _OWN_FLAGS if fv[name].present]
    return shlex.join(["python", "-m", MODULE, *given])


def parse_jit(values: Sequence[str]) -> list[bool]:
    from absl import app

    table = {"on": True, "off": False, "true": True, "false": False}
    unknown = [v for v in values if v.lower() not in table]
    if unknown or not values:
        raise app.UsageError(f"--jit takes on and/or off, got {','.join(values)}")
    return [table[v.lower()] for v in values]


def parse_names(values: Sequence[str], choices: Sequence[str], flag: str) -> list[str]:
    from absl import app

    unknown = [v for v in values if v not in choices]
    if unknown:
        raise app.UsageError(
            f"--{flag}: unknown {', '.join(map(repr, unknown))}: choose from {', '.join(choices)}"
        )
    return list(values)


def batch_sizes_for(variant: str, override: Sequence[int]) -> tuple[int, ...]:
    return tuple(override) or DEFAULT_BATCH_SIZES[variant]


def plan(fv) -> Iterator[dict[str, Any]]:
    """Every child measurement the flags ask for, in order."""
    from absl import app

    try:
        override = [int(b) for b in fv.batch_sizes]
    except ValueError:
        raise app.UsageError(f"--batch_sizes must be integers, got {fv.batch_sizes}") from None
    if any(b < 1 for b in override):
        raise app.UsageError("--batch_sizes must be positive")
    sections = parse_names(fv.sections, SECTIONS, "sections")
    variants = parse_names(fv.variants, ALL_VARIANTS, "variants")
    jits = parse_jit(fv.jit)
    manual_dir = fv.manual_dir and str(pathlib.Path(fv.manual_dir).resolve())
    data_dir = fv.data_dir and str(pathlib.Path(fv.data_dir).resolve())
    common = {"dataset": fv.dataset, "data_dir": data_dir, "manual_dir": manual_dir}
    timing = {"warmup": fv.warmup, "max_run_seconds": fv.max_run_seconds}
    if "step" in sections:
        for variant in variants:
            for batch in batch_sizes_for(variant, override):
                for jit in jits:
                    yield {
                        "kind": "step",
                        "variant": variant,
                        "batch_size": batch,
                        "jit_compile": jit,
                        "image_size": fv.image_size,
                        "steps": fv.steps,
                        "repeats": fv.repeats,
                        **timing,
                        **common,
                    }
    if "pipeline" in sections:
        yield {"kind": "pipeline", "variant": "dcgan", **common}
    if "feed" in sections:
        for variant in parse_names(fv.feed_variants, ALL_VARIANTS, "feed_variants"):
            for jit in jits:
                yield {
                    "kind": "feed",
                    "variant": variant,
                    "jit_compile": jit,
                    "image_size": fv.image_size,
                    "steps": fv.feed_steps,
                    "repeats": fv.feed_repeats,
                    **timing,
                    **common,
                }
    if "overhead" in sections:
        for variant in parse_names(fv.overhead_variants, ALL_VARIANTS, "overhead_variants"):
            yield {
                "kind": "overhead",
                "variant": variant,
                "image_size": fv.image_size,
                "steps": fv.overhead_steps,
                "warmup": fv.warmup,
                "max_run_seconds": fv.overhead_run_seconds,
                "repeats": fv.repeats,
                **common,
            }
    if "shapes" in sections:
        yield {"kind": "shapes", "data_dir": data_dir, "manual_dir": manual_dir}


def check_traced_once(
    steps: Sequence[StepMeasurement], feeds: Sequence[FeedMeasurement] = ()
) -> None:
    """Raises RetraceError naming every configuration whose step was traced more than once."""
    retraced = [
        f"{m.variant} batch {m.batch_size} XLA {_xla(m.jit_compile)} "
        f"(traces {m.traces}, tf.function tracing counts {m.tracing_counts})"
        for m in steps
        if not m.traced_once
    ] + [f"{f.variant} fed from its pipeline (traces {f.traces})" for f in feeds if f.traces != 1]
    if retraced:
        raise RetraceError(f"a step was traced more than once: {'; '.join(retraced)}")


def describe(child: ChildResult) -> str:
    """One progress line for a finished child."""
    spec, r = child.spec, child.result
    head = f"{spec['kind']} {spec.get('variant', '')}".strip()
    if r is None:
        return f"{head}: FAILED ({child.error})"
    if spec["kind"] == "step":
        m = step_from_dict(r)
        return (
            f"{head} batch {m.batch_size} XLA {_xla(m.jit_compile)}: first step "
            f"{m.first_step_seconds:.1f} s, {m.steps_per_second:.2f} steps/s, "
            f"{m.images_per_second:.0f} images/s, traces {m.traces}, peak RSS "
            f"{m.peak_rss_mib:.0f} MiB ({child.seconds:.0f} s)"
        )
    if spec["kind"] == "feed":
        f = feed_from_dict(r)
        return (
            f"{head} XLA {_xla(f.jit_compile)}: pipeline {f.pipeline_steps_per_second:.2f} vs "
            f"memory {f.memory_steps_per_second:.2f} steps/s, ratio {f.ratio:.3f} "
            f"({child.seconds:.0f} s)"
        )
    if spec["kind"] == "overhead":
        o = overhead_from_dict(r)
        parts = ", ".join(f"{mode} {o.steps_per_second(mode):.2f}" for mode, _ in OVERHEAD_MODES)
        return f"{head}: steps/s {parts} ({child.seconds:.0f} s)"
    if spec["kind"] == "pipeline":
        return (
            f"{head}: first epoch {r['first_epoch_images_per_second']:.0f} images/s, cached "
            f"{r['cached_images_per_second']:.0f} images/s ({child.seconds:.0f} s)"
        )
    return f"{head}: {r.get('probe', 'done')} ({child.seconds:.0f} s)"


def main(argv: Sequence[str], flag_values=None) -> None:
    from absl import app, flags, logging

    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    fv = flags.FLAGS if flag_values is None else flag_values
    specs = list(plan(fv))
    out = pathlib.Path(fv.out).resolve()
    journal = journal_path(out)
    done = read_journal(journal) if fv.resume else {}
    if not fv.resume:
        journal.unlink(missing_ok=True)
    command = invocation(fv)
    machine = machine_description()
    settings = run_settings(fv)
    load_before = load_average()
    begin = time.perf_counter()

    children: list[ChildResult] = []
    for i, spec in enumerate(specs, 1):
        child = done.get(spec_key(spec))
        if child is None:
            child = run_child(spec, fv.child_timeout)
            append_journal(journal, child)
        else:
            logging.info("[%d/%d] reused from %s", i, len(specs), journal)
        children.append(child)
        logging.info("[%d/%d] %s", i, len(specs), describe(child))
        # The report so far, after every measurement: an interrupted run keeps what it measured.
        report = markdown_report(
            machine=machine,
            command=command,
            settings=settings,
            loads=(load_before, load_average()),
            total_seconds=time.perf_counter() - begin,
            **sections(children),
        )
        if i < len(specs):
            report = report.replace(
                "\n\n", f"\n\n**Partial: {i} measurements done so far.**\n\n", 1
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report)
    logging.info("wrote %s", out)

    measured = sections(children)
    check_traced_once(measured["steps"], measured["feeds"])
    failed = len(measured["step_failures"]) + len(measured["other_failures"])
    if failed:
        raise SystemExit(f"{failed} measurement(s) failed; see {out}")


def run_settings(fv) -> dict[str, Any]:
    """The flags that shape the measurements, for the report's header."""
    settings = {
        "steps": fv.steps,
        "warmup": fv.warmup,
        "repeats": fv.repeats,
        "max_run_seconds": fv.max_run_seconds,
        "feed_steps": fv.feed_steps,
        "feed_repeats": fv.feed_repeats,
        "overhead_steps": fv.overhead_steps,
        "overhead_run_seconds": fv.overhead_run_seconds,
    }
    if fv.dataset:
        settings["dataset"] = fv.dataset
    if fv.image_size:
        settings["image_size"] = fv.image_size
    return settings


def sections(children: Sequence[ChildResult]) -> dict[str, Any]:
    """The measurements so far, parsed by kind: the report's sections and failures."""
    ok = [c for c in children if c.result is not None]
    failed = [c for c in children if c.result is None]
    return {
        "steps": [step_from_dict(c.result) for c in ok if c.spec["kind"] == "step"],
        "step_failures": [c for c in failed if c.spec["kind"] == "step"],
        "pipeline": next((c.result for c in ok if c.spec["kind"] == "pipeline"), None),
        "feeds": [feed_from_dict(c.result) for c in ok if c.spec["kind"] == "feed"],
        "overheads": [overhead_from_dict(c.result) for c in ok if c.spec["kind"] == "overhead"],
        "shapes": next((c.result for c in ok if c.spec["kind"] == "shapes"), None),
        "other_failures": [c for c in failed if c.spec["kind"] != "step"],
    }


# --- Journal: resuming an interrupted benchmark --------------------------------------------------


def journal_path(out: pathlib.Path) -> pathlib.Path:
    """Where each finished measurement is appended (beside the report), for --resume."""
    return out.with_name(out.stem + ".measurements.jsonl")


def spec_key(spec: dict[str, Any]) -> str:
    return json.dumps(spec, sort_keys=True)


def append_journal(path: pathlib.Path, child: ChildResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        f.write(json.dumps(dataclasses.asdict(child), allow_nan=False) + "\n")


def read_journal(path: pathlib.Path) -> dict[str, ChildResult]:
    """The successful measurements of an earlier run, by spec (failed ones are measured again)."""
    if not path.exists():
        return {}
    done = {}
    for line in path.read_text().splitlines():
        if line.strip():
            child = ChildResult(**json.loads(line))
            if child.result is not None:
                done[spec_key(child.spec)] = child
    return done


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == CHILD_FLAG:
        child_main(sys.argv[2])
    else:
        from absl import app

        define_flags()
        app.run(main)
