"""`AdversarialModel`: the one base of every gan_tf model, noise-to-image and translation alike.

What it holds, so that a variant's file states only its paper's networks, losses and step:
- networks by role: a subclass names its generator and discriminator attributes in
  `GENERATORS` / `DISCRIMINATORS`; one optimizer trains all generators, one all
  discriminators (as the authors' codes of CycleGAN and StarGAN do; Adam treats every variable
  on its own, so this equals one optimizer per network);
- `step`, the training iterations done: checkpointed, and part of every random seed;
- the random draws: stateless TF ops seeded by (seed, step, draw site) with one named
  algorithm, so a step is a pure function of its inputs and state: it compiles with XLA,
  traces once and resumes deterministically. Under tf.distribute each replica keeps its slice
  of the global draw, so N replicas see the noise of one device with the same global batch;
- `minimize(role, loss_fn)`: one optimizer update, loss and replica scaling inside;
- the hooks of the modern GANs: the generator's exponential moving average (`ema`) and a
  schedule a step can read (`schedule`), both checkpointed (`gan_tf.models.hooks`);
- `checkpoint_objects()`: what a checkpoint holds (`gan_tf.training.checkpoints`).

Mixed precision (`gan_tf.models.precision`): networks may compute in float16 or bfloat16;
subclasses cast network outputs to float32, so losses, penalties and logs are float32, and with
float16 both optimizers are wrapped in Keras's `LossScaleOptimizer` at `compile`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import keras
import tensorflow as tf

from gan_tf.models import precision, replicas, updates
from gan_tf.models.hooks import GeneratorEMA, Schedule

Logs = dict[str, tf.Tensor]

# One named random-number algorithm, so a run's noise does not depend on what "auto" picks.
# (XLA's Philox stream still differs from the TF kernels' for run-time seeds: a run with and one
# without jit_compile draw different noise; each is repeatable on its own.)
RNG = "philox"
# Draw sites numbered per step: seeds are (seed, step * DRAW_SITES + site).
DRAW_SITES = 1024
# The checkpoint entry with every network's weights in a flat list (`checkpoint_objects`).
NETWORK_WEIGHTS = "network_weights"


class AdversarialModel(replicas.BuiltBeforeFit, keras.Model):
    """Generators, discriminators, their two optimizers, the step and the random draws.

    Subclasses set the network attributes named in `GENERATORS` / `DISCRIMINATORS` before
    `compile`, and implement `train_step`.

    Args:
      seed: base seed of every random draw inside the step.
      ema: an exponential moving average of the generator, or None.
      schedule: values that change over training, read by the step, or None.
    """

    GENERATORS: tuple[str, ...] = ("generator",)
    DISCRIMINATORS: tuple[str, ...] = ("discriminator",)

    def __init__(
        self,
        *,
        seed: int,
        ema: GeneratorEMA | None = None,
        schedule: Schedule | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.seed = int(seed)
        self.ema = ema
        self.schedule = schedule
        self.step = updates.step_counter()
        # Draw-site counter; thread-local because MirroredStrategy traces each replica's step
        # in its own thread, and the replicas must number their draw sites alike.
        object.__setattr__(self, "_trace_state", threading.local())
        # The networks arrive built; nothing of this wrapper's own needs an input to build, and
        # fit() under tf.distribute would otherwise try to build it by calling it on data.
        self.built = True

    # --- Set-up ---------------------------------------------------------------------------------

    def compile(
        self,
        *,
        d_optimizer: keras.optimizers.Optimizer,
        g_optimizer: keras.optimizers.Optimizer,
        **kwargs,
    ) -> None:
        """d_optimizer trains every discriminator, g_optimizer every generator (keywords only,
        so they cannot be swapped). Keras's own arguments (`jit_compile`, ...) pass through;
        with more than one replica `jit_compile` is turned off with a warning. An optimizer
        of a network that computes in float16 is wrapped in a `LossScaleOptimizer`. Call it in
        the strategy scope the model was built in."""
        if "jit_compile" in kwargs:
            kwargs["jit_compile"] = replicas.jit_compile_for(
                kwargs["jit_compile"], self.distribute_strategy
            )
        super().compile(**kwargs)
        self.d_optimizer = precision.with_loss_scaling(d_optimizer, self.networks("d"))
        self.g_optimizer = precision.with_loss_scaling(g_optimizer, self.networks("g"))
        self.build_optimizers()

    def networks(self, role: str) -> list[keras.Model]:
        """The generators ("g") or the discriminators ("d")."""
        names = {"g": self.GENERATORS, "d": self.DISCRIMINATORS}[role]
        return [getattr(self, name) for name in names]

    def trainable_variables_of(self, role: str) -> list:
        return [v for network in self.networks(role) for v in network.trainable_variables]

    def optimizer_of(self, role: str) -> keras.optimizers.Optimizer:
        return {"g": self.g_optimizer, "d": self.d_optimizer}[role]

    def build_optimizers(self) -> None:
        """Creates the optimizers' slot variables now (Keras creates them lazily otherwise): a
        checkpoint can then be restored before the first step, and no variable is created
        inside a compiled or distributed step."""
        for role in ("d", "g"):
            optimizer = self.optimizer_of(role)
            if not optimizer.built:
                optimizer.build(self.trainable_variables_of(role))

    def checkpoint_objects(self) -> dict[str, Any]:
        """What a checkpoint holds: every network by its attribute name, both optimizers (and
        their loss scales under float16), the step, and the EMA generator and the schedule
        when the model has them; and every network's weights as a flat list
        (`NETWORK_WEIGHTS`), because TF's checkpoints do not follow a Keras network's layers
        held in nested Python lists (the growing and style-based networks'), whose weights
        would otherwise be saved only where an optimizer holds them, and an EMA network's not
        at all."""
        networks = {name: getattr(self, name) for name in self.GENERATORS + self.DISCRIMINATORS}
        objects = {
            **networks,
            **updates.optimizer_entries(d_optimizer=self.d_optimizer, g_optimizer=self.g_optimizer),
            "step": self.step,
        }
        if self.ema is not None:
            objects["generator_ema"] = self.ema.network
            networks["generator_ema"] = self.ema.network
        if self.schedule is not None:
            objects["schedule"] = self.schedule
        weights = tf.Module(name=NETWORK_WEIGHTS)
        for name, network in networks.items():
            setattr(weights, name, list(network.weights))
        objects[NETWORK_WEIGHTS] = weights
        return objects

    # --- Phases of training ----------------------------------------------------------------------

    def phase_boundaries(self) -> tuple[int, ...]:
        """Steps at which the step's computation changes shape (progressive growing: a new
        resolution or fade-in, `gan_tf.models.pggan`); the runner starts a new `fit` there,
        with its data, after `enter_phase`. None for a model with one phase."""
        return ()

    def enter_phase(self, step: int) -> None:
        """Called by the runner before training from `step` (a boundary or the step a run
        starts or resumes from)."""

    # --- One optimizer update --------------------------------------------------------------------

    def minimize(
        self,
        role: str,
        loss_fn: Callable[[], tuple[tf.Tensor, Logs]],
        tape: tf.GradientTape | None = None,
    ) -> tuple[tf.Tensor, Logs, tf.Tensor]:
        """One update of the generators ("g") or discriminators ("d") on `loss_fn()`.

        `loss_fn` returns (loss, extra logs): the float32 mean over this replica's batch. It
        runs inside a gradient tape (`tape`, re-entered, when the caller recorded part of the
        forward pass on it already). The loss is divided by the number of replicas (the
        optimizer sums their gradients, so the update is that of the global mean) and scaled
        by a `LossScaleOptimizer`'s loss scale (Micikevicius et al. 2018, sec. 3.2).

        Returns (loss, extra logs, norm of the unscaled gradient of this replica's loss).
        """
        optimizer = self.optimizer_of(role)
        variables = self.trainable_variables_of(role)
        tape = tape if tape is not None else tf.GradientTape()
        with tape:
            loss, logs = loss_fn()
            scaled = optimizer.scale_loss(loss / updates.num_replicas())
        norm = updates.apply_gradients(optimizer, tape.gradient(scaled, variables), variables)
        return loss, logs, norm

    # --- Random draws (stateless, so XLA- and distribution-friendly) -----------------------------

    def start_step(self) -> None:
        """Call at the start of `train_step`: numbers the draw sites from 1."""
        self._trace_state.draws = 0

    def next_seed(self) -> tf.Tensor:
        """A fresh stateless seed, distinct per draw site in the step and per step.

        A counter numbers the draw sites while the step is traced (it is traced once), so each
        site gets a fixed stream number and successive steps advance through `self.step`.
        """
        self._trace_state.draws = getattr(self._trace_state, "draws", 0) + 1
        draw = self._trace_state.draws
        seed = tf.stack([tf.constant(self.seed, tf.int64), self.step.value * DRAW_SITES + draw])
        # Inside a loop traced once (`repeated_draws`) the site also needs the loop counter.
        counter = getattr(self._trace_state, "loop_counter", None)
        if counter is not None:
            seed = tf.random.experimental.stateless_fold_in(seed, counter)
        return seed

    @contextlib.contextmanager
    def repeated_draws(self, counter: tf.Tensor):
        """Draws made inside a `tf.while_loop` body (traced once, run many times) differ per
        iteration: their seeds fold in the loop counter."""
        self._trace_state.loop_counter = counter
        try:
            yield
        finally:
            self._trace_state.loop_counter = None

    def _draw_for_replica(self, draw, batch_size: int, *shape: int) -> tf.Tensor:
        """`draw(shape)` for this replica's part of the global batch: every replica draws the
        same global sample and keeps its own slice."""
        replicas_in_sync = self.distribute_strategy.num_replicas_in_sync
        if replicas_in_sync == 1:
            return draw((batch_size, *shape))
        full = draw((batch_size * replicas_in_sync, *shape))
        replica = tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group, tf.int32)
        return tf.gather(full, tf.range(batch_size) + replica * batch_size)

    def sample_normal(self, batch_size: int, *shape: int) -> tf.Tensor:
        """N(0, 1) noise of shape (batch_size, *shape)."""
        seed = self.next_seed()
        return self._draw_for_replica(
            lambda s: tf.random.stateless_normal(s, seed=seed, alg=RNG), batch_size, *shape
        )

    def sample_uniform(self, batch_size: int, *shape: int) -> tf.Tensor:
        """Uniform[0, 1) noise, e.g. WGAN-GP's interpolation coefficients."""
        seed = self.next_seed()
        return self._draw_for_replica(
            lambda s: tf.random.stateless_uniform(s, seed=seed, alg=RNG), batch_size, *shape
        )

    def sample_integers(self, batch_size: int, minval: int, maxval: int) -> tf.Tensor:
        """Integers uniform in [minval, maxval), shape (batch_size,)."""
        seed = self.next_seed()
        return self._draw_for_replica(
            lambda s: tf.random.stateless_uniform(
                s, seed=seed, minval=minval, maxval=maxval, dtype=tf.int32, alg=RNG
            ),
            batch_size,
        )

    @staticmethod
    def critic_batch(images: tf.Tensor, d_steps: int) -> int:
        """Examples per D update: a step's batch holds one slice per D update (the pipelines
        give `batch_size * d_steps` examples). Raises ValueError for a batch that does not
        divide, or one of unknown size."""
        total = images.shape[0]
        if total is None:
            # Keras retraces a step for a second input shape with the batch left unknown.
            raise ValueError(
                "the step needs a fixed batch size; a fit with another batch size than the "
                "model's first needs model.make_train_function(force=True) before it"
            )
        if total % d_steps:
            raise ValueError(
                f"a real batch of {total} images does not divide into d_steps={d_steps} "
                "critic updates: feed batches of batch_size * d_steps images with "
                "drop_remainder=True (as gan_tf's pipelines do)"
            )
        return total // d_steps

    # --- Hooks' bookkeeping inside the step ------------------------------------------------------

    def finish_step(self, logs: Logs, images: int) -> Logs:
        """Call at the end of `train_step`: counts the step, advances the schedule by the
        `images` (per replica) the step showed D, and returns the logs in a form Keras can
        average over replicas and workers (with the schedule's values this step trained at)."""
        self.step.assign_add(1)
        if self.schedule is not None:
            logs = {**logs, **self.schedule.logs()}
            self.schedule.advance(images * updates.num_replicas())
        return replicas.keras_reducible(logs)
