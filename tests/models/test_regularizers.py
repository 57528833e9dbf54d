"""Regularisers on either network: the gradient penalty and R1 against hand-computed updates,
lazy regularisation (every k updates, scaled by k, Adam adjusted), and the generator-side hook."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

import gan_tf
from gan_tf import losses
from gan_tf.models.noise_to_image import NoiseToImageGAN
from gan_tf.models.regularizers import (
    GradientPenalty,
    R1Penalty,
    Regularizer,
    lazy_adam_settings,
)
from gan_tf.models.wgan_gp import WGANGP

REAL = np.array([1.0, 2.0, -1.0], np.float32)
FAKE = np.array([0.5, -1.0, 2.0], np.float32)
W = np.array([0.3, -0.4, 1.2], np.float32)  # ||W|| = 1.3: the penalty's gradient is not zero


def constant_generator() -> keras.Model:
    """G(z) = FAKE for every z: a dense layer with zero kernel and bias FAKE."""
    return keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(
                3,
                kernel_initializer="zeros",
                bias_initializer=keras.initializers.Constant(FAKE),
            ),
        ]
    )


def linear_critic() -> keras.Model:
    """D(x) = W.x, no bias: grad_x D = W everywhere."""
    critic = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, use_bias=False)])
    critic.layers[0].kernel.assign(W[:, None])
    return critic


def real_batches(batch: int) -> tf.data.Dataset:
    return tf.data.Dataset.from_tensors(np.tile(REAL, (batch, 1))).repeat()


def critic_kernel(model) -> np.ndarray:
    return model.discriminator.layers[0].kernel.numpy()[:, 0]


@pytest.mark.parametrize("jit", [False, True])
def test_gradient_penalty_reaches_the_critic_in_one_update(jit):
    lr, lam = 0.1, 10.0
    model = WGANGP(
        constant_generator(),
        linear_critic(),
        latent_dim=2,
        d_steps=1,
        g_steps=1,
        seed=0,
        gp_weight=lam,
    )
    model.compile(
        d_optimizer=keras.optimizers.SGD(lr), g_optimizer=keras.optimizers.SGD(0.0), jit_compile=jit
    )
    model.fit(real_batches(4), steps_per_epoch=1, epochs=1, verbose=0)
    # L = W.FAKE - W.REAL + lam (||W|| - 1)^2 (every interpolate has gradient W), so
    # dL/dW = FAKE - REAL + 2 lam (||W|| - 1) W / ||W||.
    norm = np.linalg.norm(W)
    gradient = FAKE - REAL + 2 * lam * (norm - 1) * W / norm
    np.testing.assert_allclose(critic_kernel(model), W - lr * gradient, rtol=1e-5, atol=1e-6)


def r1_model(gamma: float, interval: int, lr: float, jit: bool = False) -> NoiseToImageGAN:
    model = NoiseToImageGAN(
        constant_generator(),
        linear_critic(),
        latent_dim=2,
        d_steps=1,
        g_steps=1,
        seed=0,
        d_regularizers=[R1Penalty(weight=gamma / 2, interval=interval)],
    )
    model.compile(
        d_optimizer=keras.optimizers.SGD(lr),
        g_optimizer=keras.optimizers.SGD(0.0),
        d_loss_fn=losses.minimax_discriminator_loss,
        g_loss_fn=losses.non_saturating_generator_loss,
        jit_compile=jit,
    )
    return model


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def minimax_gradient(w: np.ndarray) -> np.ndarray:
    """d/dw of softplus(-w.REAL) + softplus(w.FAKE)."""
    return -sigmoid(-w @ REAL) * REAL + sigmoid(w @ FAKE) * FAKE


def test_r1_is_added_to_every_update_with_its_hand_computed_gradient():
    lr, gamma = 0.05, 4.0
    model = r1_model(gamma, interval=1, lr=lr)
    history = model.fit(real_batches(4), steps_per_epoch=1, epochs=1, verbose=0)
    # R1 = gamma / 2 ||W||^2 for a linear critic; its gradient gamma W.
    assert history.history["r1_penalty"][0] == pytest.approx(float(W @ W), rel=1e-5)
    expected = W - lr * (minimax_gradient(W) + gamma * W)
    np.testing.assert_allclose(critic_kernel(model), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("jit", [False, True])
def test_lazy_r1_is_its_own_update_every_k_steps_scaled_by_k(jit):
    lr, gamma, k = 0.05, 4.0, 4
    model = r1_model(gamma, interval=k, lr=lr, jit=jit)
    traces = []
    step = model.train_step
    model.train_step = lambda data: (traces.append(1), step(data))[1]

    # Step 1 (D update 0): the main update, then the regulariser's own, k * gamma / 2 ||w||^2.
    history = model.fit(real_batches(4), steps_per_epoch=1, epochs=1, verbose=0)
    w1 = W - lr * minimax_gradient(W)
    w2 = w1 - lr * k * gamma * w1
    np.testing.assert_allclose(critic_kernel(model), w2, rtol=1e-5, atol=1e-6)
    assert history.history["r1_penalty"][0] == pytest.approx(float(w1 @ w1), rel=1e-5)

    # Steps 2..8: regularised again at update 4 only.
    model.fit(real_batches(4), steps_per_epoch=7, epochs=1, verbose=0)
    assert int(model.d_optimizer.iterations.numpy()) == 8 + 2
    assert len(traces) == 1  # the choice of update is a tensor: one trace for both fits


def test_lazy_adam_settings_are_karras_appendix_b():
    lr, b1, b2 = lazy_adam_settings(2e-3, 0.0, 0.99, 16)
    c = 16 / 17
    assert (lr, b1, b2) == pytest.approx((2e-3 * c, 0.0, 0.99**c))
    assert lazy_adam_settings(2e-3, 0.5, 0.99, 1) == (2e-3, 0.5, 0.99)


def test_configs_r1_and_its_interval_reach_the_model_and_optimizer():
    config = gan_tf.configs.get("dcgan", base_filters=4, r1_gamma=10.0, d_reg_interval=16)
    model = gan_tf.build(config)
    (r1,) = model.d_regularizers
    assert isinstance(r1, R1Penalty) and (r1.weight, r1.interval) == (5.0, 16)
    c = 16 / 17
    assert float(model.d_optimizer.learning_rate) == pytest.approx(2e-4 * c)
    assert model.d_optimizer.beta_1 == pytest.approx(0.5**c)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(2e-4)  # G has no regulariser


@dataclasses.dataclass
class OutputEnergy(Regularizer):
    """A generator-side regulariser for the test: E[||G(z)||^2] of the step's own fakes."""

    LOG_NAMES = ("output_energy",)

    def penalty(self, model, inputs):
        value = tf.reduce_mean(tf.reduce_sum(tf.square(inputs.fake_images), axis=-1))
        return value, {"output_energy": value}


