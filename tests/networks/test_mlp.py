import numpy as np
import pytest
import tensorflow as tf

from gan_tf.networks.mlp import mlp_discriminator, mlp_generator, mlp_vector_generator


def test_mlp_generator_maps_noise_to_images_in_tanh_range():
    g = mlp_generator(16, (28, 28, 1), hidden_units=(32,))
    images = g(tf.random.normal([4, 16]) * 10)
    assert images.shape == (4, 28, 28, 1)
    assert np.all(np.abs(images.numpy()) <= 1.0)


def test_mlp_discriminator_gives_one_logit_per_image():
    d = mlp_discriminator((28, 28, 1), hidden_units=(32,))
    assert d(tf.zeros([5, 28, 28, 1])).shape == (5, 1)


def test_conditional_mlp_takes_labels():
    g = mlp_generator(8, (4, 4, 1), hidden_units=(16,), num_classes=3)
    z = tf.zeros([2, 8])
    a = g([z, tf.constant([0, 0])])
    b = g([z, tf.constant([2, 2])])
    assert not np.allclose(a, b)


def test_mlp_vector_generator_has_linear_vector_outputs():
    g = mlp_vector_generator(latent_dim=2, output_dim=2, hidden_units=(16, 16))
    samples = g(tf.random.normal([64, 2]) * 100).numpy()
    assert samples.shape == (64, 2)
    # Linear output layer: large noise gives samples outside tanh's [-1, 1] (the toy ring has
    # radius 2), which `mlp_generator` could never produce.
    assert np.max(np.abs(samples)) > 1.0


def test_mlp_vector_generator_rejects_empty_shapes():
    with pytest.raises(ValueError, match="latent_dim"):
        mlp_vector_generator(latent_dim=0)
