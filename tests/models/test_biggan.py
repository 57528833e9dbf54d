"""BigGAN: the presets (the paper's, the authors' scripts'), orthogonal regularisation of G's
weights in the authors' layout, the step, the EMA generator and truncated sampling."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import configs, losses
from gan_tf.errors import UsageError
from gan_tf.models.regularizers import OrthogonalRegularization
from gan_tf.models.zoo import build_model
from tests.models.test_noise_to_image import count_traces


def test_the_default_is_the_papers_biggan_at_128():
    config = configs.get("biggan", dataset="mnist")
    assert (config.image_size, config.base_filters, config.latent_dim) == (128, 96, 120)
    assert (config.shared_dim, config.hierarchical, config.attention) == (128, True, [64])
    assert (config.g_learning_rate, config.d_learning_rate, config.d_steps) == (5e-5, 2e-4, 2)
    assert (config.beta_1, config.beta_2, config.batch_size) == (0.0, 0.999, 2048)
    assert (config.orthogonal_reg, config.ema_decay, config.init) == (1e-4, 0.9999, "orthogonal")


def test_presets_are_the_authors_scripts_and_explicit_settings_win():
    script = configs.get("biggan", dataset="mnist", preset="script_128")
    assert (script.g_learning_rate, script.d_learning_rate, script.d_steps) == (1e-4, 4e-4, 1)
    assert (script.orthogonal_reg, script.adam_epsilon) == (0.0, 1e-6)
    cifar = configs.get("biggan", dataset="mnist", preset="cifar", d_steps=1)
    assert (cifar.image_size, cifar.base_filters, cifar.shared_dim, cifar.attention) == (
        32, 64, 0, []
    )  # fmt: skip
    assert (cifar.batch_size, cifar.init, cifar.ema_start, cifar.train_steps) == (
        50, "normal", 1000, 125_000
    )  # fmt: skip
    assert cifar.d_steps == 1  # given, over the preset's 4
    with pytest.raises(UsageError, match="no preset 'huge'"):
        configs.get("biggan", dataset="mnist", preset="huge")


def tiny_config(**overrides):
    values = dict(
        dataset="mnist", preset="paper_128", image_size=32, base_filters=2, latent_dim=8,
        attention=[16], batch_size=4, d_steps=1, jit_compile=False,
    )  # fmt: skip
    values.update(overrides)
    return configs.get("biggan", **values)


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(dataset="celeb_a"), "biggan needs class labels"),
        (dict(shared_dim=0), "--hierarchical needs the shared embedding"),
        (dict(attention=["x16"]), "takes resolutions"),
        (dict(attention=[64]), "blocks work at"),
        (dict(image_size=48), "32, 64, 128, 256, not --image_size=48"),
    ],
)
def test_refuses_settings_it_cannot_run(overrides, message):
    with pytest.raises(UsageError, match=message):
        tiny_config(**overrides)


def test_attention_resolutions_are_sorted_and_distinct():
    assert tiny_config(attention=["16", 8, 16]).attention == [8, 16]


def test_orthogonal_regularisation_covers_gs_weights_but_the_shared_embedding():
    model = build_model(tiny_config())
    (regularizer,) = model.g_regularizers
    assert isinstance(regularizer, OrthogonalRegularization) and regularizer.weight == 1e-4
    matrices = regularizer.matrices(model.generator)
    kernels = [
        layer.kernel for layer in model.generator._flatten_layers()
        if isinstance(layer, keras.layers.Dense | keras.layers.Conv2D)
    ]  # fmt: skip
    assert len(matrices) == len(kernels)  # every kernel, no embedding (all are shared here)
    # Columns are the output units: a conv kernel (3, 3, in, out) is a (9 in, out) matrix.
    conv = model.generator.get_layer("block0_conv1_sn").layer.kernel
    assert any(m.shape == (9 * conv.shape[2], conv.shape[3]) for m in matrices)
    value, logs = regularizer.penalty(model, None)
    assert float(logs["orthogonal_penalty"]) == float(value)
    expected = sum(float(losses.orthogonal_penalty(m)) for m in matrices)
    assert float(value) == pytest.approx(expected, rel=1e-5)
    # The per-class gain tables of the CIFAR preset's batch norms are regularised with one
    # column per class, as the authors' `ortho` sees PyTorch's (classes, dim) tables.
    cifar = build_model(tiny_config(preset="cifar", attention=[], orthogonal_reg=1e-4))
    table = cifar.generator.get_layer("block0_bn1").gain.embeddings
    shapes = [m.shape for m in cifar.g_regularizers[0].matrices(cifar.generator)]
    assert (table.shape[1], table.shape[0]) in shapes


def labelled_batches(config):
    images = tf.random.stateless_uniform([8, 32, 32, 1], seed=[1, 2], minval=-1)
    labels = tf.range(8) % 10
    return tf.data.Dataset.from_tensor_slices((images, labels)).repeat().batch(4, True)


def test_a_step_traces_once_updates_the_ema_and_logs_the_penalty():
    config = tiny_config(ema_start=0)
    model = build_model(config)
    traces = count_traces(model)
    before = [w.numpy() for w in model.ema.network.trainable_weights]
    history = model.fit(labelled_batches(config), steps_per_epoch=2, epochs=1, verbose=0)
    model.fit(labelled_batches(config), steps_per_epoch=1, epochs=1, verbose=0)
    assert len(traces) == 1
    assert history.history["orthogonal_penalty"][0] > 0
    # theta_ema <- 0.9999 theta_ema + 0.0001 theta: the average moved, by little.
    after = [w.numpy() for w in model.ema.network.trainable_weights]
    moved = [not np.array_equal(a, b) for a, b in zip(before, after, strict=True)]
    assert any(moved)
    raw = model.generator.trainable_weights
    assert all(
        np.abs(a - b).max() <= np.abs(r.numpy() - b).max() + 1e-6
        for a, b, r in zip(after, before, raw, strict=True)
    )


def test_truncated_fixed_latents_stay_within_the_threshold():
    model = build_model(tiny_config())
    z = model.fixed_latents((64,), seed=[1, 2], truncation=0.3)
    assert z.shape == (64, 8) and float(tf.reduce_max(tf.abs(z))) <= 0.3
    rescaled = model.fixed_latents((64,), seed=[1, 2], truncation=0.3, truncation_mode="rescale")
    assert 0.3 < float(tf.reduce_max(tf.abs(rescaled))) <= 0.6
    images = model.generate(z, tf.range(64) % 10, ema=True)
    assert images.shape == (64, 32, 32, 1)
