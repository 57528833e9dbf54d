"""Adversarial losses, penalties and reconstruction losses as small pure functions.

Every adversarial loss takes the discriminator's raw outputs (logits for the sigmoid losses, the
critic's scores for the Wasserstein loss, linear outputs for least squares) and returns a scalar
mean over the batch. Discriminator losses are what D *minimises*; generator losses what G
minimises. Models pick a pair by name from `DISCRIMINATOR_LOSSES` / `GENERATOR_LOSSES`.

Sigmoid cross-entropies are written with softplus, which is the numerically stable form of
log(sigmoid(x)) = -softplus(-x) and log(1 - sigmoid(x)) = -softplus(x).
"""

from __future__ import annotations

from collections.abc import Callable

import tensorflow as tf

Tensor = tf.Tensor


def _mean(x: Tensor) -> Tensor:
    return tf.reduce_mean(tf.cast(x, tf.float32))


# --- The original GAN (Goodfellow et al. 2014) -------------------------------------------------


def minimax_discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """-E[log D(x)] - E[log(1 - D(G(z)))]: D's side of the value function V(D, G), eq. 1 of
    Goodfellow et al. 2014, negated so that D minimises it."""
    return _mean(tf.nn.softplus(-real_logits)) + _mean(tf.nn.softplus(fake_logits))


def minimax_generator_loss(fake_logits: Tensor) -> Tensor:
    """E[log(1 - D(G(z)))]: G's side of eq. 1 of Goodfellow et al. 2014 (the "saturating" loss).

    Its gradient vanishes when D confidently rejects the samples (D(G(z)) -> 0), which is the
    situation early in training; see `non_saturating_generator_loss`.
    """
    return -_mean(tf.nn.softplus(fake_logits))


def non_saturating_generator_loss(fake_logits: Tensor) -> Tensor:
    """-E[log D(G(z))]: the heuristic of Goodfellow et al. 2014, sec. 3, that gives strong
    gradients early in training while keeping the same fixed point as the minimax loss."""
    return _mean(tf.nn.softplus(-fake_logits))


# --- Wasserstein GAN (Arjovsky et al. 2017) ----------------------------------------------------


