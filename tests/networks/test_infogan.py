"""The InfoGAN networks of the large-scale study: shapes, parameter counts, layers, ranges."""

import keras
import numpy as np
import pytest

from gan_tf.errors import UsageError
from gan_tf.networks import infogan


def trainable(model: keras.Model) -> int:
    return sum(int(np.prod(v.shape)) for v in model.trainable_variables)


def dense(n_in, n_out):
    return n_in * n_out + n_out


def conv(k, c_in, c_out):
    return k * k * c_in * c_out + c_out


def test_parameter_counts_are_the_studys_layers():
    # The layers of compare_gan's abstract_gan.py (49495fd) for 28x28x1 and z of 64, counted
    # by hand: every layer has a bias, every batch norm a learnt scale and offset.
    g_expected = (
        dense(64, 1024) + 2 * 1024
        + dense(1024, 128 * 7 * 7) + 2 * 128 * 7 * 7
        + conv(4, 128, 64) + 2 * 64
        + conv(4, 64, 1)
    )  # fmt: skip
    d_no_bn = conv(4, 1, 64) + conv(4, 64, 128) + dense(128 * 7 * 7, 1024) + dense(1024, 1)
    assert g_expected == 6_642_241
    assert trainable(infogan.infogan_generator(64, 28, 1)) == g_expected
    assert trainable(infogan.infogan_discriminator(28, 1)) == d_no_bn + 2 * 128 + 2 * 1024
    assert trainable(infogan.infogan_discriminator(28, 1, normalization="none")) == d_no_bn


@pytest.mark.parametrize("size, channels", [(28, 1), (32, 3)])
def test_shapes_and_ranges(size, channels):
    generator = infogan.infogan_generator(64, size, channels)
    discriminator = infogan.infogan_discriminator(size, channels)
    z = np.random.default_rng(0).uniform(-1, 1, (5, 64)).astype("float32")
    images = keras.ops.convert_to_numpy(generator(z, training=False))
    assert images.shape == (5, size, size, channels)
    assert images.min() >= -1.0 and images.max() <= 1.0
    assert discriminator(images).shape == (5, 1)


def test_layers_follow_the_studys_code():
    generator = infogan.infogan_generator()
    norms = [la for la in generator.layers if isinstance(la, keras.layers.BatchNormalization)]
    assert len(norms) == 3
    assert all(la.momentum == 0.999 and la.epsilon == 1e-3 for la in norms)
    leaky = [la for la in generator.layers if isinstance(la, keras.layers.LeakyReLU)]
    assert len(leaky) == 3 and all(np.isclose(la.negative_slope, 0.2) for la in leaky)
    assert generator.get_layer("g_dc4").activation.__name__ == "sigmoid"
    kernel = keras.ops.convert_to_numpy(generator.get_layer("g_fc2").kernel)
    assert abs(kernel.std() - 0.02) < 0.001 and abs(kernel.mean()) < 0.001
    # The convolutions' weights are truncated at two standard deviations.
    discriminator = infogan.infogan_discriminator()
    conv_kernel = keras.ops.convert_to_numpy(discriminator.get_layer("d_conv2").kernel)
    assert np.abs(conv_kernel).max() <= 0.04 + 1e-6
    norms = [la for la in discriminator.layers if isinstance(la, keras.layers.BatchNormalization)]
    assert len(norms) == 2  # after conv 128 and FC 1024, none on the input layer


def test_the_discriminator_sees_the_studys_unit_range():
    """D(x) for gan_tf's [-1, 1] image x is the study's D on (x + 1) / 2: its first convolution
    gets u = (x + 1) / 2."""
    discriminator = infogan.infogan_discriminator(28, 1)
    first = keras.Model(discriminator.input, discriminator.get_layer("d_conv1").input)
    x = np.linspace(-1, 1, 28 * 28, dtype="float32").reshape(1, 28, 28, 1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(first(x)), (x + 1) / 2, atol=1e-6)


def test_bad_input_is_refused():
    with pytest.raises(UsageError, match="multiples of 4"):
        infogan.infogan_generator(64, 30, 1)
    with pytest.raises(UsageError, match="normalization"):
        infogan.infogan_discriminator(28, 1, normalization="group")
    with pytest.raises(ValueError, match="init"):
        infogan.infogan_generator(64, 28, 1, init="he")
