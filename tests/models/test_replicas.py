"""jit_compile="auto": XLA where the variant's config measured it faster on a CPU."""

from __future__ import annotations

import pytest

from gan_tf import configs
from gan_tf.errors import UsageError
from gan_tf.models import replicas


@pytest.mark.parametrize("variant", configs.VARIANTS)
def test_auto_on_a_cpu_is_the_variants_measured_choice(variant):
    config = configs.get(variant)
    assert config.jit_compile == "auto"
    assert replicas.jit_compile_of(config) is type(config).XLA_ON_CPU


@pytest.mark.parametrize("forced", [True, False])
def test_forced_settings_win_over_auto(forced):
    assert replicas.jit_compile_of(configs.get("gan", jit_compile=forced)) is forced


def test_a_bad_setting_is_a_usage_error():
    with pytest.raises(UsageError, match="jit_compile must be auto, True or False"):
        replicas.jit_compile_of(configs.get("dcgan", jit_compile="yes"))