def wasserstein_critic_loss(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """E[f(G(z))] - E[f(x)]: the critic maximises E[f(x)] - E[f(G(z))] (eq. 3 and Algorithm 1,
    Arjovsky et al. 2017), so it minimises the negative. No log, no sigmoid."""
    return _mean(fake_scores) - _mean(real_scores)


def wasserstein_generator_loss(fake_scores: Tensor) -> Tensor:
    """-E[f(G(z))]: the generator's update of Algorithm 1, Arjovsky et al. 2017."""
    return -_mean(fake_scores)


def drift_penalty(real_scores: Tensor) -> Tensor:
    """E[D(x)^2] on real images: PGGAN's drift term, weighted by epsilon_drift = 0.001 in the
    critic's loss, keeps the critic's output near 0 without affecting training otherwise
    (Karras et al. 2018, appendix A.1; loss.py `D_wgangp_acgan` EpsilonPenalty)."""
    return _mean(real_scores * real_scores)


# --- Least squares GAN (Mao et al. 2017) -------------------------------------------------------


def least_squares_discriminator_loss(
    real_outputs: Tensor, fake_outputs: Tensor, a: float = 0.0, b: float = 1.0
) -> Tensor:
    """1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2]: eq. 2 of Mao et al. 2017 with the 0-1
    coding a = 0 (fake), b = 1 (real) of eq. 9."""
    return 0.5 * _mean(tf.square(real_outputs - b)) + 0.5 * _mean(tf.square(fake_outputs - a))


def least_squares_generator_loss(fake_outputs: Tensor, c: float = 1.0) -> Tensor:
    """1/2 E[(D(G(z)) - c)^2]: eq. 2 of Mao et al. 2017, c = 1 (G wants D to call fakes real)."""
    return 0.5 * _mean(tf.square(fake_outputs - c))


# --- Hinge loss (Lim & Ye 2017; Miyato et al. 2018) --------------------------------------------


def hinge_discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]: eq. 16 of Miyato et al. 2018."""
    return _mean(tf.nn.relu(1.0 - real_logits)) + _mean(tf.nn.relu(1.0 + fake_logits))


def hinge_generator_loss(fake_logits: Tensor) -> Tensor:
    """-E[D(G(z))]: eq. 17 of Miyato et al. 2018."""
    return -_mean(fake_logits)


# --- Penalties ----------------------------------------------------------------------------------


def interpolate(real: Tensor, fake: Tensor, epsilon: Tensor) -> Tensor:
    """x_hat = eps * x + (1 - eps) * x_tilde, Algorithm 1 line 6 of Gulrajani et al. 2017.

    `epsilon` has one value per sample, shape (batch,), drawn from Uniform[0, 1].
    """
    eps = tf.reshape(tf.cast(epsilon, real.dtype), [-1] + [1] * (real.shape.rank - 1))
    return eps * real + (1.0 - eps) * fake


def gradient_penalty(
    critic: Callable[[Tensor], Tensor],
    points: Tensor,
    target_norm: float = 1.0,
    *,
    epsilon: float = 1e-12,
    gradient_scale: float = 1.0,
) -> tuple[Tensor, Tensor]:
    """E[(||grad_x D(x)||_2 - 1)^2] at `points`: the penalty of eq. 3, Gulrajani et al. 2017.

    The gradient is taken with a tape nested inside the caller's tape, so that the penalty is
    itself differentiable with respect to the critic's weights. The norm is over all non-batch
    axes, sqrt(epsilon + sum(grad^2)). Computed in float32 so it stays stable under mixed
    precision.

    Args:
      critic: maps a batch of points to one score per point; the penalised function.
      points: where the gradient is taken, shape (batch, ...).
      target_norm: the norm the penalty pulls towards (1: a 1-Lipschitz critic).
      epsilon: added under the square root, so that the norm's gradient stays finite where
        the gradient is exactly zero (WGAN-GP: 1e-12; the study's DRAGAN code: 1e-4).
      gradient_scale: multiplies grad_x D before its norm: the chain-rule factor dx/du when
        the norm is meant per unit of other pixel units u (2 for u in [0, 1] and x in
        [-1, 1], x = 2u - 1), so that a penalty written for [0, 1] images keeps its meaning.

    Returns:
      (penalty, mean gradient norm), both scalars; the norm in the units of `gradient_scale`.
    """
    points = tf.cast(points, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(points)
        scores = tf.cast(critic(points), tf.float32)
    gradients = tape.gradient(scores, points)
    if gradient_scale != 1.0:
        gradients = gradient_scale * gradients
    axes = list(range(1, gradients.shape.rank))
    norms = tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=axes) + epsilon)
    return _mean(tf.square(norms - target_norm)), _mean(norms)


def perturb(real: Tensor, noise: Tensor, scale: float = 0.5) -> Tensor:
    """x_p = x + scale * std(x) * noise: DRAGAN's perturbed real data (Kodali et al. 2017).

    `noise` has the shape of `real`, drawn from Uniform[0, 1) per element; std(x) is the
    population standard deviation of every value in the batch. This is the perturbation of the
    code the large-scale study ran (google/compare_gan 49495fd, src/gans/DRAGAN.py,
    `get_perturbed_batch`: `minibatch + 0.5 * minibatch.std() * np.random.random(...)`),
    not the paper's delta ~ N(0, cI). Since std(x) scales with the pixels, the perturbation
    is the same for images in [0, 1] or [-1, 1].
    """
    real = tf.cast(real, tf.float32)
    return real + scale * tf.math.reduce_std(real) * tf.cast(noise, tf.float32)


def r1_penalty(
    critic: Callable[[Tensor], Tensor], real: Tensor, gradient_scale: float = 1.0
) -> Tensor:
    """E[||grad_x D(x)||^2] at real images: the R1 penalty of Mescheder et al. 2018, eq. 9,
    without its gamma / 2, the gradient times `gradient_scale` first. Differentiable with
    respect to the critic's weights (a nested tape, as `gradient_penalty`), computed in
    float32."""
    real = tf.cast(real, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(real)
        scores = tf.cast(critic(real), tf.float32)
    gradients = tape.gradient(scores, real)  # of their sum: one gradient per image
    if gradient_scale != 1.0:
        gradients = gradient_scale * gradients
    return _mean(tf.reduce_sum(tf.square(gradients), axis=list(range(1, gradients.shape.rank))))


def orthogonal_penalty(matrix: Tensor) -> Tensor:
    """||W^T W * (1 - I)||_F^2: the off-diagonal orthogonal regularisation of Brock et al. 2019,
    sec. 3.1 (eq. 3 without its beta), for `matrix` W of shape (n, k): it pulls the k columns
    towards orthogonality without constraining their norms. Its gradient is
    4 W (W^T W * (1 - I))."""
    matrix = tf.cast(matrix, tf.float32)
    gram = tf.matmul(matrix, matrix, transpose_a=True)
    off_diagonal = gram * (1.0 - tf.eye(gram.shape[0], dtype=gram.dtype))
    return tf.reduce_sum(tf.square(off_diagonal))


# --- Reconstruction losses ----------------------------------------------------------------------


def l1_loss(target: Tensor, prediction: Tensor) -> Tensor:
    """E[||y - G(x)||_1] (mean absolute error): eq. 3 of Isola et al. 2017 (pix2pix) and the
    cycle-consistency loss of eq. 2, Zhu et al. 2017 (CycleGAN)."""
    return _mean(tf.abs(tf.cast(target, tf.float32) - tf.cast(prediction, tf.float32)))


# --- Registries: the names the command-line flags use --------------------------------------------

DiscriminatorLoss = Callable[[Tensor, Tensor], Tensor]
GeneratorLoss = Callable[[Tensor], Tensor]

DISCRIMINATOR_LOSSES: dict[str, DiscriminatorLoss] = {
    "minimax": minimax_discriminator_loss,
    "non_saturating": minimax_discriminator_loss,  # D's loss is the same for both G losses
    "wasserstein": wasserstein_critic_loss,
    "least_squares": least_squares_discriminator_loss,
    "hinge": hinge_discriminator_loss,
}

GENERATOR_LOSSES: dict[str, GeneratorLoss] = {
    "minimax": minimax_generator_loss,
    "non_saturating": non_saturating_generator_loss,
    "wasserstein": wasserstein_generator_loss,
    "least_squares": least_squares_generator_loss,
    "hinge": hinge_generator_loss,
}


# --- Image-to-image translation (appended) -----------------------------------------------------


def cycle_consistency_loss(
    real_a: Tensor, reconstructed_a: Tensor, real_b: Tensor, reconstructed_b: Tensor
) -> Tensor:
    """E[||F(G(x)) - x||_1] + E[||G(F(y)) - y||_1]: the cycle-consistency loss, eq. 2 of
    Zhu et al. 2017 (CycleGAN): forward cycle a -> G -> F -> a and backward cycle b -> b."""
    return l1_loss(real_a, reconstructed_a) + l1_loss(real_b, reconstructed_b)


def identity_loss(real_a: Tensor, same_a: Tensor, real_b: Tensor, same_b: Tensor) -> Tensor:
    """E[||G(y) - y||_1] + E[||F(x) - x||_1]: the identity mapping loss of Zhu et al. 2017,
    sec. 5.2 (after Taigman et al. 2017): a generator given an image of its own target domain
    should leave it unchanged. `same_b` = G(b) (G maps A -> B), `same_a` = F(a)."""
    return l1_loss(real_a, same_a) + l1_loss(real_b, same_b)


def domain_classification_loss(logits: Tensor, labels: Tensor, multi_label: bool = True) -> Tensor:
    """E[-log D_cls(c | x)]: the domain classification loss of Choi et al. 2018 (StarGAN),
    eq. 2 (real images, c = the original domain c') and eq. 3 (fakes, c = the target domain).

    multi_label: domains are independent binary attributes (CelebA): the sum over attributes
    of sigmoid cross-entropies, mean over the batch (the authors' code). Otherwise labels are
    one-hot over exclusive domains: softmax cross-entropy.
    """
    logits = tf.cast(logits, tf.float32)
    labels = tf.cast(labels, tf.float32)
    if multi_label:
        per_example = tf.reduce_sum(
            tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits), axis=-1
        )
    else:
        per_example = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return _mean(per_example)
