"""The settings every run has, and `setting()`, the one way a config declares a field.

Configs are typed dataclasses rather than dicts (Flax's ConfigDict, Hydra's YAML): a variant's
paper settings are then fields with types, defaults and help in one class, a misspelt override
fails at once (`dataclasses.replace` raises for an unknown name), an IDE completes them, and
the command-line flags are generated from the same fields (`gan_tf.experiments.common`).

A field's metadata holds its flag: help text (citing the paper's section where the value comes
from one), choices and bounds. Fields declared with `flag=False` are derived from the others
when a config is resolved (the dataset's channels, a translation model's domain names) and are
saved in `run.json` but never set on the command line.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import typing
from collections.abc import Sequence
from typing import Any, ClassVar

from gan_tf.errors import UsageError

RUN_FILE = "run.json"

# Where the configs' XLA_CPU_RATIO were measured.
XLA_CPU_MEASUREMENT = "make bench, AMD EPYC, one core, 2026-12-04"

# The groups of `--help`, in the order it lists them.
GROUPS = ("data", "model and paper settings", "training", "logging and checkpoints", "scale")


# --mixed_precision's values (gan_tf.models.precision maps each to a Keras dtype policy).
PRECISIONS = ("float32", "float16", "bfloat16", "none")


def canonical_precision(name: str | None) -> str:
    """`name` as stored in a RunConfig: float32, float16 or bfloat16 (None and none: float32).
    Raises UsageError for anything else. Here, not beside the Keras policies, so that the
    command lines check it before TensorFlow loads."""
    name = "float32" if name is None else str(name).strip().lower()
    if name not in PRECISIONS:
        raise UsageError(
            f"--mixed_precision must be float16, bfloat16 or float32 (none), got {name!r}"
        )
    return "float32" if name == "none" else name


def setting(
    default: Any,
    help: str,
    *,
    flag: bool = True,
    choices: Sequence[Any] | None = None,
    lower_bound: float | None = None,
    upper_bound: float | None = None,
    group: str | None = None,
) -> Any:
    """A config field: its default, the help of its flag (the paper's section, where it has
    one), the flag's choices and bounds, and its group in `--help` (one of GROUPS; unset: the
    group of RunConfig's field of that name, else "model and paper settings"). Lists get a
    fresh copy per config."""
    if group is not None and group not in GROUPS:
        raise ValueError(f"group {group!r} is not one of {GROUPS}")
    metadata = {
        "help": help,
        "flag": flag,
        "choices": None if choices is None else tuple(choices),
        "lower_bound": lower_bound,
        "upper_bound": upper_bound,
        "group": group,
    }
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def new_default(cls: type, name: str, default: Any) -> Any:
    """Field `name` of `cls` again, with another default and the same help, choices and
    bounds: for a subclass whose runs want another value of a setting its paper does not
    fix (e.g. how often the translation models write grids)."""
    field = next(f for f in dataclasses.fields(cls) if f.name == name)
    meta = dict(field.metadata)
    return setting(default, meta.pop("help"), **meta)


@dataclasses.dataclass
class RunConfig:
    """What every training run has: data, batch, length, learning rates, seed, infrastructure.

    Subclasses (one per variant, `gan_tf/configs/<variant>.py`) add their paper's settings and
    override defaults by declaring the field again. `VARIANT` names the variant; `BUILDER` is
    the model builder as "module:function" (imported only when that variant is built);
    `REFUSED` maps a flag other variants have to why this one refuses it.
    """

    VARIANT: ClassVar[str] = ""
    BUILDER: ClassVar[str] = ""
    REFUSED: ClassVar[dict[str, str]] = {}
    # Settings that decide the networks' shapes: a workdir's checkpoints only fit these.
    ARCHITECTURE_FIELDS: ClassVar[tuple[str, ...]] = ("image_size", "channels", "base_filters")
    # What jit_compile="auto" picks on a CPU, and the measurement it rests on: XLA's steps/s over
    # the graph kernels' in `make bench` (XLA_CPU_MEASUREMENT, experiments/speed.md); each
    # variant's config states its own.
    XLA_ON_CPU: ClassVar[bool] = False
    XLA_CPU_RATIO: ClassVar[float | None] = None
    # Named sets of settings (e.g. a paper's and its code's scripts'), chosen by the field
    # `preset`: name -> the fields it sets differently from the class's defaults. Fields given
    # explicitly (keywords of `configs.get`, flags on the command line) win over the preset.
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = {}

    # --- Data ------------------------------------------------------------------------------------
    dataset: str = setting(
        "mnist",
        "mnist, fashion_mnist, cifar10, celeb_a, cycle_gan/<pair>, mnist_demo (packaged, "
        "offline) or folder:<path>.",
        group="data",
    )
    image_size: int | None = setting(
        None,
        "Side of the square images the model sees; default: the dataset's.",
        lower_bound=1,
        group="data",
    )
    channels: int | None = setting(None, "Image channels (from the dataset).", flag=False)
    num_classes: int | None = setting(
        None, "Classes of a conditional model (from the dataset).", flag=False
    )
    split: str | None = setting(None, "Training split; default: the dataset's.", flag=False)
    data_dir: str | None = setting(
        None, "TFDS data directory (default ~/tensorflow_datasets).", group="data"
    )
    manual_dir: str | None = setting(
        None,
        "Folder with the dataset's original archives (or a parent folder with a <dataset>/ "
        "sub-folder), for preparing it without network.",
        group="data",
    )

    # --- Training ------------------------------------------------------------------------------
    batch_size: int = setting(
        64,
        "Images per discriminator step, over all replicas (the global batch): with N replicas "
        "each gets batch_size / N, so N must divide it.",
        lower_bound=1,
        group="training",
    )
    train_steps: int = setting(
        10_000,
        "Training iterations (each: the variant's D updates, then its G updates).",
        lower_bound=1,
        group="training",
    )
    d_learning_rate: float = setting(
        2e-4, "Discriminator learning rate.", lower_bound=0.0, group="training"
    )
    g_learning_rate: float = setting(
        2e-4, "Generator learning rate.", lower_bound=0.0, group="training"
    )
    base_filters: int | None = setting(
        None,
        "Filters at the networks' highest resolution; default: the architecture's.",
        lower_bound=1,
    )
    seed: int = setting(
        0, "Seed of the parameters, the noise and the data order.", group="training"
    )

    # --- Infrastructure ---------------------------------------------------------------------------
    jit_compile: bool | str = setting(
        "auto",
        "Compile each training step with XLA: auto picks it on a GPU or TPU and, on a CPU, "
        "only for the variants measured faster with it (experiments/speed.md); "
        "--jit_compile / --nojit_compile force it on or off. Off, with a warning, on more than "
        "one replica (Keras cannot compile a multi-replica step).",
        choices=("auto", True, False),
        group="scale",
    )
    mixed_precision: str = setting(
        "float32",
        "float16 (loss-scaled) or bfloat16: networks compute in 16 bits, weights, losses and "
        "the gradient penalty stay float32; float32 (or none): no mixed precision.",
        choices=PRECISIONS,
        group="scale",
    )
    strategy: str = setting(
        "default",
        "default (one device), mirrored (all GPUs of this machine, else the logical CPUs of "
        "$GAN_TF_LOGICAL_CPUS), multi_worker (the machines of $TF_CONFIG) or tpu.",
        # gan_tf.training.distribute.STRATEGIES (not imported: it loads TensorFlow).
        choices=("default", "mirrored", "multi_worker", "tpu"),
        group="scale",
    )
    sample_every: int = setting(
        500, "Write a sample grid every N steps.", lower_bound=1, group="logging and checkpoints"
    )
    checkpoint_every: int = setting(
        1000,
        "Save a checkpoint every N steps (and at the end).",
        lower_bound=1,
        group="logging and checkpoints",
    )
    keep_checkpoints: int = setting(
        3,
        "Checkpoints kept in checkpoints/ (the newest N); resuming falls back to the previous "
        "one when the newest is unreadable.",
        lower_bound=1,
        group="logging and checkpoints",
    )
    log_every: int = setting(
        100, "Print progress every N steps.", lower_bound=1, group="logging and checkpoints"
    )
    eval_every: int = setting(
        0,
        "Every N steps: generate --eval_samples images, log FID and KID (or the classifier "
        "metrics) to TensorBoard and keep the best checkpoint in checkpoints_best/; 0: off.",
        lower_bound=0,
        group="logging and checkpoints",
    )
    eval_samples: int = setting(
        10_000,
        "Generated (and real test) images per evaluation; FID depends on it, keep it fixed.",
        lower_bound=2,
        group="logging and checkpoints",
    )
    eval_metric: str = setting(
        "fid",
        "Metric that picks the best checkpoint: fid (needs the Inception weights) or fcd, the "
        "Fréchet distance in the features of the shipped MNIST/Fashion-MNIST classifier (fast).",
        choices=("fid", "fcd"),
        group="logging and checkpoints",
    )
    inception_weights: str | None = setting(
        None,
        "FID Inception .npz for --eval_every; default $GAN_TF_INCEPTION_WEIGHTS, then "
        "~/.cache/gan_tf/fid_inception_v3_2015_12_05.npz.",
        group="logging and checkpoints",
    )

    # --- Derived settings -----------------------------------------------------------------------

    @property
    def variant(self) -> str:
        return self.VARIANT

    def resolve(self) -> RunConfig:
        """The config with the settings it derives from the data filled in (image size,
        channels, classes); raises UsageError for data the variant cannot take."""
        from gan_tf.data.registry import get_dataset_spec

        spec = get_dataset_spec(self.dataset)
        return self.replace(dataset=spec.name, channels=spec.channels)

    @classmethod
    def from_preset(cls, name: str) -> RunConfig:
        """The config of preset `name` (`PRESETS`); UsageError for an unknown one."""
        if name not in cls.PRESETS:
            raise UsageError(
                f"{cls.VARIANT} has no preset {name!r}: choose one of {', '.join(cls.PRESETS)}"
            )
        return cls(preset=name, **cls.PRESETS[name])

    def replace(self, **changes: Any) -> RunConfig:
        """A copy with `changes` (field names); UsageError for a name that is not a field."""
        unknown = sorted(set(changes) - set(field_names(type(self))))
        if unknown:
            raise UsageError(
                f"{self.VARIANT} has no setting {', '.join(unknown)}: its settings are "
                f"{', '.join(field_names(type(self)))}"
            )
        return dataclasses.replace(self, **changes)

    @classmethod
    def flag_help(cls, name: str) -> str:
        """The help of field `name`'s flag; jit_compile's also says what auto picks on a CPU
        for this variant and why."""
        text = {f.name: f for f in dataclasses.fields(cls)}[name].metadata["help"]
        if name == "jit_compile":
            choice = "with" if cls.XLA_ON_CPU else "without"
            measured = (
                "not measured; Keras's choice on a CPU"
                if cls.XLA_CPU_RATIO is None
                else f"XLA x{cls.XLA_CPU_RATIO:.2f} the steps/s of the graph kernels: "
                f"{XLA_CPU_MEASUREMENT}"
            )
            text += f" On a CPU, auto runs {cls.VARIANT} {choice} XLA ({measured})."
        return text

    def xla_requested(self) -> bool | None:
        """jit_compile as a bool, None for auto (decided by the device: see
        `gan_tf.models.replicas.jit_compile_of`); UsageError for anything else."""
        if self.jit_compile == "auto":
            return None
        if isinstance(self.jit_compile, bool):
            return self.jit_compile
        raise UsageError(f"jit_compile must be auto, True or False, got {self.jit_compile!r}")

    # --- run.json --------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {"variant": self.VARIANT, **dataclasses.asdict(self)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def save(self, workdir: str | pathlib.Path) -> None:
        path = pathlib.Path(workdir) / RUN_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RunConfig:
        """The config of `values` (a run.json), keeping only this class's fields."""
        known = set(field_names(cls))
        return cls(**{k: v for k, v in values.items() if k in known})


def field_names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def flag_fields(cls: type) -> list[dataclasses.Field]:
    """The fields of `cls` that are command-line flags, in declaration order."""
    return [f for f in dataclasses.fields(cls) if f.metadata.get("flag", True)]


def field_type(cls: type, name: str) -> type:
    """The type of field `name` with `None` removed (`int | None` -> int, list[str] -> list)."""
    hint = typing.get_type_hints(cls)[name]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) is list:
        return list
    if args and typing.get_origin(hint) is not list:
        arg = args[0]
        return list if typing.get_origin(arg) is list else arg
    return hint
