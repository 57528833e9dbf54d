"""PGGAN (Karras et al. 2018): the core's step on networks that grow.

What differs from the core: the networks (`gan_tf.networks.pggan`), the loss (WGAN-GP's with
lambda 10 plus the drift term 0.001 E[D(x)^2], appendix A.1), and the schedule (sec. 2,
train.py `TrainingSchedule`): training runs in phases (`PGGANConfig.phases`), a stable phase
at 4x4, then per resolution a fade-in and a stable phase. Within a phase the networks' shape is
fixed and the step traces once; the runner starts each phase with `enter_phase`, which
retraces the step and zeroes both optimizers' state (train.py `reset_opt_for_new_lod`).

During a fade-in the new block's weight alpha rises linearly with the images shown, from 0 to
1 over the phase; it blends G's output, D's input features and the real images alike
(train.py `process_reals`: the reals' lower level of detail, upsampled, is blended in as G's
is). alpha is a pure function of the checkpointed image count (`Schedule`), so a run stopped
in a fade-in resumes at the same alpha.

The gradient penalty's norm is taken per unit of the final-resolution image, as in the authors'
code, where D sees every image at full size (upsampled) and downsamples it inside: at side r
of a final side R the norm is that at side r times r / R.
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

from gan_tf import losses
from gan_tf.configs.pggan import PGGANConfig, Phase, phase_at
from gan_tf.models import replicas, updates
from gan_tf.models.factory import adam_optimizers, core_arguments
from gan_tf.models.hooks import Schedule
from gan_tf.models.noise_to_image import NoiseToImageGAN
from gan_tf.models.regularizers import GradientPenalty
from gan_tf.networks import pggan as pggan_networks


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


class PGGAN(NoiseToImageGAN):
    """The core with growing networks, the WGAN-GP loss and the drift term.

    Args beyond the core's:
      phases: the schedule (`PGGANConfig.phases`).
      gp_weight: lambda of the gradient penalty.
      drift_weight: epsilon_drift of the drift term.
      reset_optimizers: zero both optimizers' state when a phase begins.
    """

    def __init__(
        self,
        *args,
        phases: Sequence[Phase],
        gp_weight: float,
        drift_weight: float,
        reset_optimizers: bool = True,
        **kwargs,
    ) -> None:
        self.penalty = GradientPenalty(weight=gp_weight)
        schedule = Schedule(
            {
                "alpha": lambda images: fade_in_alpha(phases, images),
                "resolution": lambda images: resolution_at(phases, images),
            }
        )
        super().__init__(
            *args,
            d_regularizers=[self.penalty, *kwargs.pop("d_regularizers", ())],
            schedule=schedule,
            **kwargs,
        )
        self.phases = tuple(phases)
        self.phase = self.phases[0]
        self.drift_weight = drift_weight
        self.reset_optimizers = reset_optimizers

    # --- Phases ----------------------------------------------------------------------------------

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
        resolution = self.generator.resolution
        self.penalty.gradient_scale = phase.resolution / resolution
        if self.reset_optimizers and step == phase.begin_step and step > 0:
            updates.reset_optimizer_state(self.d_optimizer)
            updates.reset_optimizer_state(self.g_optimizer)

    def alpha(self) -> tf.Tensor | None:
        """The fade-in's alpha at this step, None in a stable phase."""
        return self.schedule("alpha") if self.phase.fading else None

    # --- Networks at the phase's resolution ------------------------------------------------------

    def generate(self, z, labels=None, training=False, ema=False):
        if not training:  # grids, evaluation: the full-size output of the stage G shows
            return super().generate(z, labels, training, ema)
        images = self.generator.grow(z, self.phase.level, self.alpha())
        return tf.cast(images, tf.float32)

    def discriminate(self, images, labels=None, training=False):
        scores = self.discriminator.score(images, self.phase.level, self.alpha())
        return tf.cast(scores, tf.float32)

    # --- The step --------------------------------------------------------------------------------

    def discriminator_loss(self, real_scores, fake_scores):
        critic_loss = losses.wasserstein_critic_loss(real_scores, fake_scores)
        drift = losses.drift_penalty(real_scores)
        return critic_loss + self.drift_weight * drift, {
            "wasserstein_estimate": -critic_loss,
            "drift": drift,
        }

    def train_step(self, real_images):
        alpha = self.alpha()
        # The stage a plain call of G shows (grids, the EMA network, evaluation).
        self.generator.show(self.phase.level, 1.0 if alpha is None else alpha)
        if alpha is not None:  # the reals fade in as G's output does (train.py process_reals)
            coarse = pggan_networks.upsample(pggan_networks.downsample(real_images))
            real_images = pggan_networks.lerp(coarse, real_images, alpha)
        return super().train_step(real_images)


def build_pggan(config: PGGANConfig) -> PGGAN:
    """PGGAN from its config (any preset): the growing networks, WGAN-GP with the drift term,
    Adam at the config's rate, betas and epsilon, G's moving average."""
    networks = dict(
        resolution=config.image_size,
        channels=config.channels,
        fmap_base=config.fmap_base,
        fmap_decay=config.fmap_decay,
        fmap_max=config.fmap_max,
    )
    generator = pggan_networks.ProgressiveGenerator(config.latent_dim, **networks)
    discriminator = pggan_networks.ProgressiveDiscriminator(
        **networks, group_size=config.minibatch_group
    )
    model = PGGAN(
        generator,
        discriminator,
        **core_arguments(config, generator),
        phases=config.phases(),
        gp_weight=config.gp_weight,
        drift_weight=config.drift_weight,
        reset_optimizers=config.reset_optimizers,
    )
    model.compile(
        **adam_optimizers(config),
        d_loss_fn=losses.wasserstein_critic_loss,
        g_loss_fn=losses.wasserstein_generator_loss,
        d_output_fn=None,
        jit_compile=replicas.jit_compile_of(config),
    )
    return model
