import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from gan_tf.errors import UsageError
from gan_tf.networks.dcgan import INITS, dcgan_discriminator, dcgan_generator
from tests.networks.init_stats import (
    assert_drawn_from,
    assert_each_kernel_drawn_from_normal,
    assert_each_kernel_uniform,
    assert_kernels_drawn_independently,
    biases,
    glorot_limit,
    kernels,
    norm_weights,
)


@pytest.mark.parametrize("size,channels", [(28, 1), (32, 3), (64, 3)])
def test_generator_and_discriminator_shapes(size, channels):
    g = dcgan_generator(latent_dim=10, image_size=size, channels=channels, base_filters=4)
    d = dcgan_discriminator(image_size=size, channels=channels, base_filters=4)
    images = g(tf.random.normal([3, 10]))
    assert images.shape == (3, size, size, channels)
    assert np.all(np.abs(images.numpy()) <= 1.0)
    assert d(images).shape == (3, 1)


def test_64x64_layout_is_that_of_the_paper():
    # Radford et al. 2016, fig. 1: 4x4x1024 -> 8x8x512 -> 16x16x256 -> 32x32x128 -> 64x64x3.
    g = dcgan_generator(latent_dim=100, image_size=64, channels=3)
    shapes = [
        tuple(layer.output.shape[1:])
        for layer in g.layers
        if isinstance(layer, layers.Conv2DTranspose)
    ]
    assert shapes == [(4, 4, 1024), (8, 8, 512), (16, 16, 256), (32, 32, 128), (64, 64, 3)]


def test_architecture_rules():
    g = dcgan_generator(latent_dim=10, image_size=32, channels=3, base_filters=4)
    d = dcgan_discriminator(image_size=32, channels=3, base_filters=4)
    for model in (g, d):
        assert not any(
            isinstance(layer, layers.Dense | layers.MaxPooling2D | layers.AveragePooling2D)
            for layer in model.layers
        )
    # Generator: output is the last layer (tanh), no batch norm after it.
    assert g.layers[-1].activation.__name__ == "tanh"
    g_types = [type(layer) for layer in g.layers]
    assert g_types[-1] is layers.Conv2DTranspose
    # Discriminator: no batch norm directly on the input convolution.
    convs = [i for i, layer in enumerate(d.layers) if isinstance(layer, layers.Conv2D)]
    assert not isinstance(d.layers[convs[0] + 1], layers.BatchNormalization)
    assert isinstance(d.layers[convs[1] + 1], layers.BatchNormalization)
    assert any(isinstance(layer, layers.LeakyReLU) for layer in d.layers)
    assert any(isinstance(layer, layers.ReLU) for layer in g.layers)


def test_critic_without_batch_norm_and_bias():
    d = dcgan_discriminator(
        image_size=28, channels=1, base_filters=4, normalization="layer", use_bias=False
    )
    assert not any(isinstance(layer, layers.BatchNormalization) for layer in d.layers)
    assert all(
        not getattr(layer, "use_bias", False)
        for layer in d.layers
        if isinstance(layer, layers.Conv2D)
    )


def test_unsupported_size_is_a_usage_error():
    with pytest.raises(UsageError, match="28, 32, 64"):
        dcgan_generator(image_size=48)


def test_conditional_dcgan_changes_with_label():
    g = dcgan_generator(latent_dim=6, image_size=28, channels=1, base_filters=4, num_classes=10)
    d = dcgan_discriminator(image_size=28, channels=1, base_filters=4, num_classes=10)
    z = tf.random.normal([2, 6])
    a, b = g([z, tf.constant([1, 1])]), g([z, tf.constant([7, 7])])
    assert not np.allclose(a, b)
    assert d([a, tf.constant([1, 1])]).shape == (2, 1)


def _networks(init: str, base_filters: int = 64, **options) -> tuple[keras.Model, keras.Model]:
    # base_filters=64 at 32 px: 1.4M kernel weights and 832 batch norm scales to pool.
    keras.utils.set_random_seed(0)
    return (
        dcgan_generator(16, 32, 3, base_filters, init=init),
        dcgan_discriminator(32, 3, base_filters, init=init, **options),
    )


def test_normal_init_is_the_papers_by_default():
    # Radford et al. 2016, sec. 4: every weight from N(0, 0.02); batch norm scale N(1, 0.02)
    # and offset 0 as in the authors' code (Newmu/dcgan_code).
    assert INITS == ("normal", "glorot")
    keras.utils.set_random_seed(0)
    defaults = (dcgan_generator(16, 32, 3, 64), dcgan_discriminator(32, 3, 64))
    for models in (_networks("normal"), defaults):
        assert_each_kernel_drawn_from_normal(models, 0.02)
        assert_kernels_drawn_independently(*models)
        assert np.all(biases(*models) == 0.0)
        gammas = norm_weights(layers.BatchNormalization, "gamma", *models)
        assert_drawn_from(gammas, 1.0, 0.02, 0.1)
        assert np.all(norm_weights(layers.BatchNormalization, "beta", *models) == 0.0)


def test_glorot_init_keeps_keras_defaults():
    # At base_filters=64 glorot's spread in the widest layers happens to be near 0.02, so the
    # pooled spread is compared on narrow networks; the per-layer check and the shape
    # (uniform, not normal) tell the two apart at any width.
    assert kernels(*_networks("glorot", base_filters=8)).std() > 2 * 0.02
    models = _networks("glorot")
    with pytest.raises(AssertionError):
        assert_each_kernel_drawn_from_normal(models, 0.02)
    assert_each_kernel_uniform(models, glorot_limit)
    assert np.all(biases(*models) == 0.0)
    assert np.all(norm_weights(layers.BatchNormalization, "gamma", *models) == 1.0)


def test_normal_init_leaves_the_critic_layer_norm_scale_at_one():
    _, critic = _networks("normal", normalization="layer")
    assert_each_kernel_drawn_from_normal((critic,), 0.02)
    assert np.all(norm_weights(layers.LayerNormalization, "gamma", critic) == 1.0)


@pytest.mark.parametrize("builder", [dcgan_generator, dcgan_discriminator])
def test_unknown_init_is_refused(builder):
    with pytest.raises(ValueError, match=rf"^{builder.__name__}: init='he' .* normal, glorot"):
        builder(image_size=32, init="he")
    with pytest.raises(UsageError):  # also one line from the command line
        builder(image_size=32, init="he")
