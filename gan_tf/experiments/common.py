"""The command line of every experiment: flags generated from the variant's config, and `main`.

An experiment module (`gan_tf/experiments/<variant>.py`) is two lines: `define_flags(CONFIG)` and
`main(CONFIG)`. Every field of the config with a flag becomes one (its type, default, choices,
bounds and help come from the field), so the paper's settings are stated once, in
`gan_tf/configs/<variant>.py`. A flag that another variant has but this one does not take
(e.g. `--g_loss` for WGAN, which fixes its losses) is refused with one line saying why, and exit
status 2, like every other bad input.

Scaling flags: `--mixed_precision=float16|bfloat16` (`gan_tf.models.precision`) and
`--strategy=default|mirrored|multi_worker|tpu` (`gan_tf.training.distribute`; `--batch_size` is
the global batch). `$GAN_TF_LOGICAL_CPUS=N` splits the CPU into N logical devices before
TensorFlow starts, so `--strategy=mirrored` runs N replicas on a machine without GPUs.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

from absl import app, flags, logging

from gan_tf import configs
from gan_tf.configs.base import RunConfig, field_type, flag_fields
from gan_tf.errors import UsageError
from gan_tf.models.precision import canonical_precision

FLAGS = flags.FLAGS


def define_flags(config_cls: type[RunConfig], flag_values: flags.FlagValues = FLAGS) -> None:
    """Defines a flag for every flag field of `config_cls`, plus `--workdir`."""
    defaults = config_cls()
    for field in flag_fields(config_cls):
        name, meta = field.name, field.metadata
        default = getattr(defaults, name)
        kind = field_type(config_cls, name)
        options: dict[str, Any] = {"flag_values": flag_values}
        if meta["choices"] is not None:
            choices = [str(c) for c in meta["choices"]]
            flags.DEFINE_enum(
                name, None if default is None else str(default), choices, meta["help"], **options
            )
            continue
        bounds = {k: meta[k] for k in ("lower_bound", "upper_bound") if meta.get(k) is not None}
        if kind is bool:
            flags.DEFINE_bool(name, default, meta["help"], **options)
        elif kind is int:
            flags.DEFINE_integer(name, default, meta["help"], **bounds, **options)
        elif kind is float:
            flags.DEFINE_float(name, default, meta["help"], **bounds, **options)
        elif kind is list:
            flags.DEFINE_list(name, default, meta["help"], **options)
        else:
            flags.DEFINE_string(name, default, meta["help"], **options)
    flags.DEFINE_string(
        "workdir",
        None,
        "Where checkpoints, TensorBoard logs and samples go; an existing run there is resumed.",
        flag_values=flag_values,
    )


def all_flag_names() -> set[str]:
    """Every config flag of every variant (what a user may try on any experiment)."""
    return {f.name for v in configs.VARIANTS for f in flag_fields(configs.config_class(v))}


def refusal(config_cls: type[RunConfig], flag_name: str) -> str:
    """The one line that refuses `--flag_name` for `config_cls`'s variant."""
    variant = config_cls.VARIANT
    name = flag_name
    if name not in config_cls.REFUSED and name.startswith("no") and name[2:] in all_flag_names():
        name = name[2:]  # --noX of a boolean flag X
    reason = config_cls.REFUSED.get(name)
    if reason is None and name in all_flag_names():
        reason = "it is a setting of other variants"
    if reason is None:
        return (
            f"unknown flag --{flag_name} (python -m gan_tf.experiments.{variant} --help lists them)"
        )
    return f"--{name} does not apply to {variant}: {reason}"


def parse_flags(
    config_cls: type[RunConfig], argv: list[str], flag_values: flags.FlagValues = FLAGS
) -> list[str]:
    """Parses `argv` into `flag_values`; a flag the variant refuses, an unknown flag or a bad
    value raises UsageError with one line."""
    try:
        return flag_values(argv)
    except flags.UnrecognizedFlagError as error:
        raise UsageError(refusal(config_cls, error.flagname)) from None
    except flags.Error as error:
        raise UsageError(str(error).splitlines()[0]) from None


def config_from_flags(
    config_cls: type[RunConfig], flag_values: flags.FlagValues = FLAGS
) -> RunConfig:
    """The resolved config of the parsed flags."""
    values = {}
    for field in flag_fields(config_cls):
        value = flag_values[field.name].value
        choices = field.metadata["choices"]
        if choices is not None and value is not None:
            value = next(c for c in choices if str(c) == value)  # enum flags hold strings
        values[field.name] = value
    values["mixed_precision"] = canonical_precision(values["mixed_precision"])
    if flag_values["workdir"].value is None:
        raise UsageError("--workdir is required: where the run's checkpoints and samples go")
    return config_cls(**values).resolve()


def make_strategy(config_cls: type[RunConfig], flag_values: flags.FlagValues = FLAGS):
    """Checks the scaling flags, splits the CPU as `$GAN_TF_LOGICAL_CPUS` asks and makes the
    `--strategy`: all before anything else starts TensorFlow (logical devices and multi-worker
    collectives can only be configured then)."""
    from gan_tf.training import distribute

    canonical_precision(flag_values["mixed_precision"].value)
    distribute.check_strategy_name(flag_values["strategy"].value)
    distribute.configure_logical_cpus()
    return distribute.make_strategy(flag_values["strategy"].value)


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


def fail(variant: str, error: UsageError) -> None:
    print(f"{variant}: error: {error}", file=sys.stderr)
    sys.exit(2)


def main(config_cls: type[RunConfig]) -> None:
    """absl entry point of `config_cls`'s experiment: parses the flags (refusals and bad values
    are one line and exit status 2), then builds, trains and resumes in `--workdir`."""
    variant = config_cls.VARIANT

    def parse(argv: list[str]) -> list[str]:
        try:
            return parse_flags(config_cls, argv)
        except UsageError as error:
            fail(variant, error)

    def run(argv: list[str]) -> None:
        if len(argv) > 1:
            fail(variant, UsageError(f"unexpected arguments: {' '.join(argv[1:])}"))
        logging.set_verbosity(logging.INFO)
        interrupt_on_signals()
        try:
            strategy = make_strategy(config_cls)
            config = config_from_flags(config_cls)
            from gan_tf import api  # TensorFlow loads here, after the flags are checked

            api.run(config, FLAGS.workdir, strategy)
        except UsageError as error:
            fail(variant, error)
        except KeyboardInterrupt:
            sys.exit(130)

    app.run(run, flags_parser=parse)
