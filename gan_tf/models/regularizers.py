"""Regularisers added to either network's loss, with access to what they need, and applied
every step or lazily.

A regulariser gets the model (its networks and random draws) and `RegularizerInputs` (real
images, fakes, noise, labels) and returns its unweighted value and logs; the model adds
`weight * value` to the network's loss. With `interval` k > 1 it is lazy (Karras et al. 2020,
"Analyzing and Improving the Image Quality of StyleGAN", sec. 3.1 and appendix B): applied as
an update of its own every k-th update of that network, weighted by k, and the network's
optimizer has its learning rate and betas adjusted (`lazy_adam_settings`). The choice of step
is a tensor (`tf.cond`), so the step still traces once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import ClassVar

import keras
import tensorflow as tf

from gan_tf import losses
from gan_tf.errors import UsageError
from gan_tf.models.precision import nested_layers

Logs = dict[str, tf.Tensor]


@dataclasses.dataclass
class RegularizerInputs:
    """What a regulariser may use; fields a step does not have are None."""

    real_images: tf.Tensor | None = None
    fake_images: tf.Tensor | None = None
    latents: tf.Tensor | None = None
    labels: tf.Tensor | None = None


@dataclasses.dataclass
class Regularizer:
    """`weight * penalty(model, inputs)` added to one network's loss every `interval` updates.

    Subclasses implement `penalty`, returning (unweighted value, logs named `LOG_NAMES`).
    """

    LOG_NAMES: ClassVar[tuple[str, ...]] = ()

    weight: float
    interval: int = 1

    def __post_init__(self) -> None:
        if self.weight < 0:
            raise ValueError(f"a regulariser's weight must be >= 0, got {self.weight}")
        if self.interval < 1:
            raise ValueError(f"a regulariser's interval must be >= 1, got {self.interval}")

    @property
    def lazy(self) -> bool:
        return self.interval > 1

    def penalty(self, model, inputs: RegularizerInputs) -> tuple[tf.Tensor, Logs]:
        raise NotImplementedError


# The pixel units a gradient penalty's norm is measured in, and the chain-rule factor dx/du
# from gan_tf's images x in [-1, 1] to them (u in [0, 1]: x = 2u - 1, so grad_u = 2 grad_x).
PENALTY_PIXEL_RANGES = {"-1,1": 1.0, "0,1": 2.0}


def pixel_range_scale(pixel_range: str) -> float:
    """The factor that turns grad_x D (x in [-1, 1]) into the gradient per unit of
    `pixel_range`'s pixels (`PENALTY_PIXEL_RANGES`); UsageError for another range."""
    if pixel_range not in PENALTY_PIXEL_RANGES:
        raise UsageError(
            f"--penalty_pixel_range must be one of {', '.join(PENALTY_PIXEL_RANGES)}, "
            f"got {pixel_range!r}"
        )
    return PENALTY_PIXEL_RANGES[pixel_range]


@dataclasses.dataclass
class GradientPenalty(Regularizer):
    """WGAN-GP's penalty E[(||grad D(x_hat)||_2 - 1)^2] at random interpolates x_hat of real
    and fake images, eps ~ U[0, 1] per sample (Gulrajani et al. 2017, eq. 3, Algorithm 1 lines
    4-7). `critic(model, images, labels)` gives the scores that are penalised (StarGAN: its
    real/fake head only). `gradient_scale`: the gradient's factor before the norm
    (`pixel_range_scale`; 1: per unit of gan_tf's [-1, 1] pixels)."""

    LOG_NAMES: ClassVar[tuple[str, ...]] = ("gradient_penalty", "gradient_norm")

    critic: Callable | None = None
    gradient_scale: float = 1.0

    def penalty(self, model, inputs: RegularizerInputs) -> tuple[tf.Tensor, Logs]:
        real, fake, labels = inputs.real_images, inputs.fake_images, inputs.labels
        epsilon = model.sample_uniform(real.shape[0])  # one per sample, Uniform[0, 1]
        points = losses.interpolate(real, fake, epsilon)
        critic = self.critic or default_critic
        penalty, norm = losses.gradient_penalty(
            lambda x: critic(model, x, labels), points, gradient_scale=self.gradient_scale
        )
        return penalty, {"gradient_penalty": penalty, "gradient_norm": norm}


