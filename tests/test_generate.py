"""`gan_tf.generate` as a library: importing it defines no flags (its CLI is tested end to end
in tests/experiments/test_dcgan_cli.py); the style-mixing figure's choice of ws."""

import subprocess
import sys

import pytest

from gan_tf.errors import UsageError
from tests.conftest import REPO_ROOT


def test_generate_and_evaluate_import_beside_an_experiment_module():
    # An experiment module defines --workdir, --seed, ...; a notebook that imports one and also
    # uses gan_tf.generate.load_run must not get a DuplicateFlagError.
    code = (
        "import gan_tf.experiments.pix2pix, gan_tf.generate, gan_tf.evaluate\n"
        "from absl import flags\n"
        "assert 'num' not in flags.FLAGS and 'interpolate' not in flags.FLAGS\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_style_mix_takes_a_group_or_a_range_of_the_generators_ws():
    from gan_tf.generate import style_layer_range
    from gan_tf.networks.stylegan2 import StyleGAN2Generator

    g = StyleGAN2Generator(4, 32, 1, w_dim=4, mapping_layers=1, channel_base=64, channel_max=4)
    assert style_layer_range(g, "coarse") == (0, 4) and style_layer_range(g, "fine") == (6, 8)
    assert style_layer_range(g, "2-3") == (2, 4)
    with pytest.raises(UsageError, match="ws are 0-7"):
        style_layer_range(g, "9-12")
    with pytest.raises(UsageError, match="coarse, middle, fine or a range"):
        style_layer_range(g, "top")