def test_a_generator_regulariser_gets_the_fakes_and_moves_g():
    def model_with(regularizers):
        keras.utils.set_random_seed(0)
        generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
        model = NoiseToImageGAN(
            generator,
            linear_critic(),
            latent_dim=2,
            d_steps=1,
            g_steps=1,
            seed=0,
            g_regularizers=regularizers,
        )
        model.compile(
            d_optimizer=keras.optimizers.SGD(0.0),
            g_optimizer=keras.optimizers.SGD(0.1),
            d_loss_fn=losses.minimax_discriminator_loss,
            g_loss_fn=losses.non_saturating_generator_loss,
        )
        return model

    plain, regularized = model_with([]), model_with([OutputEnergy(weight=1.0)])
    for model in (plain, regularized):
        history = model.fit(real_batches(8), steps_per_epoch=5, epochs=1, verbose=0)
    assert history.history["output_energy"][0] > 0
    z = tf.random.stateless_normal((256, 2), seed=[1, 2])
    energy = [float(tf.reduce_mean(tf.square(m.generator(z)))) for m in (plain, regularized)]
    assert energy[1] < 0.5 * energy[0]  # the penalty's gradient reached G


def test_stargan_uses_the_same_gradient_penalty():
    config = gan_tf.configs.get(
        "stargan",
        dataset="fashion_mnist",
        image_size=16,
        base_filters=4,
        d_layers=2,
        num_residual_blocks=1,
    )
    (penalty,) = gan_tf.build(config).d_regularizers
    assert type(penalty) is GradientPenalty and penalty.weight == 10.0
