"""Distribution: the `--strategy` a run trains under, and what each process writes.

Strategies (tf.distribute, synchronous data parallelism: every replica holds all variables, runs
the step on its part of the global batch, and the gradients are summed over replicas):
- `default`: one device (TensorFlow's default strategy).
- `mirrored`: `MirroredStrategy` over all GPUs of this machine; without GPUs, over the logical
  CPU devices (one unless `GAN_TF_LOGICAL_CPUS` splits the CPU, which is how the tests run two
  replicas on one CPU).
- `multi_worker`: `MultiWorkerMirroredStrategy` over the machines named in `TF_CONFIG` (each
  runs the same command with its own `task.index`); collective all-reduce between workers.
- `tpu`: `TPUStrategy` on the TPU named by `TPU_NAME`, or the TPU attached to this VM.

What the batch means: `--batch_size` is the global batch (all replicas together); each of N
replicas gets batch_size / N per discriminator step, so N must divide it. Losses are means over
each replica's batch divided by N, so the summed gradients are those of the mean over the
global batch (`gan_tf.models.updates`); noise is drawn for the global batch and sliced per
replica (`AdversarialModel._draw_for_replica`), and batch norm computes its statistics over the
global batch (`gan_tf.models.replicas.synchronize_batch_norm`), so a run gives the same first
step on N replicas as on one device.

XLA: Keras compiles its whole multi-replica step function (the `strategy.run` call) as one XLA
cluster, which XLA cannot place across devices, so the models turn `jit_compile` off with a
warning when there is more than one replica (`gan_tf.models.replicas.jit_compile_for`); each
replica's step then runs as a TensorFlow graph.

Writing (`is_chief`, `output_dir`): under `multi_worker` every worker runs the callbacks and
saves checkpoints (saving may involve collective ops, so all take part), but only the chief
(task 0 of "chief", else worker 0) writes into the workdir; the others write into a temporary
directory that is deleted at the end, as TensorFlow's multi-worker guide recommends. Every
worker restores from the workdir's checkpoints (a filesystem all workers see).
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import tempfile

import tensorflow as tf

from gan_tf.errors import UsageError

STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")
LOGICAL_CPUS_ENV = "GAN_TF_LOGICAL_CPUS"


def check_strategy_name(name: str) -> str:
    """`name` if it is one of STRATEGIES, else a UsageError."""
    if name not in STRATEGIES:
        raise UsageError(f"--strategy must be one of {', '.join(STRATEGIES)}, got {name!r}")
    return name


def configure_logical_cpus() -> int | None:
    """Splits the first CPU into `$GAN_TF_LOGICAL_CPUS` logical devices (unset: leaves the
    CPU as it is and returns None, without starting TensorFlow's runtime), so `mirrored` can
    run several replicas on a machine without GPUs. Must run before TensorFlow initialises its
    devices (the experiments call it first thing); returns the number of logical CPUs."""
    value = os.environ.get(LOGICAL_CPUS_ENV, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"${LOGICAL_CPUS_ENV} must be a positive integer, got {value!r}")
    count = int(value)
    cpu = tf.config.list_physical_devices("CPU")[0]
    configured = tf.config.get_logical_device_configuration(cpu)
    if configured is not None and len(configured) == count:
        return count
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
        )
    except RuntimeError:
        raise UsageError(
            f"${LOGICAL_CPUS_ENV}={count}: TensorFlow had already initialised its devices; "
            "set it before the program starts TensorFlow"
        ) from None
    return count


def make_strategy(name: str) -> tf.distribute.Strategy:
    """The tf.distribute strategy called `name` (see the module docstring). Create it before
    anything else runs TensorFlow ops: MultiWorkerMirroredStrategy configures the collective
    ops at program start."""
    check_strategy_name(name)
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = gpus or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy([d.name for d in devices])
    if name == "multi_worker":
        return _multi_worker_strategy()
    return _tpu_strategy()


def _multi_worker_strategy() -> tf.distribute.Strategy:
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise UsageError(
            "--strategy=multi_worker needs TF_CONFIG: set it on every machine to "
            '{"cluster": {"worker": ["host1:port", "host2:port"]}, '
            '"task": {"type": "worker", "index": <this machine\'s index>}}'
        )
    try:
        tf_config = json.loads(raw)
        valid = (
            isinstance(tf_config.get("cluster"), dict)
            and isinstance(tf_config.get("task"), dict)
            and {"type", "index"} <= set(tf_config["task"])
        )
    except (ValueError, AttributeError):
        valid = False
    if not valid:
        raise UsageError(
            'TF_CONFIG is not valid for --strategy=multi_worker: it must be JSON with "cluster" '
            'and "task": {"type": ..., "index": ...}'
        )
    return tf.distribute.MultiWorkerMirroredStrategy()


def _tpu_strategy() -> tf.distribute.Strategy:
    tpu = os.environ.get("TPU_NAME") or "local"
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as e:
        first_line = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise UsageError(
            f"--strategy=tpu: no TPU found (TPU {tpu!r}: {first_line[:160]}); set TPU_NAME, "
            "run on a TPU VM, or choose --strategy=default|mirrored|multi_worker"
        ) from None
    return tf.distribute.TPUStrategy(resolver)


def check_global_batch(batch_size: int, strategy: tf.distribute.Strategy) -> None:
    """--batch_size is global: every replica must get the same whole number of images."""
    replicas = strategy.num_replicas_in_sync
    if batch_size % replicas:
        raise UsageError(
            f"--batch_size={batch_size} is the global batch and must be divisible by the "
            f"{replicas} replicas of this strategy: use a multiple of {replicas}"
        )


def dataset_for(dataset: tf.data.Dataset, strategy: tf.distribute.Strategy) -> tf.data.Dataset:
    """`dataset` (of global batches) ready for `strategy`: under multi-worker training,
    auto-sharded by DATA; otherwise unchanged (`fit` splits each batch over local replicas).

    DATA: each worker reads the whole stream (seeded, so identically shuffled on every worker)
    and keeps its own share of every global batch. FILE sharding (the AUTO default's first
    choice) would split the TFDS files between workers, but small TFDS datasets have fewer
    files than workers and the pipelines cache and shuffle after reading, so it would fail or
    give unequal shards; DATA works for any dataset, at the cost of every worker reading all
    of it.
    """
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return dataset
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def is_chief(strategy: tf.distribute.Strategy) -> bool:
    """Whether this process writes the run's files: always, except under multi-worker
    training, where only the chief does (task "chief", or worker 0 when there is none)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) or resolver is None:
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    if task_type in (None, "chief"):
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return task_type == "worker" and task_id == 0 and not has_chief


def output_dir(workdir: str | pathlib.Path, strategy: tf.distribute.Strategy) -> pathlib.Path:
    """Where this process writes: the workdir for the chief, a fresh temporary directory for
    the other workers of a multi-worker run (remove it with `remove_output_dir`)."""
    if is_chief(strategy):
        return pathlib.Path(workdir)
    resolver = strategy.cluster_resolver
    return pathlib.Path(tempfile.mkdtemp(prefix=f"gan_tf_{resolver.task_type}{resolver.task_id}_"))


def remove_output_dir(
    directory: pathlib.Path, workdir: str | pathlib.Path, strategy: tf.distribute.Strategy
) -> None:
    """Deletes a non-chief worker's temporary output directory (never the workdir)."""
    if not is_chief(strategy) and pathlib.Path(directory) != pathlib.Path(workdir):
        shutil.rmtree(directory, ignore_errors=True)
