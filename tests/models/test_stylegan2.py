"""StyleGAN2's model: the presets, the path-length penalty against its definition, style
mixing, the EMA's half-life, Adam's lazy adjustment, and one trace of a step with both lazy
regularisers, with and without XLA."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf import configs
from gan_tf.errors import UsageError
from gan_tf.models.hooks import half_life_decay
from gan_tf.models.regularizers import RegularizerInputs, lazy_adam_settings
from gan_tf.models.stylegan2 import build_stylegan2
from tests.models.test_noise_to_image import count_traces


def test_config_f_and_the_cifar_config_are_the_authors():
    f = configs.get("stylegan2", dataset="mnist")
    assert (f.image_size, f.latent_dim, f.w_dim, f.mapping_layers) == (32, 512, 512, 8)
    assert (f.channel_base, f.channel_max, f.batch_size, f.mbstd_group) == (32768, 512, 32, 4)
    assert (f.g_learning_rate, f.beta_1, f.beta_2, f.adam_epsilon) == (0.002, 0.0, 0.99, 1e-8)
    assert (f.r1_gamma, f.d_reg_interval, f.g_reg_interval) == (10.0, 16, 4)
    assert (f.pl_weight, f.pl_decay, f.pl_batch_shrink, f.style_mixing) == (2.0, 0.01, 2, 0.9)
    assert (f.ema_half_life_images, f.ema_rampup, f.d_architecture) == (10_000, 0.0, "resnet")
    cifar = configs.get("stylegan2", dataset="mnist", preset="cifar")
    assert (cifar.mapping_layers, cifar.batch_size, cifar.mbstd_group) == (2, 64, 32)
    assert (cifar.r1_gamma, cifar.ema_half_life_images, cifar.ema_rampup) == (0.01, 500_000, 0.05)
    assert (cifar.pl_weight, cifar.style_mixing, cifar.d_architecture) == (0.0, 0.0, "orig")


def test_refuses_bad_batches_and_sizes():
    with pytest.raises(UsageError, match="minibatch-stddev"):
        configs.get("stylegan2", dataset="mnist", batch_size=6, mbstd_group=4)
    with pytest.raises(UsageError, match="power of two"):
        configs.get("stylegan2", dataset="mnist", image_size=24)


def tiny_config(**overrides):
    values = dict(
        dataset="mnist_demo", preset="small", image_size=8, channel_base=32, channel_max=4,
        latent_dim=4, w_dim=4, batch_size=4, mbstd_group=2, jit_compile=False, seed=3,
        checkpoint_every=1000,
    )  # fmt: skip
    values.update(overrides)
    return configs.get("stylegan2", **values)


def test_the_path_length_penalty_is_its_definition():
    model = build_stylegan2(tiny_config(pl_weight=2.0, style_mixing=0.0))
    penalty = model.path_length
    model.start_step()
    inputs = RegularizerInputs(latents=tf.zeros([4, 4]))
    value, logs = penalty.penalty(model, inputs)
    # The same draws again (the step's draw sites restart): z, the noise seed, y.
    model.start_step()
    z = model.sample_latent(2)
    ws = model.training_ws(z, None)
    with tf.GradientTape() as tape:
        tape.watch(ws)
        images = model.synthesize(ws)
    jacobian = tape.jacobian(images, ws).numpy()  # (2, 8, 8, 1, 2, num_ws, w_dim)
    y = model.sample_normal(2, 8, 8, 1).numpy() / 8.0  # / sqrt(8 * 8)
    jt_y = np.einsum("nhwc,nhwcmlk->mlk", y, jacobian)  # J^T y per sample: (2, num_ws, w_dim)
    lengths = np.sqrt((jt_y**2).sum(axis=2).mean(axis=1))
    mean = 0.0 + 0.01 * (lengths.mean() - 0.0)
    assert float(penalty.mean.numpy()) == pytest.approx(mean, rel=1e-4)
    assert float(value) == pytest.approx(((lengths - mean) ** 2).mean(), rel=1e-4)
    assert float(logs["path_length_mean"]) == pytest.approx(mean, rel=1e-4)


def test_style_mixing_splits_the_layers_at_one_cutoff():
    model = build_stylegan2(tiny_config(style_mixing=1.0))
    z = tf.random.stateless_normal([4, 4], seed=[1, 1])
    cutoffs = set()
    for step in range(6):
        model.step.assign(step)
        model.start_step()
        ws = model.training_ws(z, None).numpy()
        plain = model.generator.mapping(z).numpy()
        same = np.all(np.isclose(ws, plain), axis=(0, 2))  # per layer
        cutoff = int(np.argmin(same))
        assert 1 <= cutoff < model.generator.num_ws
        assert same[:cutoff].all() and not same[cutoff:].any()
        cutoffs.add(cutoff)
    assert len(cutoffs) > 1  # the cutoff is drawn per step
    never = build_stylegan2(tiny_config(style_mixing=0.0))
    never.start_step()
    ws = never.training_ws(z, None).numpy()
    np.testing.assert_array_equal(ws, never.generator.mapping(z).numpy())


def test_the_ema_decay_has_the_half_life_in_images_and_ramps_up():
    decay = half_life_decay(batch_size=64, half_life_images=500_000, rampup=0.05)
    assert float(decay(tf.constant(0, tf.int64))) == 0.0  # the first step copies G
    # After 100 steps (6,400 images) the half-life is 320 images: 0.5^(64 / 320).
    assert float(decay(tf.constant(100, tf.int64))) == pytest.approx(0.5 ** (64 / 320), rel=1e-5)
    late = float(decay(tf.constant(10**6, tf.int64)))
    assert late == pytest.approx(0.5 ** (64 / 500_000), rel=1e-6)
    steady = half_life_decay(batch_size=32, half_life_images=10_000)
    assert float(steady(tf.constant(0, tf.int64))) == pytest.approx(0.5 ** (32 / 10_000))


def test_both_optimizers_are_adjusted_for_their_lazy_intervals():
    model = build_stylegan2(tiny_config(g_learning_rate=0.002, d_learning_rate=0.002))
    for optimizer, interval in ((model.d_optimizer, 16), (model.g_optimizer, 4)):
        lr, beta_1, beta_2 = lazy_adam_settings(0.002, 0.0, 0.99, interval)
        assert float(optimizer.learning_rate) == pytest.approx(lr)
        assert (optimizer.beta_1, optimizer.beta_2) == pytest.approx((beta_1, beta_2))


@pytest.mark.parametrize(
    "jit_compile", [False, pytest.param(True, marks=pytest.mark.long)], ids=["noxla", "xla"]
)
def test_a_step_with_both_lazy_regularisers_traces_once(jit_compile):
    # ADA too, as limited-data StyleGAN2 trains (XLA and ADA in the suite:
    # tests/augment/test_ada.py).
    config = tiny_config(
        jit_compile=jit_compile, pl_weight=2.0, style_mixing=0.9, r1_gamma=1.0,
        d_reg_interval=2, g_reg_interval=2, augment="ada",
    )  # fmt: skip
    model = build_stylegan2(config)
    traces = count_traces(model)
    images = tf.random.stateless_uniform([4, 8, 8, 1], seed=[2, 3], minval=-1, maxval=1)
    real = tf.data.Dataset.from_tensors(images).repeat()
    history = model.fit(real, steps_per_epoch=3, epochs=1, verbose=0)
    model.fit(real, steps_per_epoch=2, epochs=1, verbose=0)
    assert len(traces) == 1
    # The logs are the last step's (update 2: both regularisers ran).
    assert history.history["r1_penalty"][0] > 0
    assert history.history["path_length_penalty"][0] > 0
    assert float(model.path_length.mean.numpy()) > 0
    assert int(model.step.numpy()) == 5
