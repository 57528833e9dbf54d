"""StyleGAN's model: the authors' 1-GPU settings, a learning rate per resolution set on
entering a phase, R1 per unit of the final image, and one trace per phase."""

import pytest
import tensorflow as tf

from gan_tf import configs
from gan_tf.models.stylegan import build_stylegan
from tests.models.test_noise_to_image import count_traces


def test_the_code_preset_is_the_authors_1_gpu_settings():
    config = configs.get("stylegan", dataset="mnist", image_size=1024)
    assert [config.batch_size_at(level) for level in range(9)] == [128] * 3 + [64, 32, 16, 8, 4, 4]
    assert [config.learning_rate_at(level) for level in range(9)] == (
        [0.001] * 5 + [0.0015, 0.002, 0.003, 0.003]
    )
    assert (config.stable_images, config.fade_images, config.total_images) == (
        600_000, 600_000, 25_000_000
    )  # fmt: skip
    assert (config.r1_gamma, config.d_reg_interval, config.pl_weight, config.style_mixing) == (
        10.0, 1, 0.0, 0.9
    )  # fmt: skip
    assert (config.truncation_psi, config.truncation_cutoff, config.mapping_layers) == (0.7, 8, 8)
    assert (config.channel_base, config.mbstd_group, config.ema_half_life_images) == (
        16384, 4, 10_000
    )  # fmt: skip


def tiny_config(**overrides):
    values = dict(
        dataset="mnist_demo", preset="small", image_size=8, channel_base=32, channel_max=4,
        latent_dim=4, w_dim=4, mapping_layers=2, batch_sizes=[4], stable_images=8,
        fade_images=8, total_images=24, mbstd_group=2, learning_rates=[0.001, 0.002],
        jit_compile=False, seed=3, checkpoint_every=1000,
    )  # fmt: skip
    values.update(overrides)
    return configs.get("stylegan", **values)


def test_each_phase_sets_its_learning_rate_and_r1_scale():
    config = tiny_config()
    model = build_stylegan(config)
    r1 = model.d_regularizers[0]
    for phase in config.phases():
        model.enter_phase(phase.begin_step)
        assert float(model.g_optimizer.learning_rate) == pytest.approx([0.001, 0.002][phase.level])
        assert float(model.d_optimizer.learning_rate) == float(model.g_optimizer.learning_rate)
        assert r1.gradient_scale == phase.resolution / 8


def test_one_trace_per_phase():
    # With XLA too in `make test-resume` (StyleGAN2's step is traced with XLA in the suite).
    config = tiny_config()
    model = build_stylegan(config)
    traces = count_traces(model)
    for phase in config.phases():  # stable 4x4, fade-in 8x8, stable 8x8: two steps each
        model.enter_phase(phase.begin_step)
        images = tf.random.stateless_uniform(
            [4, phase.resolution, phase.resolution, 1], seed=[phase.level, 1], minval=-1, maxval=1
        )
        data = tf.data.Dataset.from_tensors(images).repeat()
        history = model.fit(data, steps_per_epoch=phase.steps, epochs=1, verbose=0)
        assert history.history["r1_penalty"][0] > 0
    assert len(traces) == len(config.phases()) == 3
    assert int(model.step.numpy()) == config.train_steps == 6
