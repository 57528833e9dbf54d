"""StyleGAN2 (Karras et al. 2020): the core's step with a style-based generator.

What differs from the core (`NoiseToImageGAN`):
- the networks (`gan_tf.networks.stylegan2`); G in training maps z to w (moving the tracked
  average of w), mixes the ws of two z at a random layer with probability `style_mixing`
  (StyleGAN, sec. 3.1; loss.py `run_G`), and draws every layer's noise from the step's seed;
- the loss: the non-saturating logistic loss (appendix B), D: softplus(D(G(z))) +
  softplus(-D(x)), G: softplus(-D(G(z)));
- the regularisers, both lazy (appendix B; the core's hooks): R1 with gamma / 2 every 16 D
  updates, and the path-length penalty (sec. 3.2, eq. 4) every 4 G updates;
- the EMA generator, its decay set by a half-life in images (`half_life_decay`).

Per iteration: one D update (and R1 on every 16th), one G update (and the path-length penalty
on every 4th), then the EMA follows G. The authors' loop runs G's phases before D's; the
order within an iteration is a convention of the code, not of the paper.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any, ClassVar

import keras
import tensorflow as tf

from gan_tf import losses
from gan_tf.configs.stylegan2 import StyleGAN2Config
from gan_tf.models import replicas
from gan_tf.models.factory import adam, augmentation
from gan_tf.models.hooks import GeneratorEMA, half_life_decay
from gan_tf.models.noise_to_image import NoiseToImageGAN
from gan_tf.models.regularizers import Logs, R1Penalty, Regularizer, RegularizerInputs
from gan_tf.networks import resampling
from gan_tf.networks import stylegan2 as stylegan2_networks


@dataclasses.dataclass
class PathLengthPenalty(Regularizer):
    """The path-length penalty (Karras et al. 2020, sec. 3.2, eq. 4):

        E_{w, y ~ N(0, I)} (||J_w^T y||_2 - a)^2,   J_w^T y = grad_w (g(w) . y)

    with y normalised by sqrt(H W) so that the length does not depend on the resolution, the
    length averaged over the layers' ws as sqrt(mean_layers sum_w grad^2), and a the running
    mean of the lengths, a <- a + decay (mean length - a), updated each time the penalty is
    computed (loss.py `Gpl`; the gradient also flows through the new a, as there). The batch
    is that of G's update over `batch_shrink`, drawn afresh. `mean` is checkpointed.
    """

    LOG_NAMES: ClassVar[tuple[str, ...]] = ("path_length_penalty", "path_length_mean")

    decay: float = 0.01
    batch_shrink: int = 2

    def __post_init__(self) -> None:
        super().__post_init__()
        self.mean = keras.Variable(0.0, trainable=False, name="path_length_mean")

    def penalty(self, model, inputs: RegularizerInputs) -> tuple[tf.Tensor, Logs]:
        batch = max(inputs.latents.shape[0] // self.batch_shrink, 1)
        z = model.sample_latent(batch)
        labels = model.sample_labels(batch) if model.conditional else None
        ws = model.training_ws(z, labels)
        lengths = jacobian_lengths(
            model.synthesize, ws, lambda shape: model.sample_normal(batch, *shape[1:])
        )
        mean = self.mean + self.decay * (tf.reduce_mean(lengths) - self.mean)
        self.mean.assign(tf.stop_gradient(mean))
        value = tf.reduce_mean(tf.square(lengths - mean))
        return value, {"path_length_penalty": value, "path_length_mean": tf.stop_gradient(mean)}


def jacobian_lengths(
    synthesize: Callable[[tf.Tensor], tf.Tensor],
    ws: tf.Tensor,
    sample_normal: Callable[[tf.TensorShape], tf.Tensor],
) -> tf.Tensor:
    """||J_w^T y|| per sample (sec. 3.2, eq. 4): the gradient of sum(g(w) * y) w.r.t. the ws,
    y = `sample_normal(images' shape)` / sqrt(H W), its length by `path_lengths`. Differentiable,
    so that the penalty's own gradient flows through it."""
    with tf.GradientTape() as tape:
        tape.watch(ws)
        images = synthesize(ws)
        _, height, width, _ = images.shape
        y = sample_normal(images.shape) / math.sqrt(height * width)
        projection = tf.reduce_sum(images * y)
    return path_lengths(tape.gradient(projection, ws))  # gradients (N, num_ws, w_dim)


def path_lengths(gradients: tf.Tensor) -> tf.Tensor:
    """||J^T y|| per sample from the gradients w.r.t. the ws (N, num_ws, w_dim):
    sqrt(mean over layers of the squared norm over w)."""
    return tf.sqrt(tf.reduce_mean(tf.reduce_sum(tf.square(gradients), axis=2), axis=1))


