"""PGGAN: the presets, the schedule of phases and fade-in alphas against the authors' formula,
one trace per phase, the optimizers' reset, the drift term, and a run stopped in a fade-in
resuming at the same alpha and image count, bit for bit."""

import math

import numpy as np
import pytest
import tensorflow as tf

import gan_tf
from gan_tf import configs, losses
from gan_tf.errors import UsageError
from gan_tf.models.growing import fade_in_alpha, resolution_at
from gan_tf.networks.pggan import levels_of
from tests.models.test_noise_to_image import count_traces
from tests.training.test_resume import differing, sigterm_interrupts, tensors, train  # noqa: F401


def test_the_default_is_the_authors_code_and_the_paper_preset_appendix_a1():
    code = configs.get("pggan", dataset="mnist")
    assert (code.image_size, code.latent_dim, code.fmap_base, code.fmap_max) == (32, 512, 8192, 512)
    assert (code.stable_images, code.fade_images, code.minibatch_group) == (600_000, 600_000, 4)
    assert (code.d_learning_rate, code.beta_1, code.beta_2, code.adam_epsilon) == (
        1e-3, 0.0, 0.99, 1e-8
    )  # fmt: skip
    assert (code.gp_weight, code.drift_weight, code.ema_decay) == (10.0, 0.001, 0.999)
    assert code.reset_optimizers and code.progressive
    paper = configs.get("pggan", dataset="mnist", preset="paper", image_size=1024)
    assert (paper.stable_images, paper.fade_images) == (800_000, 800_000)
    assert [paper.batch_size_at(level) for level in range(9)] == [16] * 6 + [14, 6, 3]
    small = configs.get("pggan", dataset="mnist", preset="small")
    # The average's half-life, 15% of a low-resolution phase as the code's (693 of 4,688).
    half_life = math.log(0.5) / math.log(small.ema_decay)
    steps = small.phases()[0].steps
    assert 0.1 < half_life / steps < 0.2 and 0.1 < 693 / (600_000 / 128) < 0.2


def test_phases_follow_the_authors_training_schedule():
    config = configs.get("pggan", dataset="mnist")  # 32x32: 4, 8, 16, 32
    phases = config.phases()
    assert [(p.resolution, p.fading) for p in phases] == [
        (4, False), (8, True), (8, False), (16, True), (16, False), (32, True), (32, False)
    ]  # fmt: skip
    assert [p.begin_image for p in phases] == [600_000 * i for i in range(7)]
    # Each phase starts at the first whole batch at or past its start: 128 does not divide
    # 600,000 (64 images late) but divides 1,200,000; the lateness does not add up.
    assert [p.shown_before - p.begin_image for p in phases] == [0, 64, 0, 64, 0, 64, 0]
    assert phases[-1].shown_before + phases[-1].steps * 64 >= 12_000_000
    assert config.train_steps == phases[-1].end_step
    direct = configs.get("pggan", dataset="mnist", progressive=False)
    assert [(p.resolution, p.steps) for p in direct.phases()] == [(32, 12_000_000 // 64)]


def authors_lod(kimg: float, resolution: int) -> float:
    """train.py `TrainingSchedule`'s level of detail (600 + 600 kimg): log2 of the final side
    over the trained one, fractional in a fade-in."""
    phase_dur = 1200
    phase_idx = math.floor(kimg / phase_dur)
    phase_kimg = kimg - phase_idx * phase_dur
    lod = math.log2(resolution) - 2 - phase_idx - max(phase_kimg - 600, 0.0) / 600
    return max(lod, 0.0)


@pytest.mark.parametrize("kimg", [0, 300, 600, 750, 900, 1199.8, 1200, 1500, 1950, 2400, 3100])
def test_alpha_at_each_image_count_is_the_authors(kimg):
    config = configs.get("pggan", dataset="mnist", batch_sizes=[40])  # 600k / 40: whole
    images = tf.constant(int(kimg * 1000), tf.int64)
    alpha = float(fade_in_alpha(config.phases(), images))
    resolution = int(resolution_at(config.phases(), images))
    # At side r with alpha, the lod is log2(32 / r) + (1 - alpha) (alpha 1 when stable).
    lod = math.log2(32 / resolution) + (1.0 - alpha)
    assert lod == pytest.approx(authors_lod(kimg, 32), abs=1e-6)


def tiny_config(**overrides):
    values = dict(
        dataset="mnist_demo", preset="small", image_size=8, fmap_base=8, fmap_max=4,
        latent_dim=4, batch_sizes=[4], stable_images=8, fade_images=8, total_images=24,
        jit_compile=False, checkpoint_every=1000, seed=3,
    )  # fmt: skip
    values.update(overrides)
    return configs.get("pggan", **values)


def test_tiny_schedule_is_stable_fade_stable():
    phases = tiny_config().phases()
    assert [(p.resolution, p.fading, p.begin_step, p.steps) for p in phases] == [
        (4, False, 0, 2), (8, True, 2, 2), (8, False, 4, 2)
    ]  # fmt: skip
    assert levels_of(8) == 2


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(dataset="mnist_demo", image_size=24), "power of two"),
        (dict(batch_sizes=[6]), "minibatch-stddev groups of 4"),
        (dict(batch_sizes=[]), "at least one batch size"),
    ],
)
def test_refuses_settings_it_cannot_run(overrides, message):
    with pytest.raises(UsageError, match=message):
        tiny_config(**overrides)


