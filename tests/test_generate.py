"""`gan_tf.generate` as a library: importing it defines no flags (its CLI is tested end to end
in tests/experiments/test_dcgan_cli.py)."""

import subprocess
import sys

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
