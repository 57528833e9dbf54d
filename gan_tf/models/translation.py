"""`TranslationModel`: what the image-to-image translation models (pix2pix, CycleGAN, StarGAN)
add to the one base (`gan_tf.models.base.AdversarialModel`): sample grids of translations of
fixed held-out inputs, loaded once from `sample_source()` (set by the builder) or given with
`set_samples`. Networks by role, optimizers, the step, the random draws, `minimize` and what a
checkpoint holds are the base's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

from gan_tf.errors import UsageError
from gan_tf.images import image_grid
from gan_tf.models.base import AdversarialModel, Logs

__all__ = ["Logs", "TranslationModel", "first_batch", "load_held_out"]


class TranslationModel(AdversarialModel):
    """Base of the translation models; subclasses set their network attributes (named in
    `GENERATORS` / `DISCRIMINATORS`) and implement `train_step` and `grid_columns`."""

    def __init__(self, *, seed: int, **kwargs) -> None:
        super().__init__(seed=seed, **kwargs)
        self.sample_source: Callable[[], Any] | None = None
        self._samples = None

    # --- Sample grids ----------------------------------------------------------------------------

    def set_samples(self, samples) -> None:
        """Fixed held-out inputs for `sample_grid` (the structure the subclass expects)."""
        self._samples = samples

    def samples(self):
        if self._samples is None:
            if self.sample_source is None:
                raise UsageError(f"{self.name}: no held-out samples: call set_samples first")
            self._samples = self.sample_source()
        return self._samples

    def sample_grid(self) -> np.ndarray:
        """uint8 (H, W, C) grid: one row per held-out input; the columns depend on the model."""
        columns = [np.asarray(c, np.float32) for c in self.grid_columns(self.samples())]
        channels = max(c.shape[-1] for c in columns)
        columns = [np.repeat(c, channels, -1) if c.shape[-1] != channels else c for c in columns]
        rows = columns[0].shape[0]
        # (rows, cols, h, w, c) -> row-major list of images.
        images = np.stack(columns, axis=1).reshape((-1, *columns[0].shape[1:]))
        return image_grid(images, rows=rows)

    def grid_columns(self, samples) -> list[np.ndarray]:
        raise NotImplementedError


def first_batch(dataset: tf.data.Dataset):
    return tf.nest.map_structure(lambda t: t.numpy(), next(iter(dataset)))


def load_held_out(make: Callable[[bool], tf.data.Dataset]):
    """The first batch of the held-out split, or of the training split when the data has no
    held-out split (e.g. a user's folder with train/ only)."""
    try:
        return first_batch(make(False))
    except UsageError:
        return first_batch(make(True))
