"""MirroredStrategy over two logical CPU devices: trains exactly like one device, skips a
loss-scaled update on every replica when one overflows, trains the translation models, and
moves ADA's p alike on every replica."""

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tests.experiments.cli import cli_env

pytestmark = pytest.mark.slow


def run_check(mode: str) -> dict:
    """distributed_check.py in a fresh process (logical devices must be configured before
    TensorFlow starts); its JSON report."""
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "tests" / "models" / "distributed_check.py"), mode],
        cwd=REPO_ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_mirrored_wgan_gp_step_equals_one_device_with_the_same_global_batch():
    report = run_check("nojit")
    assert report["replicas"] == 2
    # Losses averaged over the global batch, gradient penalty per sample, gradients summed
    # over replicas: the same numbers as one device.
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "gradient_penalty", "wasserstein_estimate"):
        np.testing.assert_allclose(
            report["mirrored"][key], report["single"][key], rtol=1e-4, atol=1e-5, err_msg=key
        )
    assert report["max_weight_difference"] < 1e-5


def test_loss_scaled_update_is_skipped_on_every_replica_when_one_overflows():
    # Keras's LossScaleOptimizer checks only the first replica's gradients; gan_tf makes the
    # replicas agree, so an overflow on the second replica alone skips the update everywhere.
    report = run_check("nonfinite")
    assert report["replicas"] == 2
    assert report["d_weights_finite"] and report["d_weights_unchanged"]
    assert report["d_scale"] == 8.0  # halved from 16
    assert report["d_updates"] == 0
    assert report["g_updates"] == 1  # the generator's step saw no overflow


@pytest.mark.long
def test_translation_models_train_on_two_replicas():
    # pix2pix and CycleGAN (one step) and StarGAN (in float16, five steps) under
    # MirroredStrategy, XLA turned off across replicas, StarGAN's critic called n_critic = 2
    # times per step: every update applied or, while the loss scale falls, skipped.
    report = run_check("translation")
    for variant in ("pix2pix", "cyclegan", "stargan"):
        assert report[variant]["replicas"] == 2, variant
        assert report[variant]["finite"], variant
        assert report[variant]["step"] == report[variant]["steps"], variant
        assert report[variant]["jit_compile"] is False, variant
    assert report["stargan"]["loss_scaled"] and report["stargan"]["d_calls"] == 2 * 5
    assert report["stargan"]["d_applied"] >= 1
    assert report["pix2pix"]["d_calls"] == report["cyclegan"]["d_calls"] == 1


@pytest.mark.long
def test_ada_trains_on_two_replicas_in_float16():
    # The replicas' signs and counts are summed, so p moves alike on both, by the global batch
    # (4 reals per step) over ada_images (1000) at each of the 3 steps.
    report = run_check("ada")
    assert report["replicas"] == 2 and report["step"] == 3
    assert report["finite"] and report["loss_scaled"]
    np.testing.assert_allclose(report["p"], [3 * 4 / 1000] * 2, rtol=1e-5)
