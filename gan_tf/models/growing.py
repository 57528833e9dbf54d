"""Progressive growing in a model (Karras et al. 2018, sec. 2; train.py `TrainingSchedule`,
`process_reals`): what PGGAN and StyleGAN share.

Training runs in phases (`GrowingSettings.phases`), a stable phase at 4x4, then per
resolution a fade-in and a stable phase. Within a phase the networks' shape is fixed and the
step traces once; the runner starts each phase with `enter_phase`, which retraces the step and
zeroes both optimizers' state (train.py `reset_opt_for_new_lod`).

During a fade-in the new block's weight alpha rises linearly with the images shown, from 0 to
1 over the phase; it blends G's output, D's input features and the real images alike (the
reals' lower level of detail, upsampled, is blended in as G's is). alpha is a pure function
of the checkpointed image count (`Schedule`), so a run stopped in a fade-in resumes at the
same alpha.

A growing model is `Growing` first in its bases, before the `NoiseToImageGAN` whose step it
wraps, and its networks have `grow`/`score`-style methods at a level, as
`gan_tf.networks.pggan`'s.
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

from gan_tf.configs.growing import Phase, phase_at
from gan_tf.models import updates
from gan_tf.models.hooks import Schedule
from gan_tf.networks.pggan import downsample, lerp, upsample


def fade_in_alpha(phases: Sequence[Phase], images: tf.Tensor) -> tf.Tensor:
    """alpha after `images` images shown: (images - phase start) / phase length within a
    fade-in, 1 elsewhere (train.py: lod falls linearly over lod_transition_kimg)."""
    images = tf.cast(images, tf.float64)
    alpha = tf.constant(1.0, tf.float64)
    for phase in phases:
        if phase.fading:
            shown_after = phase.shown_before + phase.steps * phase.batch_size
            inside = (images >= phase.shown_before) & (images < shown_after)
            begin = phase.begin_image
            ramp = tf.minimum((images - begin) / phase.images, 1.0)
            alpha = tf.where(inside, ramp, alpha)
    return tf.cast(alpha, tf.float32)


def resolution_at(phases: Sequence[Phase], images: tf.Tensor) -> tf.Tensor:
    """The side of the images trained on after `images` images shown."""
    resolution = tf.constant(phases[0].resolution, tf.int64)
    for phase in phases[1:]:
        resolution = tf.where(
            images >= phase.shown_before, tf.constant(phase.resolution, tf.int64), resolution
        )
    return resolution


def batch_size_at(phases: Sequence[Phase], step: tf.Tensor) -> tf.Tensor:
    """The batch of the phase that `step` (a tensor) belongs to."""
    batch = tf.constant(phases[0].batch_size, tf.int64)
    for phase in phases[1:]:
        begin = tf.constant(phase.begin_step, tf.int64)
        batch = tf.where(
            tf.cast(step, tf.int64) >= begin, tf.constant(phase.batch_size, tf.int64), batch
        )
    return batch


def growing_schedule(phases: Sequence[Phase]) -> Schedule:
    """The schedule a growing model reads: alpha and the resolution, from the images shown."""
    return Schedule(
        {
            "alpha": lambda images: fade_in_alpha(phases, images),
            "resolution": lambda images: resolution_at(phases, images),
        }
    )


class Growing:
    """The phases of a growing model: call `init_growing` in `__init__`; `on_phase` is the
    hook a variant uses to adjust itself to a phase (a penalty's scale, learning rates)."""

    def init_growing(self, phases: Sequence[Phase], reset_optimizers: bool) -> None:
        self.phases = tuple(phases)
        self.phase = self.phases[0]
        self.reset_optimizers = reset_optimizers

    def phase_boundaries(self) -> tuple[int, ...]:
        return tuple(phase.begin_step for phase in self.phases[1:])

    def enter_phase(self, step: int) -> None:
        """Fixes the networks' shape for the phase of `step`, retraces the step, and at the
        start of a phase zeroes the optimizers' state (zeroing again on resuming there is the
        same)."""
        phase = phase_at(self.phases, step)
        if phase != self.phase:
            self.train_function = None  # Keras traces the step again at the next fit
        self.phase = phase
        self.on_phase(phase)
        if self.reset_optimizers and step == phase.begin_step and step > 0:
            updates.reset_optimizer_state(self.d_optimizer)
            updates.reset_optimizer_state(self.g_optimizer)

    def on_phase(self, phase: Phase) -> None:
        """Called on entering `phase` (and on resuming in it)."""

    def alpha(self) -> tf.Tensor | None:
        """The fade-in's alpha at this step, None in a stable phase."""
        return self.schedule("alpha") if self.phase.fading else None

    def d_scores(self, images, labels, training):
        """D at the phase's level, the newest block faded in by alpha."""
        return self.discriminator.score(images, self.phase.level, self.alpha())

    def train_step(self, real_images):
        alpha = self.alpha()
        # The stage a plain call of G shows (grids, the EMA network, evaluation).
        self.generator.show(self.phase.level, 1.0 if alpha is None else alpha)
        if alpha is not None:  # the reals fade in as G's output does (train.py process_reals)
            real_images = lerp(upsample(downsample(real_images)), real_images, alpha)
        return super().train_step(real_images)