@dataclasses.dataclass
class DRAGANPenalty(Regularizer):
    """DRAGAN's penalty E[(||grad D(x_hat)||_2 - 1)^2] around perturbed real data (Kodali et
    al. 2017, "On Convergence and Stability of GANs", arXiv 1705.07215, the DRAGAN penalty
    lambda E[(||grad_x D(x + delta)|| - k)^2], k = 1), as the large-scale study's code
    computes it (Lucic et al. 2018; google/compare_gan 49495fd, src/gans/DRAGAN.py):

      x_p   = x + 0.5 std(x) u,   u ~ U[0, 1) per element, std over the whole real batch
      x_hat = x + alpha (x_p - x),   alpha ~ U[0, 1] per sample
      ||g|| = sqrt(1e-4 + sum(g^2)),   g = grad_x D(x_hat)

    where D is the discriminator's sigmoid output, the probability (compare_gan differentiates
    `D_inter`, the first return of its discriminator, `tf.nn.sigmoid(out_logit)`), not its
    logit: `critic(model, images, labels)` gives it (default `probability_critic`).
    `gradient_scale`: the gradient's factor before the norm (`pixel_range_scale`; compare_gan
    feeds D images in [0, 1], so the study's norm is 2x that per unit of gan_tf's [-1, 1]).
    Under tf.distribute std(x) is that of each replica's slice of the batch.
    """

    LOG_NAMES: ClassVar[tuple[str, ...]] = ("gradient_penalty", "gradient_norm")

    critic: Callable | None = None
    gradient_scale: float = 2.0
    perturbation_scale: float = 0.5  # compare_gan: 0.5 * minibatch.std()
    epsilon: float = 1e-4  # compare_gan: tf.sqrt(0.0001 + sum(gradients^2))

    def penalty(self, model, inputs: RegularizerInputs) -> tuple[tf.Tensor, Logs]:
        real, labels = inputs.real_images, inputs.labels
        noise = model.sample_uniform(*real.shape)  # u ~ U[0, 1) per element
        alpha = model.sample_uniform(real.shape[0])  # one per sample
        perturbed = losses.perturb(real, noise, self.perturbation_scale)
        # x + alpha (x_p - x) = alpha x_p + (1 - alpha) x.
        points = losses.interpolate(perturbed, real, alpha)
        critic = self.critic or probability_critic
        penalty, norm = losses.gradient_penalty(
            lambda x: critic(model, x, labels),
            points,
            epsilon=self.epsilon,
            gradient_scale=self.gradient_scale,
        )
        return penalty, {"gradient_penalty": penalty, "gradient_norm": norm}


@dataclasses.dataclass
class R1Penalty(Regularizer):
    """R1 = gamma / 2 * E[||grad_x D(x)||^2] on real images (Mescheder et al. 2018, "Which
    Training Methods for GANs do actually Converge?", eq. 9). `weight` is gamma / 2;
    `gradient_scale`: the gradient's factor before the norm (a growing model's r / R, as
    `GradientPenalty`'s)."""

    LOG_NAMES: ClassVar[tuple[str, ...]] = ("r1_penalty",)

    gradient_scale: float = 1.0

    def penalty(self, model, inputs: RegularizerInputs) -> tuple[tf.Tensor, Logs]:
        labels = inputs.labels
        value = losses.r1_penalty(
            lambda x: default_critic(model, x, labels), inputs.real_images, self.gradient_scale
        )
        return value, {"r1_penalty": value}


