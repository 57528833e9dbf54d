"""`TranslationModel`: what the image-to-image translation models (pix2pix, CycleGAN, StarGAN)
share, so that each of their files states only its paper's networks, losses and step.

- Networks and optimizers: a subclass names its generator and discriminator attributes in
  `GENERATORS` / `DISCRIMINATORS`; one optimizer trains all generators, one all discriminators
  (as in the authors' code; Adam treats every variable separately, so this equals one each).
  `compile` takes the two optimizers, `build_optimizers` creates their slots, and
  `checkpoint_objects` lists networks, optimizers and step for `gan_tf.training.checkpoints`.
- `step`: training iterations done; checkpointed, and part of every random seed.
- `_next_seed()`: a stateless seed per draw site, step and replica, so the step compiles with
  XLA, traces once and resumes deterministically. (Unlike the noise of the adversarial core, the
  draws here, e.g. StarGAN's target domains, are per replica, so N replicas match one device in
  distribution, not draw for draw.)
- `sample_grid()`: translations of fixed held-out inputs, loaded once from `sample_source()`
  (set by the builder) or given with `set_samples`.

Mixed precision and distribution work as in the adversarial core (`gan_tf.models.updates`):
`compile` wraps the optimizers in a `LossScaleOptimizer` when the networks compute in float16
and turns XLA off across replicas; the subclasses cast network outputs to float32, so losses
and StarGAN's gradient penalty are float32; losses are divided by the number of replicas and
Keras averages the logged values over replicas.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from gan_tf.errors import UsageError
from gan_tf.images import image_grid
from gan_tf.models import precision, replicas, updates

Logs = dict[str, tf.Tensor]


class TranslationModel(replicas.BuiltBeforeFit, keras.Model):
    """Base of the translation models; see the module docstring.

    Subclasses set `GENERATORS` and `DISCRIMINATORS` to the names of their network attributes
    and implement `train_step` and `grid_columns`.
    """

    GENERATORS: tuple[str, ...] = ("generator",)
    DISCRIMINATORS: tuple[str, ...] = ("discriminator",)

    def __init__(self, *, seed: int = 0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.seed = seed
        self.step = updates.step_counter()
        # Draw-site counter; thread-local because MirroredStrategy traces each replica's step
        # in its own thread.
        object.__setattr__(self, "_trace_state", threading.local())
        self.sample_source: Callable[[], Any] | None = None
        self._samples = None

    # --- Set-up ----------------------------------------------------------------------------------

    def compile(
        self,
        g_optimizer: keras.optimizers.Optimizer,
        d_optimizer: keras.optimizers.Optimizer,
        **kwargs,
    ) -> None:
        """g_optimizer trains every generator, d_optimizer every discriminator; Keras's own
        arguments (`jit_compile`, ...) pass through, jit_compile off across replicas."""
        if "jit_compile" in kwargs:
            kwargs["jit_compile"] = replicas.jit_compile_for(
                kwargs["jit_compile"], self.distribute_strategy
            )
        super().compile(**kwargs)
        self.g_optimizer = precision.with_loss_scaling(g_optimizer, self._networks(self.GENERATORS))
        self.d_optimizer = precision.with_loss_scaling(
            d_optimizer, self._networks(self.DISCRIMINATORS)
        )

    def _networks(self, names: tuple[str, ...]) -> list[keras.Model]:
        return [getattr(self, name) for name in names]

    @property
    def generator_variables(self) -> list:
        return [v for n in self._networks(self.GENERATORS) for v in n.trainable_variables]

    @property
    def discriminator_variables(self) -> list:
        return [v for n in self._networks(self.DISCRIMINATORS) for v in n.trainable_variables]

    def build_optimizers(self) -> None:
        """Creates the optimizers' slot variables now, so a checkpoint can be restored before
        the first step and no variable is created inside a compiled or distributed step."""
        for optimizer, variables in (
            (self.g_optimizer, self.generator_variables),
            (self.d_optimizer, self.discriminator_variables),
        ):
            if not optimizer.built:
                optimizer.build(variables)

    def checkpoint_objects(self) -> dict[str, Any]:
        """Every network by its attribute name, both optimizers (and their loss scales under
        float16) and the step."""
        return {
            **{name: getattr(self, name) for name in self.GENERATORS + self.DISCRIMINATORS},
            **updates.optimizer_entries(g_optimizer=self.g_optimizer, d_optimizer=self.d_optimizer),
            "step": self.step,
        }

    # --- Randomness ------------------------------------------------------------------------------

    def _start_step(self) -> None:
        """Call at the start of `train_step`: numbers the draw sites from 1."""
        self._trace_state.draws = 0

    def _next_seed(self) -> tf.Tensor:
        self._trace_state.draws = getattr(self._trace_state, "draws", 0) + 1
        context = tf.distribute.get_replica_context()
        replica = context.replica_id_in_sync_group if context is not None else 0
        return tf.stack(
            [
                tf.constant(self.seed, tf.int64) * 1024 + tf.cast(replica, tf.int64),
                self.step.value * 1024 + self._trace_state.draws,
            ]
        )

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
