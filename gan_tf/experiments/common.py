"""Flags shared by every experiment, and the wiring from flags to a finished run.

An experiment module (`gan_tf/experiments/<variant>.py`) defines its own model flags, then calls
`define_common_flags` with its paper's defaults and `run_main` with a function that turns the
parsed flags into the variant's `extra` settings.

Scaling flags: `--mixed_precision=float16|bfloat16` (`gan_tf.models.precision`) and
`--strategy=default|mirrored|multi_worker|tpu` (`gan_tf.training.distribute`; `--batch_size` is
the global batch). `$GAN_TF_LOGICAL_CPUS=N` splits the CPU into N logical devices before
TensorFlow starts, so `--strategy=mirrored` runs N replicas on a machine without GPUs.
"""

from __future__ import annotations

import pathlib
import signal
import sys
from collections.abc import Callable
from typing import Any

from absl import app, flags, logging

from gan_tf.config import RunConfig
from gan_tf.data import get_dataset_spec, image_pipeline, resolve_image_size
from gan_tf.errors import UsageError
from gan_tf.models.precision import canonical_precision

FLAGS = flags.FLAGS


def define_common_flags(**defaults: Any) -> None:
    """Defines the flags every experiment has; `defaults` overrides any default by name."""
    d = {
        "dataset": "mnist",
        "image_size": None,
        "batch_size": 64,
        "train_steps": 10_000,
        "d_learning_rate": 2e-4,
        "g_learning_rate": 2e-4,
        "beta_1": 0.5,
        "beta_2": 0.999,
        "latent_dim": 100,
        "d_steps": 1,
        "g_steps": 1,
        "g_loss": "non_saturating",
        "architecture": "dcgan",
        "base_filters": None,
        "sample_every": 500,
        "checkpoint_every": 1000,
        "log_every": 100,
    }
    d.update(defaults)
    # ML hyper-parameters.
    flags.DEFINE_string(
        "dataset",
        d["dataset"],
        "mnist, fashion_mnist, cifar10, celeb_a, cycle_gan/<pair>, mnist_demo "
        "(packaged, offline) or folder:<path>.",
    )
    flags.DEFINE_integer(
        "image_size",
        d["image_size"],
        "Side of the square images the model sees; default: the dataset's.",
        lower_bound=1,
    )
    flags.DEFINE_integer(
        "batch_size",
        d["batch_size"],
        "Images per discriminator step, over all replicas (the global batch): with N replicas "
        "each gets batch_size / N, so N must divide it.",
        lower_bound=1,
    )
    flags.DEFINE_integer(
        "train_steps",
        d["train_steps"],
        "Training iterations (each = d_steps D updates + g_steps G updates).",
        lower_bound=1,
    )
    flags.DEFINE_float(
        "d_learning_rate", d["d_learning_rate"], "Discriminator learning rate.", lower_bound=0.0
    )
    flags.DEFINE_float(
        "g_learning_rate", d["g_learning_rate"], "Generator learning rate.", lower_bound=0.0
    )
    flags.DEFINE_float("beta_1", d["beta_1"], "Adam beta_1.", lower_bound=0.0, upper_bound=1.0)
    flags.DEFINE_float("beta_2", d["beta_2"], "Adam beta_2.", lower_bound=0.0, upper_bound=1.0)
    flags.DEFINE_integer(
        "latent_dim", d["latent_dim"], "Size of the noise vector z.", lower_bound=1
    )
    flags.DEFINE_integer(
        "d_steps", d["d_steps"], "Discriminator updates per iteration.", lower_bound=1
    )
    flags.DEFINE_integer("g_steps", d["g_steps"], "Generator updates per iteration.", lower_bound=1)
    flags.DEFINE_enum(
        "g_loss",
        d["g_loss"],
        ["minimax", "non_saturating"],
        "Generator loss: the original minimax log(1 - D(G(z))) or the non-saturating -log D(G(z)).",
    )
    flags.DEFINE_enum(
        "architecture",
        d["architecture"],
        ["mlp", "dcgan"],
        "Networks: fully connected (GAN paper) or convolutional (DCGAN).",
    )
    flags.DEFINE_integer(
        "base_filters",
        d["base_filters"],
        "DCGAN filters at the highest resolution (default: 128 at 64x64, 64 below).",
        lower_bound=1,
    )
    # Infrastructure.
    flags.DEFINE_string(
        "workdir",
        None,
        "Where checkpoints, TensorBoard logs and samples go; an existing run there is resumed.",
    )
    flags.DEFINE_string("data_dir", None, "TFDS data directory (default ~/tensorflow_datasets).")
    flags.DEFINE_string(
        "manual_dir",
        None,
        "Folder with the dataset's original archives (or a parent folder with a "
        "<dataset>/ sub-folder), for preparing it without network.",
    )
    flags.DEFINE_integer("seed", 0, "Seed of the parameters, the noise and the data order.")
    flags.DEFINE_bool(
        "jit_compile",
        True,
        "Compile each training step with XLA (turned off with a warning on more than one "
        "replica: Keras cannot compile a multi-replica step).",
    )
    flags.DEFINE_string(
        "mixed_precision",
        "float32",
        "float16 (loss-scaled) or bfloat16: networks compute in 16 bits, weights, losses and "
        "the gradient penalty stay float32; float32 (or none): no mixed precision.",
    )
    flags.DEFINE_string(
        "strategy",
        "default",
        "default (one device), mirrored (all GPUs of this machine, else the logical CPUs of "
        "$GAN_TF_LOGICAL_CPUS), multi_worker (the machines of $TF_CONFIG) or tpu.",
    )
    flags.DEFINE_integer(
        "sample_every",
        d["sample_every"],
        "Write a fixed-noise sample grid every N steps.",
        lower_bound=1,
    )
    flags.DEFINE_integer(
        "checkpoint_every",
        d["checkpoint_every"],
        "Save a checkpoint every N steps (and at the end).",
        lower_bound=1,
    )
    flags.DEFINE_integer(
        "log_every", d["log_every"], "Print progress every N steps.", lower_bound=1
    )
    # Evaluation during training (gan_tf.metrics.periodic_evaluation).
    flags.DEFINE_integer(
        "eval_every",
        0,
        "Every N steps: generate --eval_samples images, log FID and KID (or the classifier "
        "metrics) to TensorBoard and keep the best checkpoint in checkpoints_best/; 0: off.",
        lower_bound=0,
    )
    flags.DEFINE_integer(
        "eval_samples",
        10_000,
        "Generated (and real test) images per evaluation; FID depends on it, keep it fixed. "
        "10,000 take about 12 min through the Inception network on 2 CPU cores.",
        lower_bound=2,
    )
    flags.DEFINE_enum(
        "eval_metric",
        "fid",
        ["fid", "fcd"],
        "Metric that picks the best checkpoint: fid (needs the Inception weights) or fcd, the "
        "Fréchet distance in the features of the shipped MNIST/Fashion-MNIST classifier (fast).",
    )
    flags.DEFINE_string(
        "inception_weights",
        None,
        "FID Inception .npz for --eval_every; default $GAN_TF_INCEPTION_WEIGHTS, then "
        "~/.cache/gan_tf/fid_inception_v3_2015_12_05.npz.",
    )
    flags.mark_flag_as_required("workdir")


