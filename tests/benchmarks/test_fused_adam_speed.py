"""benchmarks/fused_adam_speed.py: the two optimizers it compares, and its one-line error."""

from __future__ import annotations

import subprocess
import sys

from benchmarks import fused_adam_speed


def test_it_builds_one_model_with_each_optimizer():
    names = {
        type(fused_adam_speed.timer("gan", False, keras_adam).model.d_optimizer).__name__
        for keras_adam in (True, False)
    }
    assert names == {"Adam", "FusedAdam"}


def test_an_unknown_variant_is_one_line_and_exit_2():
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.fused_adam_speed", "--variants=nope"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "fused_adam_speed: unknown variant 'nope'" in result.stderr