def test_drift_term_is_the_mean_squared_real_score():
    scores = tf.constant([[1.0], [-3.0]])
    assert float(losses.drift_penalty(scores)) == pytest.approx(5.0)


def test_each_phase_traces_once_and_begins_with_fresh_optimizers(tmp_path, data_dir):
    config = tiny_config(data_dir=data_dir)
    model = gan_tf.build(config)
    traces = count_traces(model)
    gan_tf.train(model, config, tmp_path)
    assert len(traces) == 3  # three phases, two steps each
    # Reset at step 4, the last phase's start: two updates since.
    assert int(model.d_optimizer.iterations.numpy()) == 2
    assert int(model.schedule.images_seen.numpy()) == 24
    assert (int(model.generator.level.numpy()), float(model.generator.alpha.numpy())) == (1, 1.0)
    assert int(model.ema.network.level.numpy()) == 1


@pytest.mark.long  # the suite resumes a one-phase run bit for bit (tests/training/test_resume.py)
def test_a_run_stopped_in_a_fade_in_resumes_at_its_alpha_bit_for_bit(tmp_path, data_dir):
    config = tiny_config(data_dir=data_dir)
    whole = tensors(train(config, tmp_path / "whole"))
    stopped = tmp_path / "stopped"
    at_step_3 = tensors(train(config, stopped, stop_at=3))  # in the fade-in, steps 2 and 3
    images = int(at_step_3["schedule/images_seen/.ATTRIBUTES/VARIABLE_VALUE"])
    assert images == 12
    # Step 2 ran at alpha (8 - 8) / 8 = 0; step 3, the first after resuming, runs at 4 / 8.
    assert float(at_step_3["generator/alpha/.ATTRIBUTES/VARIABLE_VALUE"]) == 0.0
    assert float(fade_in_alpha(config.phases(), tf.constant(images, tf.int64))) == 0.5
    resumed = tensors(train(config, stopped))
    assert not differing(whole, resumed)
    assert len(differing(whole, at_step_3)) > len(whole) // 2


def test_pipeline_pads_mnist_to_32_and_box_filters_to_the_phase(data_dir):
    config = configs.get("pggan", dataset="mnist_demo", data_dir=data_dir, batch_sizes=[4])
    assert config.image_size == 32
    full = next(iter(config.training_pipeline(config.phases()[-1].begin_step)))
    assert full.shape == (4, 32, 32, 1)
    np.testing.assert_array_equal(full[:, :2], -1.0)  # the black border of the padding
    np.testing.assert_array_equal(full[:, :, -2:], -1.0)
    first = next(iter(config.training_pipeline(0)))
    assert first.shape == (4, 4, 4, 1)
