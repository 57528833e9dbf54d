"""SNGAN and the projection cGAN: the authors' settings, the step (5 D updates, G on twice D's
batch, traced once with and without XLA), the linear learning-rate decay, u checkpointed."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf import configs, losses
from gan_tf.errors import UsageError
from gan_tf.models.sngan import learning_rate
from gan_tf.models.zoo import build_model
from gan_tf.networks.spectral_norm import SpectralNormalization
from tests.models.test_noise_to_image import count_traces


def tiny_config(**overrides):
    # One D update per iteration: tracing five costs four times as long (32 s against 9 s).
    values = dict(
        dataset="mnist", conditional=True, latent_dim=8, base_filters=4, batch_size=4,
        g_batch_size=8, train_steps=10, jit_compile=False, d_steps=1,
    )  # fmt: skip
    values.update(overrides)
    return configs.get("sngan", **values)


def labelled_batches(config, steps: int = 100):
    rows = config.batch_size * config.d_steps
    images = tf.random.stateless_uniform([rows * 2, 32, 32, 1], seed=[1, 2], minval=-1)
    labels = tf.range(rows * 2) % 10
    return tf.data.Dataset.from_tensor_slices((images, labels)).repeat().batch(rows, True)


def test_defaults_are_the_authors_cifar10_settings():
    config = configs.get("sngan", dataset="mnist")
    assert (config.d_learning_rate, config.g_learning_rate) == (2e-4, 2e-4)
    assert (config.beta_1, config.beta_2) == (0.0, 0.9)
    assert (config.d_steps, config.batch_size, config.g_batch_size) == (5, 64, 128)
    assert (config.latent_dim, config.latent_distribution) == (128, "normal")
    assert (config.train_steps, config.lr_decay, config.loss) == (50_000, True, "hinge")
    assert (config.image_size, config.num_classes) == (32, None)
    assert configs.get("sngan", dataset="mnist", conditional=True).num_classes == 10


def test_a_step_is_d_steps_d_updates_and_one_g_update_on_twice_the_batch(monkeypatch):
    # Without XLA: compiling the step takes 100 s of a CPU core. `make test-resume` trains
    # SNGAN with XLA (tests/training/test_resume.py); the spectral norm's XLA path is tested
    # in tests/networks/test_spectral_norm.py.
    d_steps = 2
    config = tiny_config(d_steps=d_steps)
    model = build_model(config)
    assert model.d_loss_fn is losses.hinge_discriminator_loss
    assert model.g_loss_fn is losses.hinge_generator_loss
    g_batches = []
    generator_step = model.generator_step
    monkeypatch.setattr(
        model, "generator_step", lambda batch, update: (g_batches.append(batch),
                                                        generator_step(batch, update))[1]
    )  # fmt: skip
    traces = count_traces(model)
    history = model.fit(labelled_batches(config), steps_per_epoch=2, epochs=1, verbose=0)
    model.fit(labelled_batches(config), steps_per_epoch=1, epochs=1, verbose=0)
    assert len(traces) == 1
    assert g_batches == [8]  # traced once, with G's batch of 8 against D's 4
    assert int(model.d_optimizer.iterations.numpy()) == 3 * d_steps
    assert int(model.g_optimizer.iterations.numpy()) == 3
    assert np.isfinite(history.history["d_loss"][0])


def test_learning_rates_decay_linearly_to_zero_over_the_run():
    config = tiny_config(train_steps=4)
    model = build_model(config)
    model.fit(labelled_batches(config), steps_per_epoch=1, epochs=1, verbose=0)
    # After 1 of 4 iterations: 1 of 4 D updates and 1 of 4 G updates done.
    assert float(model.d_optimizer.learning_rate.numpy()) == pytest.approx(2e-4 * 0.75)
    assert float(model.g_optimizer.learning_rate.numpy()) == pytest.approx(2e-4 * 0.75)
    assert learning_rate(2e-4, 20, decay=False) == 2e-4


def spectral_layers(model):
    return [
        layer for layer in model.discriminator.layers if isinstance(layer, SpectralNormalization)
    ]


def test_power_iteration_vectors_are_checkpointed_and_restored(tmp_path):
    config = tiny_config()
    model = build_model(config)
    model.fit(labelled_batches(config), steps_per_epoch=1, epochs=1, verbose=0)
    trained = [layer.u.numpy() for layer in spectral_layers(model)]
    path = tf.train.Checkpoint(**model.checkpoint_objects()).save(str(tmp_path / "ckpt"))
    fresh = build_model(config)
    assert not np.allclose(spectral_layers(fresh)[0].u.numpy(), trained[0])
    tf.train.Checkpoint(**fresh.checkpoint_objects()).restore(path).assert_consumed()
    for layer, u in zip(spectral_layers(fresh), trained, strict=True):
        np.testing.assert_array_equal(layer.u.numpy(), u)


def test_the_cross_entropy_option_logs_probabilities():
    config = tiny_config(loss="non_saturating", conditional=False)
    model = build_model(config)
    assert model.g_loss_fn is losses.non_saturating_generator_loss
    images = tf.random.stateless_uniform([8, 32, 32, 1], seed=[1, 3], minval=-1)
    data = tf.data.Dataset.from_tensor_slices(images).repeat().batch(4, True)
    history = model.fit(data, steps_per_epoch=1, epochs=1, verbose=0)
    assert 0.0 < history.history["d_real"][0] < 1.0


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(dataset="celeb_a"), "needs class labels"),
        (dict(g_batch_size=6), "multiple of --batch_size"),
        (dict(image_size=28), "32x32"),
    ],
)
def test_refuses_settings_it_cannot_run(overrides, message):
    with pytest.raises(UsageError, match=message):
        tiny_config(**overrides)