def config_from_flags(
    variant: str,
    extra: dict[str, Any] | None = None,
    supported_sizes: tuple[int, ...] | None = None,
    conditional: bool = False,
) -> RunConfig:
    """A RunConfig from the parsed flags; validates the dataset and image size."""
    spec = get_dataset_spec(FLAGS.dataset)
    if conditional and not spec.num_classes:
        raise UsageError(f"{variant} needs class labels; dataset {spec.name!r} has none")
    if FLAGS.architecture == "dcgan" and supported_sizes is None:
        from gan_tf.networks.dcgan import SUPPORTED_SIZES

        supported_sizes = SUPPORTED_SIZES
    image_size = resolve_image_size(
        spec,
        FLAGS.image_size,
        supported_sizes,
        model_name=f"{variant} ({FLAGS.architecture} networks)",
    )
    return RunConfig(
        variant=variant,
        dataset=spec.name,
        image_size=image_size,
        channels=spec.channels,
        num_classes=spec.num_classes if conditional else None,
        architecture=FLAGS.architecture,
        latent_dim=FLAGS.latent_dim,
        base_filters=FLAGS.base_filters,
        g_loss=FLAGS.g_loss,
        d_steps=FLAGS.d_steps,
        g_steps=FLAGS.g_steps,
        batch_size=FLAGS.batch_size,
        train_steps=FLAGS.train_steps,
        d_learning_rate=FLAGS.d_learning_rate,
        g_learning_rate=FLAGS.g_learning_rate,
        beta_1=FLAGS.beta_1,
        beta_2=FLAGS.beta_2,
        seed=FLAGS.seed,
        jit_compile=FLAGS.jit_compile,
        mixed_precision=canonical_precision(FLAGS.mixed_precision),
        strategy=FLAGS.strategy,
        sample_every=FLAGS.sample_every,
        checkpoint_every=FLAGS.checkpoint_every,
        log_every=FLAGS.log_every,
        eval_every=FLAGS.eval_every,
        eval_samples=FLAGS.eval_samples,
        eval_metric=FLAGS.eval_metric,
        inception_weights=FLAGS.inception_weights,
        data_dir=FLAGS.data_dir,
        manual_dir=FLAGS.manual_dir,
        extra=dict(extra or {}),
    )


