"""The one base every model derives from: keyword-only optimizers, one update path, one random
algorithm, refused batches, and what its hooks leave untouched."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import gan_tf
from gan_tf import configs
from gan_tf.models.base import RNG, AdversarialModel
from gan_tf.models.translation import TranslationModel


def tiny(variant: str, **overrides):
    settings = dict(base_filters=4, batch_size=4, jit_compile=False)
    if variant == "gan":
        del settings["base_filters"]  # an MLP
    if variant in ("pix2pix", "cyclegan", "stargan"):
        settings.update(dataset="fashion_mnist", image_size=32)
    if variant == "stargan":
        settings.update(image_size=16, d_layers=2, num_residual_blocks=1)
    if variant == "biggan":  # the CIFAR preset: 32x32, no attention
        settings.update(preset="cifar", latent_dim=8)
    if variant == "pggan":  # 8x8 from 4x4, the widths set by fmap_base and fmap_max
        del settings["base_filters"], settings["batch_size"]
        settings.update(image_size=8, fmap_base=8, fmap_max=4, latent_dim=4, batch_sizes=[4])
    config = configs.get(variant, **{**settings, **overrides})
    return config, gan_tf.build(config)


@pytest.mark.parametrize("variant", configs.VARIANTS)
def test_every_variant_derives_from_the_one_base(variant):
    _, model = tiny(variant)
    assert isinstance(model, AdversarialModel)
    objects = model.checkpoint_objects()
    for name in (*model.GENERATORS, *model.DISCRIMINATORS, "d_optimizer", "g_optimizer", "step"):
        assert name in objects
    if variant in ("pix2pix", "cyclegan", "stargan"):
        assert isinstance(model, TranslationModel)


def test_optimizers_are_keywords_only():
    _, model = tiny("cyclegan")
    with pytest.raises(TypeError):
        model.compile(keras.optimizers.Adam(), keras.optimizers.Adam())


def test_minimize_returns_the_loss_its_logs_and_the_gradient_norm():
    _, model = tiny("dcgan")
    variables = model.trainable_variables_of("d")
    before = [v.numpy() for v in variables]
    images = tf.random.stateless_uniform((4, 28, 28, 1), [1, 2], -1.0, 1.0)

    def loss_fn():
        scores = model.discriminate(images, training=True)
        return tf.reduce_mean(scores**2), {"mean_score": tf.reduce_mean(scores)}

    with tf.GradientTape() as tape:
        expected_loss, _ = loss_fn()
    expected_norm = tf.linalg.global_norm(tape.gradient(expected_loss, variables))
    loss, logs, norm = model.minimize("d", loss_fn)
    assert float(loss) == pytest.approx(float(expected_loss), rel=1e-5)
    assert float(norm) == pytest.approx(float(expected_norm), rel=1e-4)
    assert set(logs) == {"mean_score"}
    assert int(model.d_optimizer.iterations.numpy()) == 1
    assert any(not np.allclose(b, v.numpy()) for b, v in zip(before, variables, strict=True))


def test_every_draw_is_philox_from_the_seed_and_step():
    _, model = tiny("stargan")
    model.start_step()
    drawn = model.sample_uniform(5)
    seed = tf.constant([0, 1], tf.int64)  # (seed, step 0 * 1024 + draw site 1)
    expected = tf.random.stateless_uniform((5,), seed=seed, alg=RNG)
    np.testing.assert_array_equal(drawn.numpy(), expected.numpy())
    assert RNG == "philox"


def test_a_batch_that_does_not_divide_into_critic_updates_is_refused():
    _, model = tiny("wgan_gp")  # d_steps = 5
    odd = tf.data.Dataset.from_tensors(tf.zeros((4 * 5 + 2, 28, 28, 1))).repeat()
    with pytest.raises(ValueError, match="does not divide into d_steps=5"):
        model.fit(odd, steps_per_epoch=1, epochs=1, verbose=0)


def test_the_ema_leaves_training_as_it_is():
    def trained(**overrides):
        config, model = tiny("dcgan", **overrides)
        shape = (config.batch_size, 28, 28, 1)
        data = tf.data.Dataset.from_tensors(tf.random.stateless_normal(shape, [3, 4])).repeat()
        model.fit(data, steps_per_epoch=3, epochs=1, verbose=0)
        return [w.numpy() for w in model.generator.weights]

    for plain, with_ema in zip(trained(), trained(ema_decay=0.99), strict=True):
        np.testing.assert_array_equal(plain, with_ema)
