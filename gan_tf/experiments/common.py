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

`--help` lists the variant's own flags by group (`gan_tf.configs.base.GROUPS`) with their
defaults, the paper's; `--helpfull` is absl's listing of every flag. Nothing here imports
TensorFlow before the flags are parsed, so `--help` and a mistyped flag answer at once.
"""

from __future__ import annotations

import dataclasses
import signal
import sys
from typing import Any

from absl import app, flags, logging

from gan_tf import configs
from gan_tf.configs.base import GROUPS, RunConfig, canonical_precision, field_type, flag_fields
from gan_tf.errors import UsageError

FLAGS = flags.FLAGS


def define_flags(config_cls: type[RunConfig], flag_values: flags.FlagValues = FLAGS) -> None:
    """Defines a flag for every flag field of `config_cls`, plus `--workdir`."""
    defaults = config_cls()
    for field in flag_fields(config_cls):
        name, meta = field.name, field.metadata
        default = getattr(defaults, name)
        kind = field_type(config_cls, name)
        options: dict[str, Any] = {"flag_values": flag_values}
        help_text = config_cls.flag_help(name)
        if kind is bool and meta["choices"] is not None:
            # True, False or a word (jit_compile's auto): --name, --noname, --name=word.
            parser = _BoolOrWordParser([c for c in meta["choices"] if isinstance(c, str)])
            flags.DEFINE_flag(
                flags.Flag(parser, None, name, default, help_text, boolean=True), flag_values
            )
            continue
        if meta["choices"] is not None:
            choices = [str(c) for c in meta["choices"]]
            flags.DEFINE_enum(
                name, None if default is None else str(default), choices, help_text, **options
            )
            continue
        bounds = {k: meta[k] for k in ("lower_bound", "upper_bound") if meta.get(k) is not None}
        if kind is bool:
            flags.DEFINE_bool(name, default, help_text, **options)
        elif kind is int:
            flags.DEFINE_integer(name, default, help_text, **bounds, **options)
        elif kind is float:
            flags.DEFINE_float(name, default, help_text, **bounds, **options)
        elif kind is list:
            flags.DEFINE_list(name, default, help_text, **options)
        else:
            flags.DEFINE_string(name, default, help_text, **options)
    flags.DEFINE_string(
        "workdir",
        None,
        "Where checkpoints, TensorBoard logs and samples go; an existing run there is resumed.",
        flag_values=flag_values,
    )


class _BoolOrWordParser(flags.BooleanParser):
    """absl's boolean parser that also takes the given words (jit_compile's "auto")."""

    def __init__(self, words: list[str]) -> None:
        super().__init__()
        self.words = words

    def parse(self, argument: Any) -> bool | str:
        if isinstance(argument, str) and argument.lower() in self.words:
            return argument.lower()
        try:
            return super().parse(argument)
        except ValueError:
            raise ValueError(
                f"use true, false or {', '.join(self.words)}; got {argument!r}"
            ) from None

    def flag_type(self) -> str:
        return f"bool or {'/'.join(self.words)}"


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
    """The resolved config of the parsed flags (a `--preset`'s settings for the fields not
    given)."""
    if flag_values["workdir"].value is None:
        raise UsageError("--workdir is required: where the run's checkpoints and samples go")
    values = {}
    for field in flag_fields(config_cls):
        value = flag_values[field.name].value
        choices = field.metadata["choices"]
        if choices is not None and isinstance(value, str):
            value = next(c for c in choices if str(c) == value)  # enum flags hold strings
        values[field.name] = value
    if config_cls.PRESETS:  # the preset's settings, where no flag gives the field
        preset = config_cls.from_preset(values["preset"])
        for name in config_cls.PRESETS[values["preset"]]:
            if not flag_values[name].present:
                values[name] = getattr(preset, name)
    values["mixed_precision"] = canonical_precision(values["mixed_precision"])  # none: float32
    return config_cls(**values).resolve()


def make_strategy(config_cls: type[RunConfig], flag_values: flags.FlagValues = FLAGS):
    """Splits the CPU as `$GAN_TF_LOGICAL_CPUS` asks and makes the `--strategy` (an enum flag,
    checked when parsed): before anything else starts TensorFlow (logical devices and
    multi-worker collectives can only be configured then)."""
    from gan_tf.training import distribute

    distribute.configure_logical_cpus()
    return distribute.make_strategy(flag_values["strategy"].value)


def prepare_data(config: RunConfig) -> None:
    """Gets `config`'s dataset ready to read (prepared from --manual_dir or downloaded; a
    folder's images checked), so that missing or bad data fails with one line before the run
    touches its workdir."""
    from gan_tf.data.loading import load_builder
    from gan_tf.data.registry import get_dataset_spec

    load_builder(get_dataset_spec(config.dataset), config.data_dir, config.manual_dir)


# What absl takes for --help (`-?` is its short name); -h as most command lines do.
HELP_ARGS = ("--help", "-help", "--helpshort", "-helpshort", "-?", "-h")
DEFAULT_GROUP = "model and paper settings"


def flag_group(field: dataclasses.Field) -> str:
    """The `--help` group of a config field: its own, else that of RunConfig's field of the
    same name (a variant redeclaring `batch_size` with its paper's default keeps it under
    training), else DEFAULT_GROUP."""
    base = {f.name: f for f in dataclasses.fields(RunConfig)}.get(field.name)
    group = field.metadata.get("group") or (base and base.metadata.get("group"))
    return group or DEFAULT_GROUP


def _default_text(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def describe_flag(flag: flags.Flag, required: bool = False) -> str:
    """`--name: help (default: value)`, wrapped as absl wraps its help (an enum's help starts
    with its choices, `<a|b>: `; an unset default whose help says what it means is left
    to the help)."""
    text = flag.help
    if required:
        text = f"(required) {text}"
    elif flag.default is not None or "default" not in text:
        text = f"{text} (default: {_default_text(flag.default)})"
    return flags.text_wrap(f"--{flag.name}: {text}", indent="      ", firstline_indent="  ")


def help_text(
    config_cls: type[RunConfig], flag_values: flags.FlagValues = FLAGS, doc: str | None = None
) -> str:
    """`--help` of `config_cls`'s experiment: `doc` (the module's docstring), then the
    variant's flags by group, in declaration order within a group."""
    variant = config_cls.VARIANT
    grouped: dict[str, list[str]] = {group: [] for group in GROUPS}
    grouped["logging and checkpoints"].append("workdir")
    for field in flag_fields(config_cls):
        grouped[flag_group(field)].append(field.name)
    lines = [doc.strip(), ""] if doc else []
    lines.append(
        f"usage: python -m gan_tf.experiments.{variant} --workdir=<dir> [--flag=value ...]"
    )
    for group, names in grouped.items():
        if names:
            lines += ["", f"{group}:"]
            lines += [describe_flag(flag_values[n], required=n == "workdir") for n in names]
    lines += ["", "--helpfull lists every flag, absl's and TensorFlow's included."]
    return "\n".join(lines)


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
    """Prints `error` as the one line `<variant>: error: <message>` and exits with status 2."""
    print(f"{variant}: error: {error}", file=sys.stderr)
    sys.exit(2)


def main(config_cls: type[RunConfig]) -> None:
    """absl entry point of `config_cls`'s experiment: parses the flags (refusals and bad values
    are one line and exit status 2), then builds, trains and resumes in `--workdir`."""
    variant = config_cls.VARIANT

    def parse(argv: list[str]) -> list[str]:
        args = argv[1 : argv.index("--")] if "--" in argv else argv[1:]
        if any(arg in HELP_ARGS for arg in args):
            print(help_text(config_cls, doc=sys.modules["__main__"].__doc__))
            sys.exit(0)
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
            # The settings first (a bad one fails in a second, before TensorFlow loads); then
            # the strategy, before anything starts TensorFlow's runtime.
            config = config_from_flags(config_cls)
            strategy = make_strategy(config_cls)
            prepare_data(config)
            from gan_tf import api  # TensorFlow loads here, after the flags are checked

            api.run(config, FLAGS.workdir, strategy)
        except UsageError as error:
            fail(variant, error)
        except KeyboardInterrupt:
            sys.exit(130)

    app.run(run, flags_parser=parse)
