"""WGAN, WGAN-GP, LSGAN and CGAN: what each changes in the core, checked against its paper."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import configs, losses
from gan_tf.configs.base import RunConfig
from gan_tf.errors import UsageError
from gan_tf.models.cgan import CGAN
from gan_tf.models.lsgan import LSGAN
from gan_tf.models.wgan import WGAN
from gan_tf.models.wgan_gp import WGANGP
from gan_tf.models.zoo import build_model
from gan_tf.training.samples import fixed_inputs, generate_images


def dense(inputs: int, outputs: int, name: str, hidden: int = 16, bias: bool = True):
    layers = [keras.Input((inputs,))]
    if hidden:
        layers.append(keras.layers.Dense(hidden, activation="tanh", use_bias=bias))
    layers.append(keras.layers.Dense(outputs, use_bias=bias))
    return keras.Sequential(layers, name=name)


def batches(rows: int, dims: int = 4, seed: int = 0):
    data = np.random.default_rng(seed).normal(size=(rows * 8, dims)).astype("float32") + 3
    return tf.data.Dataset.from_tensor_slices(data).repeat().batch(rows, drop_remainder=True)


def test_wgan_clips_every_critic_weight_after_each_step():
    keras.utils.set_random_seed(0)
    model = WGAN(
        dense(3, 4, "g"),
        dense(4, 1, "d"),
        latent_dim=3,
        d_steps=5,
        g_steps=1,
        seed=0,
        clip_value=0.01,
    )
    # A huge learning rate pushes weights far beyond c; clipping must bring them back.
    model.compile(
        d_optimizer=keras.optimizers.RMSprop(1.0),
        g_optimizer=keras.optimizers.RMSprop(1e-3),
        jit_compile=True,
    )
    history = model.fit(batches(8 * 5), steps_per_epoch=2, epochs=1, verbose=0)
    values = np.concatenate([w.numpy().ravel() for w in model.discriminator.trainable_variables])
    assert np.all(np.abs(values) <= 0.01 + 1e-7)
    # Clipping was active: with lr = 1 most weights were pushed to the bounds.
    assert np.mean(np.isclose(np.abs(values), 0.01)) > 0.5
    assert "wasserstein_estimate" in history.history
    assert int(model.d_optimizer.iterations.numpy()) == 10  # n_critic = 5 per step


def test_wgan_critic_and_generator_losses_have_the_right_sign():
    # The critic's loss is E f(G(z)) - E f(x): lower when real scores are higher.
    assert float(losses.wasserstein_critic_loss(tf.constant([2.0]), tf.constant([-1.0]))) < 0
    assert float(losses.wasserstein_critic_loss(tf.constant([-1.0]), tf.constant([2.0]))) > 0
    # G's loss falls when the critic scores its samples higher.
    assert float(losses.wasserstein_generator_loss(tf.constant([5.0]))) < float(
        losses.wasserstein_generator_loss(tf.constant([1.0]))
    )


def test_wgan_gp_logs_the_closed_form_penalty_of_a_linear_critic():
    keras.utils.set_random_seed(0)
    critic = dense(4, 1, "d", hidden=0, bias=False)  # D(x) = w.x: penalty (||w|| - 1)^2
    model = WGANGP(
        dense(3, 4, "g"), critic, latent_dim=3, d_steps=1, g_steps=1, seed=0, gp_weight=10.0
    )
    model.compile(
        d_optimizer=keras.optimizers.SGD(0.0),
        g_optimizer=keras.optimizers.SGD(0.0),
        jit_compile=True,
    )
    w = critic.trainable_variables[0].numpy()
    history = model.fit(batches(16), steps_per_epoch=1, epochs=1, verbose=0)
    norm = np.linalg.norm(w)
    assert history.history["gradient_norm"][0] == pytest.approx(norm, rel=1e-4)
    assert history.history["gradient_penalty"][0] == pytest.approx((norm - 1) ** 2, rel=1e-4)
    critic_loss = -history.history["wasserstein_estimate"][0]
    assert history.history["d_loss"][0] == pytest.approx(
        critic_loss + 10 * (norm - 1) ** 2, rel=1e-4, abs=1e-5
    )


def test_wgan_gp_interpolation_coefficients_are_uniform_per_sample():
    model = WGANGP(
        dense(3, 4, "g"),
        dense(4, 1, "d"),
        latent_dim=3,
        d_steps=5,
        g_steps=1,
        seed=0,
        gp_weight=10.0,
    )
    model.start_step()
    eps = model.sample_uniform(20_000).numpy()
    assert eps.shape == (20_000,)
    assert eps.min() >= 0 and eps.max() < 1
    assert eps.mean() == pytest.approx(0.5, abs=0.01)
    assert eps.var() == pytest.approx(1 / 12, abs=0.005)  # Uniform[0, 1], not Normal


def test_lsgan_uses_least_squares_losses_on_linear_outputs():
    model = LSGAN(dense(3, 4, "g"), dense(4, 1, "d"), latent_dim=3, d_steps=1, g_steps=1, seed=0)
    model.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam())
    real, fake = tf.constant([[0.5], [2.0]]), tf.constant([[0.0], [1.0]])
    assert float(model.d_loss_fn(real, fake)) == pytest.approx(
        0.5 * ((0.5 - 1) ** 2 + (2 - 1) ** 2) / 2 + 0.5 * (0 + 1) / 2
    )
    assert float(model.g_loss_fn(fake)) == pytest.approx(0.5 * (1 + 0) / 2)
    assert model.d_output_fn is None


def mnist_config(variant: str, **overrides) -> RunConfig:
    """A tiny 28x28 MNIST config of `variant` (its paper's settings otherwise), resolved;
    `overrides` replace its fields. The MLP networks have no --base_filters to shrink."""
    values = dict(dataset="mnist", image_size=28, latent_dim=8, jit_compile=True)
    values.update(overrides)
    if values.get("architecture", "dcgan") == "dcgan":
        values.setdefault("base_filters", 4)
    return configs.get(variant, **values)


def cgan_config(**overrides):
    config = mnist_config("cgan", **overrides)
    assert config.num_classes == 10  # resolved from MNIST's labels
    return config


@pytest.mark.parametrize("architecture", ["mlp", "dcgan"])
def test_cgan_output_changes_with_the_label(architecture):
    model = build_model(cgan_config(architecture=architecture))
    z = tf.random.normal([3, 8])
    a = model.generate(z, tf.constant([1, 1, 1]))
    b = model.generate(z, tf.constant([5, 5, 5]))
    assert not np.allclose(a, b)


def test_cgan_one_class_batch_gives_that_class_row_of_the_grid():
    model = build_model(cgan_config())
    z, labels, rows = fixed_inputs(model, columns=6)
    assert rows == 10 and labels.numpy().tolist()[:7] == [0, 0, 0, 0, 0, 0, 1]
    grid = generate_images(model, z, labels).reshape(10, 6, 28, 28, 1)
    sevens = generate_images(model, z[:6], tf.fill([6], 7))
    np.testing.assert_allclose(grid[7], sevens, atol=1e-5)


@pytest.mark.long  # XLA in the suite: tests/augment/test_ada.py, test_mixed_precision.py
def test_cgan_trains_under_xla_with_labels():
    model = build_model(cgan_config())
    images = tf.random.uniform([32, 28, 28, 1], -1, 1)
    labels = tf.range(32) % 10
    data = (
        tf.data.Dataset.from_tensor_slices((images, labels)).repeat().batch(8, drop_remainder=True)
    )
    history = model.fit(data, steps_per_epoch=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])
    assert isinstance(model, CGAN)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_wgan_warmup_schedule_gives_extra_critic_updates_in_its_iterations(jit_compile):
    keras.utils.set_random_seed(0)
    model = WGAN(
        dense(3, 4, "g"),
        dense(4, 1, "d"),
        latent_dim=3,
        d_steps=5,
        g_steps=1,
        seed=0,
        clip_value=0.01,
        warmup_critic_steps=7,
    )
    model.compile(
        d_optimizer=keras.optimizers.RMSprop(1e-3),
        g_optimizer=keras.optimizers.RMSprop(1e-3),
        jit_compile=jit_compile,
    )
    data = batches(8 * 5)

    def critic_updates_in_one_iteration(iteration):
        model.step.assign(iteration)
        before = int(model.d_optimizer.iterations.numpy())
        model.fit(data, steps_per_epoch=1, epochs=1, verbose=0)
        return int(model.d_optimizer.iterations.numpy()) - before

    # The authors' schedule: the first 25 iterations and every 500th get 7 here, the others 5.
    assert [critic_updates_in_one_iteration(i) for i in (0, 24, 25, 499, 500, 1000)] == [
        7,
        7,
        5,
        5,
        7,
        7,
    ]
    values = np.concatenate([w.numpy().ravel() for w in model.discriminator.trainable_variables])
    assert np.all(np.abs(values) <= 0.01 + 1e-7)  # the extra updates clip too


def test_repeated_draws_differ_per_loop_iteration():
    model = WGAN(
        dense(3, 4, "g"),
        dense(4, 1, "d"),
        latent_dim=3,
        d_steps=5,
        g_steps=1,
        seed=0,
        clip_value=0.01,
    )

    def draw(counter):
        model.start_step()
        with model.repeated_draws(tf.constant(counter)):
            return model.sample_latent(2).numpy()

    assert not np.allclose(draw(0), draw(1))
    np.testing.assert_array_equal(draw(1), draw(1))


def test_wgan_refuses_a_warmup_not_above_n_critic():
    with pytest.raises(ValueError, match="warmup_critic_steps"):
        WGAN(
            dense(3, 4, "g"),
            dense(4, 1, "d"),
            latent_dim=3,
            d_steps=5,
            g_steps=1,
            seed=0,
            clip_value=0.01,
            warmup_critic_steps=5,
        )


@pytest.mark.parametrize("critic_norm", ["batch", "layer", "none"])
def test_wgan_critic_norm_picks_the_critics_normalisation(critic_norm):
    model = build_model(mnist_config("wgan", critic_norm=critic_norm))
    kinds = {type(layer).__name__ for layer in model.discriminator.layers}
    assert ("BatchNormalization" in kinds) == (critic_norm == "batch")
    assert ("LayerNormalization" in kinds) == (critic_norm == "layer")
    # The generator keeps DCGAN's batch norm whatever the critic has.
    assert any(isinstance(x, keras.layers.BatchNormalization) for x in model.generator.layers)


@pytest.mark.parametrize(
    "variant,options,message",
    [
        ("wgan", {"critic_norm": "none"}, "--critic_norm=none changes the DCGAN networks"),
        ("wgan_gp", {"critic_norm": "none"}, "--critic_norm=none changes the DCGAN networks"),
        ("wgan_gp", {"critic_bias": False}, "--nocritic_bias changes the DCGAN networks"),
        (
            "wgan_gp",
            {"critic_norm": "none", "critic_bias": False},
            "--critic_norm=none and --nocritic_bias change the DCGAN networks",
        ),
    ],
)
def test_critic_options_are_refused_for_the_mlp_critic(variant, options, message):
    # The MLP critic has no normalisation or bias option: refused, not silently ignored.
    with pytest.raises(UsageError, match=message):
        build_model(mnist_config(variant, architecture="mlp", **options))


@pytest.mark.parametrize("variant", ["wgan", "wgan_gp"])
def test_the_mlp_critic_builds_with_the_default_critic_options(variant):
    model = build_model(mnist_config(variant, architecture="mlp"))
    kinds = {type(layer).__name__ for layer in model.discriminator.layers}
    assert not kinds & {"BatchNormalization", "LayerNormalization"}


@pytest.mark.parametrize(
    "options,kind,betas",
    [
        ({}, "RMSprop", None),  # the paper's, sec. 3
        ({"optimizer": "adam"}, "FusedAdam", (0.5, 0.999)),  # the study's (compare_gan WGAN.py)
        ({"optimizer": "adam", "beta_1": 0.0, "beta_2": 0.9}, "FusedAdam", (0.0, 0.9)),
    ],
)
def test_wgan_trains_with_rmsprop_or_adam(options, kind, betas):
    model = build_model(mnist_config("wgan", jit_compile=False, **options))
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert type(optimizer).__name__ == kind
        assert float(optimizer.learning_rate) == pytest.approx(5e-5)  # Algorithm 1's alpha
        if betas is not None:
            assert (optimizer.beta_1, optimizer.beta_2) == pytest.approx(betas)
    data = tf.data.Dataset.from_tensors(tf.zeros((4 * 5, 28, 28, 1))).repeat()
    history = model.fit(data, steps_per_epoch=1, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])
    values = np.concatenate([w.numpy().ravel() for w in model.discriminator.trainable_variables])
    assert np.all(np.abs(values) <= 0.01 + 1e-7)  # clipped whatever the optimizer


def test_wgan_refuses_adams_betas_with_rmsprop():
    with pytest.raises(UsageError, match="--beta_2 is Adam's"):
        mnist_config("wgan", beta_2=0.9)
