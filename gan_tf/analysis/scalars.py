"""A run's logged scalar curves, read back from its TensorBoard event files.

The training runner logs every value a model's `train_step` returns (losses, D's outputs,
gradient norms, WGAN's Wasserstein estimate, ...) each step to `<workdir>/tensorboard/`;
`read_scalars` returns them as numpy arrays for plotting and checks.
"""

from __future__ import annotations

import pathlib

import numpy as np
import tensorflow as tf

from gan_tf.errors import UsageError


def read_scalars(
    workdir: str | pathlib.Path, tags: list[str] | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{tag: (steps, values)} of every scalar logged in `workdir/tensorboard`, sorted by step.

    A resumed run writes several event files; a step logged more than once keeps the value of
    the newest file. `tags` limits the result to those tags (UsageError if one is absent).
    """
    directory = pathlib.Path(workdir) / "tensorboard"
    files = sorted(directory.glob("events.out.tfevents.*"))
    if not files:
        raise UsageError(f"{directory} holds no TensorBoard event file: train the run first")
    by_tag: dict[str, dict[int, float]] = {}
    for path in files:  # names start with the creation time: older files first
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.metadata.plugin_data.plugin_name != "scalars":
                    continue
                if tags is not None and value.tag not in tags:
                    continue
                number = float(tf.make_ndarray(value.tensor))
                by_tag.setdefault(value.tag, {})[int(event.step)] = number
    missing = sorted(set(tags or ()) - set(by_tag))
    if missing:
        raise UsageError(
            f"{directory} has no scalar {', '.join(missing)}; it has {', '.join(sorted(by_tag))}"
        )
    result = {}
    for tag, points in by_tag.items():
        steps = np.array(sorted(points), dtype=np.int64)
        result[tag] = (steps, np.array([points[s] for s in steps], dtype=np.float64))
    return result
