"""DRAGAN (Kodali et al. 2017) as the large-scale study's code runs it: the penalty against a
hand-computed value, the pixel units of the gradient norm, its defaults and a training step."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import gan_tf
from gan_tf import configs, losses
from gan_tf.configs.wgan_gp import PENALTY_PIXEL_RANGES
from gan_tf.errors import UsageError
from gan_tf.models import regularizers
from gan_tf.models.base import DRAW_SITES, RNG
from gan_tf.models.dragan import DRAGAN
from gan_tf.models.regularizers import (
    DRAGANPenalty,
    GradientPenalty,
    RegularizerInputs,
    pixel_range_scale,
)

REAL = np.array([[1.0, 2.0, -1.0], [0.0, 0.5, 1.5], [-0.5, -1.0, 0.25]], np.float32)
FAKE = np.array([0.5, -1.0, 2.0], np.float32)
W = np.array([0.3, -0.4, 1.2], np.float32)
B = 0.2


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softplus(x):
    return np.log1p(np.exp(x))


def hand_penalty(real, noise, alpha, scale: float) -> tuple[float, float]:
    """The study's DRAGAN penalty (compare_gan 49495fd, src/gans/DRAGAN.py) for the critic
    D(x) = sigmoid(W.x + B), written out: grad_x D = D (1 - D) W."""
    real = real.astype(np.float64)
    perturbed = real + 0.5 * real.std() * noise  # get_perturbed_batch (numpy's std, ddof 0)
    points = real + alpha[:, None] * (perturbed - real)  # interpolates
    d = sigmoid(points @ W + B)
    gradients = scale * (d * (1 - d))[:, None] * W[None, :]
    slopes = np.sqrt(1e-4 + np.sum(gradients**2, axis=1))
    return float(np.mean((slopes - 1) ** 2)), float(np.mean(slopes))


class FixedDraws:
    """A stand-in model for a regulariser: D(x) = W.x + B (logits), and uniform draws taken
    in turn from `draws`."""

    def __init__(self, *draws: np.ndarray) -> None:
        self.draws = list(draws)

    def sample_uniform(self, batch_size: int, *shape: int) -> tf.Tensor:
        draw = self.draws.pop(0)
        assert draw.shape == (batch_size, *shape)
        return tf.constant(draw, tf.float32)

    def discriminate(self, images, labels=None, training=False):
        return tf.linalg.matvec(tf.cast(images, tf.float32), tf.constant(W)) + B


NOISE = np.array(
    [[0.1, 0.9, 0.5], [0.3, 0.0, 0.7], [0.95, 0.2, 0.4]], np.float32
)  # u ~ U[0, 1) per element
ALPHA = np.array([0.25, 0.6, 1.0], np.float32)  # one per sample


@pytest.mark.parametrize("pixel_range", ["0,1", "-1,1"])
def test_dragan_penalty_is_the_studys_of_the_sigmoid_output(pixel_range):
    scale = pixel_range_scale(pixel_range)
    penalty = DRAGANPenalty(weight=10.0, gradient_scale=scale)
    value, logs = penalty.penalty(FixedDraws(NOISE, ALPHA), RegularizerInputs(REAL))
    expected, norm = hand_penalty(REAL, NOISE, ALPHA, scale)
    assert float(value) == pytest.approx(expected, rel=1e-5)
    assert float(logs["gradient_norm"]) == pytest.approx(norm, rel=1e-5)
    # Of the logit instead, the gradient would be W everywhere: a different value.
    logit_norm = scale * np.linalg.norm(W)
    assert abs(float(logs["gradient_norm"]) - logit_norm) > 0.1


def test_perturbation_is_half_the_batch_std_times_uniform_noise():
    real = np.random.default_rng(0).normal(size=(4, 2, 2, 1)).astype(np.float32)
    noise = np.random.default_rng(1).uniform(size=real.shape).astype(np.float32)
    np.testing.assert_allclose(
        losses.perturb(real, noise), real + 0.5 * real.std() * noise, rtol=1e-5
    )
    # Unit-free: the same images in [0, 1] (u = (x + 1) / 2) get the same perturbation.
    unit = (real + 1) / 2
    np.testing.assert_allclose(
        (losses.perturb(real, noise).numpy() + 1) / 2, losses.perturb(unit, noise), rtol=1e-5
    )


def test_the_gradient_norm_doubles_exactly_in_0_1_pixels():
    w = tf.constant(np.arange(1.0, 13.0).reshape(2, 2, 3), tf.float32)
    critic = lambda x: tf.sigmoid(tf.reduce_sum(x * w, axis=[1, 2, 3]) / 50)  # noqa: E731
    points = tf.random.stateless_normal([5, 2, 2, 3], seed=[1, 2])
    _, norm = losses.gradient_penalty(critic, points, epsilon=0.0)
    _, doubled = losses.gradient_penalty(
        critic, points, epsilon=0.0, gradient_scale=pixel_range_scale("0,1")
    )
    assert float(doubled) == 2 * float(norm)  # a power of two: exact in floating point
    assert pixel_range_scale("-1,1") == 1.0
    # The configs' choices (no TensorFlow there) are the regularisers' ranges.
    assert set(regularizers.PENALTY_PIXEL_RANGES) == set(PENALTY_PIXEL_RANGES)
    with pytest.raises(UsageError, match="--penalty_pixel_range must be one of"):
        pixel_range_scale("0,255")


def test_wgan_gp_keeps_its_penalty_and_takes_the_0_1_units():
    def logged_norm(pixel_range: str) -> float:
        config = configs.get(
            "wgan_gp",
            dataset="mnist",
            base_filters=4,
            d_steps=1,
            batch_size=4,
            jit_compile=False,
            penalty_pixel_range=pixel_range,
        )
        assert config.penalty_pixel_range == pixel_range
        model = gan_tf.build(config)
        (penalty,) = model.d_regularizers
        assert type(penalty) is GradientPenalty
        assert penalty.gradient_scale == {"-1,1": 1.0, "0,1": 2.0}[pixel_range]
        data = tf.data.Dataset.from_tensors(
            tf.random.stateless_uniform((4, 28, 28, 1), [3, 4], -1, 1)
        ).repeat()
        return model.fit(data, steps_per_epoch=1, epochs=1, verbose=0).history["gradient_norm"][0]

    assert configs.get("wgan_gp").penalty_pixel_range == "-1,1"  # unchanged by default
    keras.utils.set_random_seed(0)
    norm = logged_norm("-1,1")
    keras.utils.set_random_seed(0)
    assert logged_norm("0,1") == pytest.approx(2 * norm, rel=1e-5)


def constant_generator() -> keras.Model:
    """G(z) = FAKE for every z."""
    return keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(
                3, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(FAKE)
            ),
        ]
    )


def linear_discriminator() -> keras.Model:
    """D(x) = W.x + B, a logit."""
    critic = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    critic.layers[0].kernel.assign(W[:, None])
    critic.layers[0].bias.assign([B])
    return critic


def test_a_dragan_step_adds_lambda_times_the_hand_computed_penalty():
    lam, seed = 10.0, 7
    model = DRAGAN(
        constant_generator(),
        linear_discriminator(),
        latent_dim=2,
        d_steps=1,
        g_steps=1,
        seed=seed,
        gp_weight=lam,
    )
    model.compile(
        d_optimizer=keras.optimizers.SGD(0.0),
        g_optimizer=keras.optimizers.SGD(0.0),
        jit_compile=False,
    )
    data = tf.data.Dataset.from_tensors(REAL).repeat()
    history = model.fit(data, steps_per_epoch=1, epochs=1, verbose=0).history

    # The step's draws at step 0: z (site 1), then the penalty's u (site 2) and alpha (site 3).
    def uniform(shape, site):
        seed_pair = tf.constant([seed, 0 * DRAW_SITES + site], tf.int64)
        return tf.random.stateless_uniform(shape, seed=seed_pair, alg=RNG).numpy()

    noise, alpha = uniform(REAL.shape, 2), uniform(REAL.shape[:1], 3)
    penalty, norm = hand_penalty(REAL, noise, alpha, scale=2.0)  # [0, 1] pixels by default
    assert history["gradient_penalty"][0] == pytest.approx(penalty, rel=1e-5)
    assert history["gradient_norm"][0] == pytest.approx(norm, rel=1e-5)
    # D: the cross-entropy of eq. 1 (Goodfellow et al. 2014); G: -log D(G(z)), sec. 3.
    cross_entropy = np.mean(softplus(-(REAL @ W + B))) + softplus(FAKE @ W + B)
    assert history["d_loss"][0] == pytest.approx(cross_entropy + lam * penalty, rel=1e-5)
    assert history["g_loss"][0] == pytest.approx(softplus(-(FAKE @ W + B)), rel=1e-5)


def test_config_defaults_are_the_studys():
    config = configs.get("dragan", dataset="mnist")
    # compare_gan params.py DRAGANHyperParams and DRAGAN.py: lambda 10, Adam(1e-4, 0.5), 1 D step.
    assert (config.gp_weight, config.d_steps, config.g_loss) == (10.0, 1, "non_saturating")
    assert (config.d_learning_rate, config.g_learning_rate) == (1e-4, 1e-4)
    assert (config.beta_1, config.beta_2) == (0.5, 0.999)
    assert config.penalty_pixel_range == "0,1"
    with pytest.raises(UsageError, match="--penalty_pixel_range must be one of"):
        gan_tf.build(configs.get("dragan", penalty_pixel_range="0,255", base_filters=4))


@pytest.mark.parametrize("jit", [False, pytest.param(True, marks=pytest.mark.long)])
def test_dragan_trains_a_few_steps_tracing_once(jit):
    config = configs.get(
        "dragan", dataset="mnist", base_filters=4, batch_size=4, latent_dim=8, jit_compile=jit
    )
    model = gan_tf.build(config)
    assert isinstance(model, DRAGAN)
    (penalty,) = model.d_regularizers
    assert type(penalty) is DRAGANPenalty
    assert (penalty.weight, penalty.gradient_scale, penalty.epsilon) == (10.0, 2.0, 1e-4)
    assert type(model.d_optimizer).__name__ in ("Adam", "FusedAdam")
    assert model.d_optimizer.beta_1 == pytest.approx(0.5)
    traces = []
    step = model.train_step
    model.train_step = lambda data: (traces.append(1), step(data))[1]
    images = tf.random.stateless_uniform((4, 28, 28, 1), [5, 6], -1, 1)
    before = [v.numpy() for v in model.discriminator.trainable_variables]
    history = model.fit(
        tf.data.Dataset.from_tensors(images).repeat(), steps_per_epoch=3, epochs=1, verbose=0
    ).history
    for name in ("d_loss", "g_loss", "gradient_penalty", "gradient_norm"):
        assert np.isfinite(history[name][0]), name
    assert history["gradient_penalty"][0] > 0
    assert int(model.d_optimizer.iterations.numpy()) == 3  # one D update per G update
    assert len(traces) == 1
    after = model.discriminator.trainable_variables
    assert any(not np.allclose(b, a.numpy()) for b, a in zip(before, after, strict=True))


def test_critic_options_are_refused_for_the_mlp():
    with pytest.raises(UsageError, match="--critic_norm=none change"):
        gan_tf.build(configs.get("dragan", architecture="mlp", critic_norm="none"))
