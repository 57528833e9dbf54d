"""TFDS input pipelines and the dataset registry.

The names below are imported on first use, so that `gan_tf.data.registry` and
`gan_tf.data.domains` (what the configs and the command lines' `--help` need) load without
TensorFlow.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DATASETS": "registry",
    "DatasetSpec": "registry",
    "get_dataset_spec": "registry",
    "image_pipeline": "pipelines",
    "resolve_image_size": "pipelines",
    "to_uint8": "pipelines",
    "to_unit_range": "pipelines",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"gan_tf.data.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'gan_tf.data' has no attribute {name!r}")
