"""The adversarial core: one step's bookkeeping, repeatability, and that it learns."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import losses
from gan_tf.models.adversarial import AdversarialModel

TARGET_MEAN = np.array([2.0, -1.0], np.float32)
TARGET_STD = np.array([0.5, 0.5], np.float32)


def mlp(inputs: int, outputs: int, hidden: int = 32, name: str = "mlp") -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((inputs,)),
            keras.layers.Dense(hidden, activation="leaky_relu"),
            keras.layers.Dense(hidden, activation="leaky_relu"),
            keras.layers.Dense(outputs),
        ],
        name=name,
    )


def gaussian_data(batch: int, seed: int = 0) -> tf.data.Dataset:
    rng = np.random.default_rng(seed)
    points = (rng.normal(size=(20_000, 2)) * TARGET_STD + TARGET_MEAN).astype(np.float32)
    return (
        tf.data.Dataset.from_tensor_slices(points)
        .shuffle(20_000, seed=seed)
        .repeat()
        .batch(batch, drop_remainder=True)
    )


def toy_model(seed=0, d_steps=1, g_steps=1, jit=True, lr=1e-3) -> AdversarialModel:
    keras.utils.set_random_seed(seed)
    model = AdversarialModel(
        mlp(4, 2, name="g"),
        mlp(2, 1, name="d"),
        latent_dim=4,
        d_steps=d_steps,
        g_steps=g_steps,
        seed=seed,
    )
    model.compile(
        keras.optimizers.Adam(lr, beta_1=0.5),
        keras.optimizers.Adam(lr, beta_1=0.5),
        losses.minimax_discriminator_loss,
        losses.non_saturating_generator_loss,
        jit_compile=jit,
    )
    return model


def test_one_step_returns_losses_and_d_outputs_and_counts_steps():
    model = toy_model(d_steps=2, g_steps=3)
    history = model.fit(gaussian_data(16 * 2), steps_per_epoch=3, epochs=1, verbose=0)
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm"):
        assert key in history.history
    assert 0.0 < history.history["d_real"][0] < 1.0  # a probability, after the sigmoid
    assert int(model.step.numpy()) == 3
    assert int(model.d_optimizer.iterations.numpy()) == 6
    assert int(model.g_optimizer.iterations.numpy()) == 9


def test_step_traces_once():
    model = toy_model()
    model.fit(gaussian_data(16), steps_per_epoch=5, epochs=1, verbose=0)
    model.fit(gaussian_data(16), steps_per_epoch=5, epochs=1, verbose=0)
    # Keras wraps train_step in a tf.function; one concrete function means one trace.
    assert model.train_function is not None
    traced = getattr(model.train_function, "experimental_get_tracing_count", None)
    if traced is not None:
        assert traced() == 1


def test_same_seed_gives_the_same_run_and_another_seed_does_not():
    def run(seed):
        model = toy_model(seed=seed)
        model.fit(gaussian_data(16), steps_per_epoch=10, epochs=1, verbose=0)
        return model.generator.get_weights()[0]

    np.testing.assert_allclose(run(1), run(1), rtol=1e-6)
    assert not np.allclose(run(1), run(2))


@pytest.mark.slow
def test_learns_a_2d_gaussian():
    """A learning test that cannot pass by accident: G starts near the origin with a small
    spread; after training its samples must have the target's mean and spread."""
    model = toy_model(seed=0)
    z = tf.random.stateless_normal((4000, 4), seed=[5, 5])
    before = model.generator(z).numpy()
    assert np.all(np.abs(before.mean(0) - TARGET_MEAN) > 0.5)
    data = gaussian_data(128)
    model.fit(data, steps_per_epoch=1500, epochs=1, verbose=0)
    # G keeps circling the target (the GAN game oscillates near its equilibrium), so one
    # snapshot's statistics depend on where in the cycle training stops: average 10 snapshots
    # taken 100 steps apart.
    means, stds = [], []
    for _ in range(10):
        model.fit(data, steps_per_epoch=100, epochs=1, verbose=0)
        after = model.generator(z).numpy()
        means.append(after.mean(0))
        stds.append(after.std(0))
    np.testing.assert_allclose(np.mean(means, 0), TARGET_MEAN, atol=0.2)
    np.testing.assert_allclose(np.mean(stds, 0), TARGET_STD, atol=0.15)