class StyleGAN2(NoiseToImageGAN):
    """The core with StyleGAN2's generator in training: style mixing, noise from the step's
    seed, the path-length penalty's state checkpointed.

    Args beyond the core's:
      style_mixing: probability that a batch's ws mix two z at a random layer.
      path_length: the path-length penalty (among G's regularisers), or None.
    """

    def __init__(
        self,
        *args,
        style_mixing: float,
        path_length: PathLengthPenalty | None = None,
        **kwargs,
    ) -> None:
        g_regularizers = [path_length] if path_length is not None else []
        super().__init__(*args, g_regularizers=g_regularizers, **kwargs)
        self.style_mixing = float(style_mixing)
        self.path_length = path_length

    def train_step(self, data):
        # The resampling filters as XLA compiles them fast (`resampling.filter_by_shifts`).
        with resampling.filter_by_shifts(bool(self.jit_compile)):
            return super().train_step(data)

    def checkpoint_objects(self) -> dict[str, Any]:
        objects = super().checkpoint_objects()
        if self.path_length is not None:
            objects["path_length_mean"] = self.path_length.mean
        return objects

    def training_ws(self, z: tf.Tensor, labels: tf.Tensor | None) -> tf.Tensor:
        """The ws G trains on: z mapped (tracking w's average); with probability
        `style_mixing` the layers from a random cutoff in [1, num_ws) take the ws of a second
        z instead (one cutoff per batch, as loss.py `run_G`)."""
        ws = self.generator.mapping(z, labels, track=True)
        if not self.style_mixing:
            return ws
        layers = self.generator.num_ws
        other = self.generator.mapping(self.sample_latent(z.shape[0]), labels)
        # Scalars the same on every replica: drawn from the shared seed, not sliced.
        mix = tf.random.stateless_uniform([], self.next_seed()) < self.style_mixing
        cutoff = tf.random.stateless_uniform(
            [], self.next_seed(), minval=1, maxval=layers, dtype=tf.int32
        )
        cutoff = tf.where(mix, cutoff, layers)
        return tf.where(tf.range(layers)[None, :, None] < cutoff, ws, other)

    def synthesize(self, ws: tf.Tensor) -> tf.Tensor:
        """G's synthesis network on `ws`, its noise drawn from the step's seed, as float32."""
        images = self.generator.synthesize(ws, "random", self.next_seed())
        return tf.cast(images, tf.float32)

    def generate(self, z, labels=None, training=False, ema=False):
        if not training:  # grids, evaluation: G's call (noise seeded by z)
            return super().generate(z, labels, training, ema)
        return self.synthesize(self.training_ws(z, labels))


def generator_arguments(config: StyleGAN2Config) -> dict[str, Any]:
    """The style-based generators' arguments from a StyleGAN or StyleGAN2 config."""
    return dict(
        latent_dim=config.latent_dim,
        resolution=config.image_size,
        channels=config.channels,
        w_dim=config.w_dim,
        mapping_layers=config.mapping_layers,
        channel_base=config.channel_base,
        channel_max=config.channel_max,
        mapping_lr_multiplier=config.mapping_lr_multiplier,
        name="generator",
    )


def build_stylegan2(config: StyleGAN2Config) -> StyleGAN2:
    """StyleGAN2 from its config (any preset): the networks, the logistic loss, lazy R1 and
    path-length penalty, style mixing, the EMA by half-life, Adam adjusted for both lazy
    intervals (as the authors' training loop does whether or not a penalty's weight is 0)."""
    classes = config.num_classes
    generator = stylegan2_networks.StyleGAN2Generator(
        **generator_arguments(config), num_classes=classes
    )
    discriminator = stylegan2_networks.StyleGAN2Discriminator(
        config.image_size,
        config.channels,
        architecture=config.d_architecture,
        channel_base=config.channel_base,
        channel_max=config.channel_max,
        mbstd_group=config.mbstd_group,
        num_classes=classes,
        name="discriminator",
    )
    d_regularizers = []
    if config.r1_gamma:
        d_regularizers.append(R1Penalty(weight=config.r1_gamma / 2, interval=config.d_reg_interval))
    path_length = None
    if config.pl_weight:
        path_length = PathLengthPenalty(
            weight=config.pl_weight,
            interval=config.g_reg_interval,
            decay=config.pl_decay,
            batch_shrink=config.pl_batch_shrink,
        )
    ema = GeneratorEMA(
        generator,
        half_life_decay(config.batch_size, config.ema_half_life_images, config.ema_rampup),
    )
    model = StyleGAN2(
        generator,
        discriminator,
        latent_dim=config.latent_dim,
        d_steps=1,
        g_steps=1,
        num_classes=classes,
        seed=config.seed,
        d_regularizers=d_regularizers,
        ema=ema,
        augmentation=augmentation(config),
        style_mixing=config.style_mixing,
        path_length=path_length,
        name=config.variant,
    )
    betas = (config.beta_1, config.beta_2)
    model.compile(
        d_optimizer=adam(
            config.d_learning_rate, *betas, config.d_reg_interval, epsilon=config.adam_epsilon
        ),
        g_optimizer=adam(
            config.g_learning_rate, *betas, config.g_reg_interval, epsilon=config.adam_epsilon
        ),
        d_loss_fn=losses.minimax_discriminator_loss,
        g_loss_fn=losses.non_saturating_generator_loss,
        jit_compile=replicas.jit_compile_of(config),
    )
    return model
