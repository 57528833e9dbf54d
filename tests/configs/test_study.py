"""The large-scale study's protocol: every loss's overrides make a valid config of its variant."""

import pytest

import gan_tf
from gan_tf.configs import study


def test_the_protocols_numbers():
    assert study.D_UPDATES == 15_625  # 20 * 50,000 // 64 (generate_tasks_lib.TuneParams)
    assert study.CHECKPOINT_D_UPDATES == 3_906
    assert study.iterations(study.Setting(1e-4, 0.5, 5)) == 3_125


@pytest.mark.parametrize("loss", list(study.LOSSES))
def test_every_setting_of_every_loss_is_a_valid_config(loss):
    spec = study.LOSSES[loss]
    assert len(spec.grid) <= 9 and len(set(spec.grid)) == len(spec.grid)
    for setting in spec.grid:
        config = gan_tf.configs.get(spec.variant, dataset="mnist", **spec.overrides(setting))
        assert config.architecture == "infogan" and config.latent_dim == 64
        assert config.latent_distribution == "uniform" and config.batch_size == 64
        assert config.d_learning_rate == config.g_learning_rate == setting.learning_rate
        assert (config.beta_1, config.beta_2, config.d_steps) == (
            setting.beta_1,
            0.999,
            setting.d_steps,
        )


def test_batch_norm_switch():
    for loss in study.LOSSES.values():
        off = loss.overrides(study.Setting(1e-4, 0.5, 1, d_batch_norm=False))
        assert off["critic_norm"] == "none"
    assert study.LOSSES["wgan"].overrides(study.Setting(1e-4, 0.5, 5))["critic_norm"] == "batch"
