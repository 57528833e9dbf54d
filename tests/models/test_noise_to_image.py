"""The noise-to-image core (`NoiseToImageGAN`): one step's bookkeeping, that it traces once,
repeatability, and that it learns."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import losses
from gan_tf.models.noise_to_image import NoiseToImageGAN

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


def gaussian_data(batch: int, seed: int = 0, dtype=np.float32) -> tf.data.Dataset:
    rng = np.random.default_rng(seed)
    points = (rng.normal(size=(20_000, 2)) * TARGET_STD + TARGET_MEAN).astype(dtype)
    return (
        tf.data.Dataset.from_tensor_slices(points)
        .shuffle(20_000, seed=seed)
        .repeat()
        .batch(batch, drop_remainder=True)
    )


def toy_model(seed=0, d_steps=1, g_steps=1, jit=True, lr=1e-3) -> NoiseToImageGAN:
    keras.utils.set_random_seed(seed)
    model = NoiseToImageGAN(
        mlp(4, 2, name="g"),
        mlp(2, 1, name="d"),
        latent_dim=4,
        d_steps=d_steps,
        g_steps=g_steps,
        seed=seed,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(lr, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5),
        d_loss_fn=losses.minimax_discriminator_loss,
        g_loss_fn=losses.non_saturating_generator_loss,
        jit_compile=jit,
    )
    return model


def test_one_step_returns_losses_and_d_outputs_and_counts_steps():
    model = toy_model(d_steps=2, g_steps=3, jit=False)
    history = model.fit(gaussian_data(16 * 2), steps_per_epoch=3, epochs=1, verbose=0)
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "d_grad_norm", "g_grad_norm"):
        assert key in history.history
    assert 0.0 < history.history["d_real"][0] < 1.0  # a probability, after the sigmoid
    assert int(model.step.numpy()) == 3
    assert int(model.d_optimizer.iterations.numpy()) == 6
    assert int(model.g_optimizer.iterations.numpy()) == 9


def count_traces(model: NoiseToImageGAN) -> list:
    """Wraps `model.train_step` (before the first fit, which makes Keras's train function from
    it) so that every run of its Python body appends to the returned list. Keras runs it in a
    tf.function, so the Python body runs only while the step is traced."""
    calls = []
    step = model.train_step
    model.train_step = lambda data: (calls.append(1), step(data))[1]
    return calls


def test_step_traces_once():
    model = toy_model()
    traces = count_traces(model)
    model.fit(gaussian_data(16), steps_per_epoch=5, epochs=1, verbose=0)
    model.fit(gaussian_data(16), steps_per_epoch=5, epochs=1, verbose=0)
    assert len(traces) == 1
    assert int(model.step.numpy()) == 10  # both fits ran the traced step


def test_trace_counter_counts_a_retrace():
    """The counter of `test_step_traces_once` can fail: a second fit with another input
    signature (float64 points; another batch size cannot be fed, as Keras relaxes the
    retraced batch dimension to None and the step needs a static batch) traces again."""
    model = toy_model(jit=False)  # tracing, not compiling, is what is counted
    traces = count_traces(model)
    model.fit(gaussian_data(16), steps_per_epoch=5, epochs=1, verbose=0)
    model.fit(gaussian_data(16, dtype=np.float64), steps_per_epoch=5, epochs=1, verbose=0)
    assert len(traces) == 2
    assert int(model.step.numpy()) == 10


def test_same_seed_gives_the_same_run_and_another_seed_does_not():
    def run(seed):
        # Without XLA (compiling it four times would take most of this test's time); XLA's
        # runs repeat bit for bit in tests/training/test_resume.py (`make test-resume`).
        model = toy_model(seed=seed, jit=False)
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


def test_uniform_latents_are_in_the_cube_and_fixed_latents_follow_the_distribution():
    """latent_distribution="uniform": z ~ U(-1, 1) in the step (the large-scale study's
    code) and in the fixed noise of grids and evaluation; "normal" keeps N(0, I)."""
    model = NoiseToImageGAN(
        mlp(8, 2), mlp(2, 1), latent_dim=8, d_steps=1, g_steps=1, seed=0,
        latent_distribution="uniform",
    )  # fmt: skip
    model.start_step()
    z = model.sample_latent(4000).numpy()
    assert z.shape == (4000, 8) and z.min() >= -1.0 and z.max() < 1.0
    assert abs(z.mean()) < 0.02 and abs(z.var() - 1 / 3) < 0.01  # U(-1, 1): variance 1/3
    fixed = model.fixed_latents((2, 3), seed=[5, 7]).numpy()
    assert fixed.shape == (2, 3, 8) and np.abs(fixed).max() <= 1.0
    np.testing.assert_array_equal(fixed, model.fixed_latents((2, 3), seed=[5, 7]).numpy())
    model.latent_distribution = "normal"
    np.testing.assert_array_equal(
        model.fixed_latents((3,), seed=[5, 7]).numpy(),
        tf.random.stateless_normal((3, 8), seed=[5, 7]).numpy(),
    )
    with pytest.raises(ValueError, match="latent_distribution"):
        NoiseToImageGAN(
            mlp(8, 2), mlp(2, 1), latent_dim=8, d_steps=1, g_steps=1, seed=0,
            latent_distribution="laplace",
        )  # fmt: skip