@dataclasses.dataclass
class OrthogonalRegularization(Regularizer):
    """beta * sum over G's weight matrices of ||W^T W * (1 - I)||_F^2 (Brock et al. 2019,
    sec. 3.1, eq. 3; `losses.orthogonal_penalty`), `weight` being beta (the paper: 1e-4).

    A weight is seen as the matrix whose columns are the layer's output units (a kernel of
    shape (..., units) as (fan_in, units), so the Gram matrix is units x units, as the authors'
    `utils.ortho` forms w w^T of PyTorch's (out, in) weights); an embedding table as
    (dim, classes), one column per class, as `ortho` sees PyTorch's (classes, dim) tables.
    Biases, scales and gates (fewer than 2 axes) and the embeddings named in `exclude` (BigGAN:
    the shared class embedding, which the authors' code leaves out) are not regularised.
    The authors' `ortho` adds 2 beta W (W^T W * (1 - I)) to the gradient, half this loss's: with
    the same beta this form pulls twice as hard as their code (their scripts set beta 0).
    """

    LOG_NAMES: ClassVar[tuple[str, ...]] = ("orthogonal_penalty",)

    exclude: tuple[str, ...] = ()

    def matrices(self, network) -> list[tf.Tensor]:
        matrices = []
        for layer in nested_layers(network):
            if layer.name in self.exclude:
                continue
            if isinstance(layer, keras.layers.Embedding):
                matrices.append(tf.transpose(tf.convert_to_tensor(layer.embeddings)))
            elif isinstance(layer, keras.layers.Dense | keras.layers.Conv2D):
                kernel = tf.convert_to_tensor(layer.kernel)
                matrices.append(tf.reshape(kernel, [-1, kernel.shape[-1]]))
        return matrices

    def penalty(self, model, inputs: RegularizerInputs) -> tuple[tf.Tensor, Logs]:
        del inputs
        value = tf.add_n([losses.orthogonal_penalty(w) for w in self.matrices(model.generator)])
        return value, {"orthogonal_penalty": value}


def default_critic(model, images: tf.Tensor, labels: tf.Tensor | None) -> tf.Tensor:
    return model.discriminate(images, labels, training=True)


def probability_critic(model, images: tf.Tensor, labels: tf.Tensor | None) -> tf.Tensor:
    """sigmoid(D(x)): the discriminator's probability of "real" (D's logits through a
    sigmoid), the function DRAGAN's penalty differentiates in the study's code."""
    return tf.sigmoid(default_critic(model, images, labels))


def lazy_adam_settings(
    learning_rate: float, beta_1: float, beta_2: float, interval: int
) -> tuple[float, float, float]:
    """Adam's settings for a network regularised every `interval` updates: with c = k / (k + 1),
    lr * c, beta_1^c, beta_2^c (Karras et al. 2020, appendix B, "Lazy regularization"), so the
    k main updates and the one regulariser update move the weights as k updates would."""
    if interval <= 1:
        return learning_rate, beta_1, beta_2
    c = interval / (interval + 1)
    return learning_rate * c, beta_1**c, beta_2**c


def regularize(
    model, regularizers: list[Regularizer], inputs: RegularizerInputs
) -> tuple[tf.Tensor, Logs]:
    """The non-lazy regularisers' weighted sum, to add to the network's loss inside its tape,
    and their logs."""
    total, logs = tf.constant(0.0), {}
    for regularizer in regularizers:
        if regularizer.lazy:
            continue
        value, reg_logs = regularizer.penalty(model, inputs)
        total += regularizer.weight * value
        logs.update(reg_logs)
    return total, logs


def lazy_updates(
    model,
    role: str,
    regularizers: list[Regularizer],
    inputs: RegularizerInputs,
    update: tf.Tensor,
) -> Logs:
    """The lazy regularisers' own updates of the `role` network: each, on the updates where
    `update % interval == 0`, one optimizer step on `interval * weight * penalty`; on the
    others nothing is computed. Returns their logs (0 on the updates they skip)."""
    logs: Logs = {}
    for regularizer in regularizers:
        if not regularizer.lazy:
            continue
        if model.distribute_strategy.num_replicas_in_sync > 1:
            # tf.distribute cannot aggregate gradients (merge_call) inside a tf.cond branch.
            raise ValueError("lazy regularisation runs on one device only, not under tf.distribute")

        def apply(regularizer=regularizer):
            def loss_fn():
                value, reg_logs = regularizer.penalty(model, inputs)
                return regularizer.interval * regularizer.weight * value, reg_logs

            _, reg_logs, _ = model.minimize(role, loss_fn)
            return [reg_logs[name] for name in regularizer.LOG_NAMES]

        def skip(regularizer=regularizer):
            return [tf.constant(0.0) for _ in regularizer.LOG_NAMES]

        values = tf.cond(update % regularizer.interval == 0, apply, skip)
        logs.update(zip(regularizer.LOG_NAMES, values, strict=True))
    return logs
