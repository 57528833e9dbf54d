"""MirroredStrategy over two logical CPU devices trains exactly like one device."""

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO_ROOT
from tests.experiments.cli import cli_env

pytestmark = pytest.mark.slow


def test_mirrored_wgan_gp_step_equals_one_device_with_the_same_global_batch():
    # A fresh process: logical devices must be configured before TensorFlow starts.
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "tests" / "models" / "distributed_check.py"), "nojit"],
        cwd=REPO_ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    # Losses averaged over the global batch, gradient penalty per sample, gradients summed
    # over replicas: the same numbers as one device.
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "gradient_penalty", "wasserstein_estimate"):
        np.testing.assert_allclose(
            report["mirrored"][key], report["single"][key], rtol=1e-4, atol=1e-5, err_msg=key
        )
    assert report["max_weight_difference"] < 1e-5
