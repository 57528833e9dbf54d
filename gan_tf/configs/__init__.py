"""Each variant's paper settings, in one place: `gan_tf/configs/<variant>.py`.

    import gan_tf
    config = gan_tf.configs.get("wgan_gp", dataset="mnist")   # Algorithm 1's settings
    config.d_steps, config.beta_1, config.gp_weight            # 5, 0.0, 10.0

`get(variant, **overrides)` returns the variant's config with any field overridden by name and
the settings derived from the data filled in (`resolve`); the experiments' flags are generated
from the same fields (`gan_tf.experiments.common`), and a run's `run.json` is the config it was
trained with (`load`).
"""

from __future__ import annotations

import importlib
import json
import pathlib
from typing import Any

from gan_tf.configs.base import RUN_FILE, RunConfig, field_names, flag_fields, setting
from gan_tf.errors import UsageError

VARIANTS = (
    "gan",
    "dcgan",
    "wgan",
    "wgan_gp",
    "dragan",
    "lsgan",
    "cgan",
    "sngan",
    "biggan",
    "pggan",
    "stylegan",
    "stylegan2",
    "pix2pix",
    "cyclegan",
    "stargan",
)

__all__ = [
    "RUN_FILE",
    "VARIANTS",
    "RunConfig",
    "config_class",
    "field_names",
    "flag_fields",
    "from_run_json",
    "get",
    "load",
    "setting",
]


def config_class(variant: str) -> type[RunConfig]:
    """The config class of `variant` (`gan_tf.configs.<variant>.CONFIG`)."""
    if variant not in VARIANTS:
        raise UsageError(f"unknown variant {variant!r}: choose one of {', '.join(VARIANTS)}")
    return importlib.import_module(f"gan_tf.configs.{variant}").CONFIG


def get(variant: str, **overrides: Any) -> RunConfig:
    """`variant`'s paper config with `overrides` (field names, e.g. dataset="mnist"), resolved
    for its data; `preset=name` starts from that preset's settings (`RunConfig.PRESETS`).
    Raises UsageError for an unknown variant, field or preset, or data it cannot take."""
    cls = config_class(variant)
    base = cls.from_preset(overrides["preset"]) if "preset" in overrides else cls()
    return base.replace(**overrides).resolve()


# Fields of gan_tf 0.1's run.json (then inside "extra") that have another name now.
_RENAMED = {"pix2pix": {"num_levels": "unet_levels"}}


def from_run_json(values: dict[str, Any]) -> RunConfig:
    """The config a run.json holds. Older run.json files kept variant settings in "extra";
    those are merged in (renamed where the field's name changed)."""
    values = dict(values)
    variant = values.pop("variant", None)
    if variant is None:
        raise UsageError("run.json names no variant")
    extra = values.pop("extra", None) or {}
    renamed = _RENAMED.get(variant, {})
    values.update({renamed.get(k, k): v for k, v in extra.items()})
    return config_class(variant).from_dict(values)


def load(workdir: str | pathlib.Path) -> RunConfig | None:
    """The config saved in `workdir`, or None when it holds no run."""
    path = pathlib.Path(workdir) / RUN_FILE
    if not path.exists():
        return None
    return from_run_json(json.loads(path.read_text()))
