"""The EMA generator and the schedule a step reads: their arithmetic, their use, and resume."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import gan_tf
from gan_tf import losses
from gan_tf.models.hooks import GeneratorEMA, Schedule
from gan_tf.models.noise_to_image import NoiseToImageGAN
from gan_tf.training.checkpoints import checkpoint_for
from gan_tf.training.samples import generate_images


def generator_with_batch_norm() -> keras.Model:
    return keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(3), keras.layers.BatchNormalization()]
    )


def test_ema_averages_trainable_weights_and_copies_statistics():
    generator = generator_with_batch_norm()
    ema = GeneratorEMA(generator, decay=0.9, start=2)
    before = [w.numpy() for w in ema.network.weights]
    for w in generator.weights:
        w.assign(w + 1.0)
    ema.update(generator, tf.constant(1, tf.int64))  # before `start`: a copy
    for average, weight in zip(ema.network.weights, generator.weights, strict=True):
        np.testing.assert_allclose(average.numpy(), weight.numpy())
    copied = [w.numpy() for w in ema.network.weights]
    for w in generator.weights:
        w.assign(w + 1.0)
    ema.update(generator, tf.constant(2, tf.int64))  # from `start` on: the average
    for old, average, weight in zip(copied, ema.network.weights, generator.weights, strict=True):
        if weight.trainable:
            np.testing.assert_allclose(average.numpy(), 0.9 * old + 0.1 * weight.numpy(), rtol=1e-5)
        else:  # batch norm's moving mean and variance follow G's
            np.testing.assert_allclose(average.numpy(), weight.numpy())
    assert not np.allclose(before[0], copied[0])


def test_ema_decay_outside_0_1_is_refused():
    with pytest.raises(ValueError, match="decay"):
        GeneratorEMA(generator_with_batch_norm(), decay=1.0)


def tiny_dcgan(**overrides):
    config = gan_tf.configs.get(
        "dcgan", dataset="mnist", base_filters=4, batch_size=4, jit_compile=False, **overrides
    )
    return config, gan_tf.build(config)


def zeros(config) -> tf.data.Dataset:
    shape = (config.batch_size, config.image_size, config.image_size, config.channels)
    return tf.data.Dataset.from_tensors(tf.zeros(shape)).repeat()


def test_a_run_with_ema_samples_and_checkpoints_through_it():
    config, model = tiny_dcgan(ema_decay=0.5)
    model.fit(zeros(config), steps_per_epoch=3, epochs=1, verbose=0)
    assert "generator_ema" in model.checkpoint_objects()
    z = tf.random.stateless_normal((8, config.latent_dim), seed=[0, 1])
    ema_images = generate_images(model, z)
    raw_images = generate_images(model, z, raw_generator=True)
    np.testing.assert_allclose(ema_images, model.ema.network(z, training=False).numpy(), atol=1e-6)
    np.testing.assert_allclose(raw_images, model.generator(z, training=False).numpy(), atol=1e-6)
    assert not np.allclose(ema_images, raw_images)
    # The average is between G's start and G now: not G, not its initial weights.
    fresh = gan_tf.build(config)
    kernel = [w.numpy() for w in (fresh.generator.weights[0], model.generator.weights[0])]
    average = model.ema.network.weights[0].numpy()
    assert not np.allclose(average, kernel[0]) and not np.allclose(average, kernel[1])


def test_ema_resumes_from_a_checkpoint(tmp_path):
    config, model = tiny_dcgan(ema_decay=0.9)
    model.fit(zeros(config), steps_per_epoch=2, epochs=1, verbose=0)
    path = checkpoint_for(model).save(str(tmp_path / "ckpt"))
    _, restored = tiny_dcgan(ema_decay=0.9)
    checkpoint_for(restored).restore(path).assert_existing_objects_matched()
    for a, b in zip(model.ema.network.weights, restored.ema.network.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def ramp_model(seed: int = 0) -> NoiseToImageGAN:
    """A toy model whose step reads a schedule: alpha ramps from 0 to 1 over 100 images."""
    keras.utils.set_random_seed(seed)
    schedule = Schedule(
        {"alpha": lambda images: tf.minimum(1.0, tf.cast(images, tf.float32) / 100)}
    )

    class Faded(NoiseToImageGAN):
        def generate(self, z, labels=None, training=False, ema=False):
            # The step reads the schedule: fakes fade in with alpha.
            return self.schedule("alpha") * super().generate(z, labels, training, ema)

    model = Faded(
        keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)]),
        keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]),
        latent_dim=2,
        d_steps=1,
        g_steps=1,
        seed=seed,
        schedule=schedule,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(1e-2),
        g_optimizer=keras.optimizers.Adam(1e-2),
        d_loss_fn=losses.minimax_discriminator_loss,
        g_loss_fn=losses.non_saturating_generator_loss,
        jit_compile=True,
    )
    return model


def points() -> tf.data.Dataset:
    data = np.random.default_rng(0).normal(size=(8 * 10, 2)).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices(data).batch(8, drop_remainder=True).repeat()


def test_the_schedule_is_read_by_the_step_and_resumes_where_it_stopped(tmp_path):
    whole = ramp_model()
    traces = []
    step = whole.train_step
    whole.train_step = lambda data: (traces.append(1), step(data))[1]
    history = whole.fit(points(), steps_per_epoch=5, epochs=1, verbose=0)
    assert len(traces) == 1
    # The last of 5 steps of 8 images trained at alpha 32 / 100.
    assert history.history["schedule/alpha"][0] == pytest.approx(0.32)
    assert int(whole.schedule.images_seen.numpy()) == 40

    first = ramp_model()
    first.fit(points(), steps_per_epoch=3, epochs=1, verbose=0)
    path = checkpoint_for(first).save(str(tmp_path / "ckpt"))
    resumed = ramp_model()
    checkpoint_for(resumed).restore(path).assert_existing_objects_matched()
    assert float(resumed.schedule("alpha")) == pytest.approx(0.24)
    resumed.fit(points().skip(3), steps_per_epoch=2, epochs=1, verbose=0)
    assert int(resumed.schedule.images_seen.numpy()) == 40
    for a, b in zip(whole.generator.weights, resumed.generator.weights, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_evaluate_uses_the_ema_unless_asked_for_the_raw_generator(tmp_path, data_dir):
    from gan_tf.evaluate import evaluate, read_records

    config = gan_tf.configs.get(
        "dcgan",
        dataset="mnist_demo",
        data_dir=data_dir,
        base_filters=4,
        batch_size=8,
        train_steps=3,
        jit_compile=False,
        ema_decay=0.5,
    )
    workdir = tmp_path / "run"
    gan_tf.train(gan_tf.build(config), config, workdir)
    for raw in (False, True):
        _, path = evaluate(
            str(workdir), metrics="fcd", num_samples=16, jit_compile=False, raw_generator=raw
        )
    ema, raw = read_records(path)
    assert (ema["generator"], raw["generator"]) == ("ema", "raw")
    assert ema["metrics"]["fcd"] != raw["metrics"]["fcd"]
    assert sorted(p.name for p in (workdir / "eval").iterdir()) == ["step_3.json"]


def test_standing_statistics_are_the_average_batch_statistics():
    from gan_tf.models.hooks import standing_statistics

    generator = generator_with_batch_norm()
    batches = [tf.random.stateless_normal((32, 2), seed=[7, k]) * (k + 1) for k in range(3)]
    dense = generator.layers[0]
    means = [tf.reduce_mean(dense(b), axis=0).numpy() for b in batches]
    variances = [tf.math.reduce_variance(dense(b), axis=0).numpy() for b in batches]
    norm = generator.layers[1]
    assert standing_statistics(generator, lambda k: batches[k], 3) == 1
    np.testing.assert_allclose(norm.moving_mean.numpy(), np.mean(means, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(norm.moving_variance.numpy(), np.mean(variances, 0), rtol=1e-4)
    assert norm.momentum == 0.99  # restored


def test_the_model_computes_standing_statistics_for_its_ema():
    config, model = tiny_dcgan(ema_decay=0.5)
    model.fit(zeros(config), steps_per_epoch=2, epochs=1, verbose=0)
    raw_before = [w.numpy() for w in model.generator.non_trainable_weights]
    assert model.standing_statistics(2, batch_size=8, ema=True) > 0
    for before, after in zip(raw_before, model.generator.non_trainable_weights, strict=True):
        np.testing.assert_array_equal(before, after.numpy())  # G's own are untouched