def training_pipeline(config: RunConfig):
    """The noise-to-image models' training data: global batches of `batch_size * d_steps`
    images (each critic update takes its own slice), with labels for conditional models."""
    return image_pipeline(
        config.dataset,
        batch_size=config.batch_size * config.d_steps,
        image_size=config.image_size,
        split=config.split,
        with_labels=config.num_classes is not None,
        data_dir=config.data_dir,
        manual_dir=config.manual_dir,
        seed=config.seed,
    )


def run(
    config: RunConfig,
    workdir: str,
    make_dataset: Callable[[RunConfig], Any] | None = None,
    strategy: Any = None,
):
    """Builds the data pipeline and the model of `config` and trains it in `workdir`.

    `make_dataset(config)` replaces the default image pipeline (translation models need paired,
    unpaired or multi-domain data). `strategy`: the tf.distribute strategy, made from
    `config.strategy` when not given (`run_main` makes it before anything else touches
    TensorFlow, as multi-worker training requires)."""
    # Imported here so that `--helpfull` and flag errors answer without loading TensorFlow.
    import keras

    from gan_tf.metrics.periodic_evaluation import periodic_evaluation
    from gan_tf.models.zoo import build_model
    from gan_tf.training import distribute
    from gan_tf.training.runner import check_workdir, train

    check_workdir(pathlib.Path(workdir), config)
    if strategy is None:
        strategy = distribute.make_strategy(config.strategy)
    distribute.check_global_batch(config.batch_size, strategy)
    replicas = strategy.num_replicas_in_sync
    logging.info(
        "strategy %s: %d replica(s); global batch %d, %d per replica; precision %s",
        config.strategy,
        replicas,
        config.batch_size,
        config.batch_size // replicas,
        config.mixed_precision,
    )
    keras.utils.set_random_seed(config.seed)
    dataset = make_dataset(config) if make_dataset is not None else training_pipeline(config)
    model = build_model(config, strategy)
    return train(
        model,
        distribute.dataset_for(dataset, strategy),
        config,
        workdir,
        make_evaluation=periodic_evaluation,
    )


def make_strategy_from_flags():
    """Checks the scaling flags, splits the CPU as `$GAN_TF_LOGICAL_CPUS` asks and makes the
    `--strategy`: all before anything else starts TensorFlow (logical devices and multi-worker
    collectives can only be configured then)."""
    from gan_tf.training import distribute

    canonical_precision(FLAGS.mixed_precision)
    distribute.check_strategy_name(FLAGS.strategy)
    distribute.configure_logical_cpus()
    return distribute.make_strategy(FLAGS.strategy)


def interrupt_on_signals() -> None:
    """SIGINT and SIGTERM both stop training the way Ctrl-C does: the runner saves a checkpoint
    at the current step before exiting. SIGTERM is what `kill`, job schedulers and preemptible
    machines send; and a run started in the background by a non-interactive shell (`cmd &`,
    `nohup`) inherits SIGINT ignored, so its handler is installed explicitly."""

    def interrupt(signum, frame):
        del frame
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupt)


def run_main(
    variant: str,
    make_config: Callable[[], RunConfig],
    make_dataset: Callable[[RunConfig], Any] | None = None,
) -> None:
    """absl entry point: parses flags, runs, and turns a UsageError into one line on stderr."""

    def main(argv: list[str]) -> None:
        if len(argv) > 1:
            raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
        logging.set_verbosity(logging.INFO)
        interrupt_on_signals()
        try:
            strategy = make_strategy_from_flags()
            config = make_config()
            run(config, FLAGS.workdir, make_dataset, strategy)
        except UsageError as e:
            print(f"{variant}: error: {e}", file=sys.stderr)
            sys.exit(2)
        except KeyboardInterrupt:
            sys.exit(130)

    app.run(main)
