"""Fixed-noise samples: the same z at every sample point, so grids show progress comparably."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from gan_tf.images import image_grid


def fixed_inputs(
    model, num_samples: int = 64, seed: int = 0, columns: int = 10
) -> tuple[tf.Tensor, tf.Tensor | None, int]:
    """(z, labels, rows) for a sample grid.

    Unconditional: `num_samples` noise vectors in a square-ish grid. Conditional: one row per
    class and `columns` columns; a column shares its z across rows, so a row differs from the
    next only by its label.
    """
    if getattr(model, "conditional", False):
        classes = model.num_classes
        z = model.fixed_latents((columns,), seed=[seed, 1])
        z = tf.tile(z, [classes, 1])
        labels = tf.repeat(tf.range(classes, dtype=tf.int32), columns)
        return z, labels, classes
    z = model.fixed_latents((num_samples,), seed=[seed, 1])
    return z, None, max(1, int(np.sqrt(num_samples)))


def generate_images(
    model,
    z: tf.Tensor,
    labels: tf.Tensor | None = None,
    batch_size: int = 256,
    raw_generator: bool = False,
) -> np.ndarray:
    """G(z) in inference mode (batch norm uses its moving statistics), in batches; the EMA
    generator when the model has one, unless `raw_generator`."""
    outputs = []
    for start in range(0, int(z.shape[0]), batch_size):
        zb = z[start : start + batch_size]
        lb = None if labels is None else labels[start : start + batch_size]
        outputs.append(np.asarray(model.generate(zb, lb, training=False, ema=not raw_generator)))
    return np.concatenate(outputs)


def sample_grid(
    model, z: tf.Tensor, labels: tf.Tensor | None, rows: int, raw_generator: bool = False
) -> np.ndarray:
    return image_grid(generate_images(model, z, labels, raw_generator=raw_generator), rows=rows)
