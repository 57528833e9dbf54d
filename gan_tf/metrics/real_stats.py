"""Features and statistics of real data, computed once per dataset/split/size/count/network.

Real-data features cost as much as generated ones (every image goes through the FID Inception
network at 299x299), and they never change, so they are computed once and kept in an ``.npz`` per

    dataset, split, image size, sample count, feature network (``cache_id``, which names the
    network's weights: a retrained classifier gets new entries),

under ``$GAN_TF_CACHE_DIR/real_stats/`` (default ``~/.cache/gan_tf/real_stats/``; the
``cache_dir`` argument, ``--cache_dir`` in ``gan_tf.evaluate``, overrides both). An entry holds
every output array of the network (``features``, and ``logits`` for the classifier) as float32,
plus ``mu`` and ``sigma`` of the features in float64 (``gan_tf.metrics.fid.feature_statistics``),
so FID needs no recomputation and KID and precision/recall get the features they need. Entries
are written to a temporary file and renamed, so an interrupted run leaves no broken entry.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pathlib
import re
import tempfile
import zipfile
from collections.abc import Callable, Mapping

import numpy as np
from absl import logging

from gan_tf.metrics.fid import feature_statistics

CACHE_ENV_VAR = "GAN_TF_CACHE_DIR"
DEFAULT_CACHE_DIR = pathlib.Path("~/.cache/gan_tf").expanduser()
SUBDIR = "real_stats"
FORMAT_VERSION = 1


@dataclasses.dataclass(frozen=True)
class RealStatsKey:
    """What a cache entry depends on."""

    dataset: str
    split: str
    image_size: int
    num_samples: int
    extractor: str  # e.g. "fid_inception_v3_2015_12_05" or "classifier_mnist_<hash>"

    def filename(self) -> str:
        # Readable names for the usual data sets; dataset names with paths (folder:/a/b) get a
        # hash so they stay one path component.
        name = self.dataset
        if not re.fullmatch(r"[\w.-]+", name):
            name = "ds" + hashlib.sha256(name.encode()).hexdigest()[:12]
        split = re.sub(r"[^\w.-]", "_", self.split)
        return (
            f"{name}_{split}_{self.image_size}px_{self.num_samples}_{self.extractor}"
            f".v{FORMAT_VERSION}.npz"
        )


def cache_dir(override: str | os.PathLike[str] | None = None) -> pathlib.Path:
    """``override``, else ``$GAN_TF_CACHE_DIR``, else ``~/.cache/gan_tf``; plus ``real_stats``."""
    root = override or os.environ.get(CACHE_ENV_VAR) or DEFAULT_CACHE_DIR
    return pathlib.Path(root).expanduser() / SUBDIR


def _load(path: pathlib.Path, key: RealStatsKey) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        logging.warning("ignoring unreadable real-data statistics %s: %s", path, error)
        return None
    stored_key = json.loads(str(arrays.pop("key", "{}")))
    if stored_key != dataclasses.asdict(key) or "features" not in arrays:
        logging.warning("ignoring real-data statistics %s: made for %s", path, stored_key)
        return None
    return arrays


def cached_real_statistics(
    key: RealStatsKey,
    compute: Callable[[], Mapping[str, np.ndarray]],
    cache_dir_override: str | os.PathLike[str] | None = None,
) -> dict[str, np.ndarray]:
    """The cached arrays of ``key``, or ``compute()``'s, stored for next time.

    Args:
      key: dataset, split, image size, sample count and feature network.
      compute: returns the network's outputs on the real images, at least ``features`` (N, D).

    Returns:
      The outputs of ``compute`` as float32 arrays, plus ``mu`` (D,) and ``sigma`` (D, D) of
      ``features`` in float64.
    """
    path = cache_dir(cache_dir_override) / key.filename()
    if path.is_file():
        arrays = _load(path, key)
        if arrays is not None:
            logging.info("real-data statistics from %s", path)
            return arrays
    outputs = dict(compute())
    if "features" not in outputs:
        raise ValueError(f"compute() must return 'features', got {sorted(outputs)}")
    arrays = {name: np.asarray(value, dtype=np.float32) for name, value in outputs.items()}
    # Statistics of the float32-rounded features, so a cached entry and a fresh one agree.
    arrays["mu"], arrays["sigma"] = feature_statistics(arrays["features"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as tmp:
        np.savez(tmp, key=np.array(json.dumps(dataclasses.asdict(key))), **arrays)
    os.replace(tmp.name, path)
    logging.info("real-data statistics written to %s", path)
    return arrays
