"""SNGAN's ResNets (Miyato et al. 2018, appendix B.4; pfnet-research/sngan_projection):
parameter counts from the authors' layer list, shapes, spectral norm on every weight of D,
the projection term, and the initialisation."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.errors import UsageError
from gan_tf.networks import sngan
from gan_tf.networks.conditional_batch_norm import ClassBatchNorm
from gan_tf.networks.spectral_norm import SpectralNormalization


def trainable(model: keras.Model) -> int:
    return sum(int(np.prod(v.shape)) for v in model.trainable_variables)


def conv(k, c_in, c_out):
    return k * k * c_in * c_out + c_out


@pytest.mark.parametrize("classes", [0, 10])
def test_parameter_counts_are_the_authors_layers(classes):
    # gen_models/resnet_32.py (ch 256, dim_z 128, bottom_width 4) and dis_models/snresnet_32.py
    # (ch 128), counted by hand. A batch norm has a scale and an offset; conditional, one per
    # class in the blocks (categorical conditional batch norm), not in the last one.
    bn = 2 * 256 * (classes or 1)
    g_block = bn + conv(3, 256, 256) + bn + conv(3, 256, 256) + conv(1, 256, 256)
    g_expected = (128 * 4096 + 4096) + 3 * g_block + 2 * 256 + conv(3, 256, 3)
    d_expected = (
        conv(3, 3, 128) + conv(3, 128, 128) + conv(1, 3, 128)  # optimized block
        + conv(3, 128, 128) * 2 + conv(1, 128, 128)  # block down
        + conv(3, 128, 128) * 4  # two blocks at 8x8, identity shortcuts
        + 128  # linear to one score, no bias
        + classes * 128  # the projection's class embedding
    )  # fmt: skip
    generator = sngan.sngan_generator(128, 3, classes or None)
    discriminator = sngan.sngan_discriminator(3, classes or None)
    assert trainable(generator) == g_expected
    assert trainable(discriminator) == d_expected
    assert (g_expected, d_expected) == {0: (4_276_739, 1_053_824), 10: (4_304_387, 1_055_104)}[
        classes
    ]


def test_shapes_range_and_conditioning():
    generator = sngan.sngan_generator(16, 1, 10, base_channels=8)
    discriminator = sngan.sngan_discriminator(1, 10, base_channels=4)
    z = tf.random.normal((5, 16), seed=0)
    labels = tf.constant([0, 1, 2, 3, 9])
    images = generator([z, labels], training=True)
    assert images.shape == (5, 32, 32, 1)
    assert float(tf.reduce_max(tf.abs(images))) <= 1.0
    assert discriminator([images, labels]).shape == (5, 1)
    norms = [layer for layer in generator.layers if isinstance(layer, ClassBatchNorm)]
    assert len(norms) == 6  # two per block


def test_every_weight_of_d_is_spectrally_normalised_and_none_of_g():
    discriminator = sngan.sngan_discriminator(3, 10, base_channels=4)
    generator = sngan.sngan_generator(8, 3, 10, base_channels=8)
    weighted = (keras.layers.Conv2D, keras.layers.Dense, keras.layers.Embedding)
    d_layers = [layer for layer in discriminator.layers if isinstance(layer, weighted)]
    wrapped = [layer for layer in discriminator.layers if isinstance(layer, SpectralNormalization)]
    assert not d_layers  # every one sits inside a wrapper
    assert len(wrapped) == 3 + 3 + 2 + 2 + 2  # blocks' convs and shortcuts, linear, embedding
    assert not [layer for layer in generator.layers if isinstance(layer, SpectralNormalization)]


def test_the_projection_adds_the_inner_product_of_the_class_embedding_and_features():
    discriminator = sngan.sngan_discriminator(1, 3, base_channels=4)
    images = tf.random.normal((2, 32, 32, 1), seed=1)
    features_model = keras.Model(discriminator.inputs, discriminator.get_layer("sum_pool").output)
    features = features_model([images, tf.constant([0, 2])]).numpy()
    scores = {
        label: discriminator([images, tf.constant([label, label])]).numpy()[:, 0]
        for label in range(3)
    }
    embedding = discriminator.get_layer("embedding_sn")
    table = embedding.normalized_weight().numpy()
    linear = discriminator.get_layer("linear_sn").normalized_weight().numpy()[:, 0]
    for label, score in scores.items():
        np.testing.assert_allclose(
            score, features @ linear + features @ table[label], rtol=1e-4, atol=1e-4
        )


def test_initialisation_is_glorot_uniform_with_the_authors_gains():
    discriminator = sngan.sngan_discriminator(3, None, base_channels=64)
    residual = discriminator.get_layer("block3_conv1_sn").layer.kernel.numpy()
    shortcut = discriminator.get_layer("block2_shortcut_sn").layer.kernel.numpy()
    # Glorot uniform(gain): U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)), std a / sqrt(3).
    residual_limit = np.sqrt(2) * np.sqrt(6 / (9 * 64 + 9 * 64))
    shortcut_limit = np.sqrt(6 / (64 + 64))
    assert np.abs(residual).max() <= residual_limit
    assert residual.std() == pytest.approx(residual_limit / np.sqrt(3), rel=0.05)
    assert shortcut.std() == pytest.approx(shortcut_limit / np.sqrt(3), rel=0.05)


def test_refuses_other_image_sizes():
    with pytest.raises(UsageError, match="32x32"):
        sngan.sngan_generator(8, 1, image_size=28)
    with pytest.raises(UsageError, match="32x32"):
        sngan.sngan_discriminator(1, image_size=64)
