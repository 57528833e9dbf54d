"""benchmarks/step_profile.py: op kinds from a trace's event names, and its one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from benchmarks import step_profile


@pytest.mark.parametrize(
    "event,kind",
    [
        (
            "StatefulPartitionedCall/generator_1/dec1_deconv_1/conv_transpose:_MklNativeConv2D",
            "_MklNativeConv2D",
        ),
        ("convolution.26", "convolution"),
        ("convolution-base-dilated.1", "convolution-base-dilated"),
        ("copy_reverse_fusion", "copy_reverse_fusion"),
        ("ExecutorState::Process", None),
        ("KernelAndDeviceFunc::Run", None),
        ("EagerLocalExecute: __inference_multi_step_on_iterator_4915", None),
        ("BlockUntilReady", None),
    ],
)
def test_op_kind_names_ops_and_skips_containers(event, kind):
    assert step_profile.op_kind(event) == kind


@pytest.mark.parametrize("flag", ["--variant=nope", "--jit=maybe"])
def test_bad_input_is_one_line_and_exit_2(flag, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.step_profile", flag, f"--logdir={tmp_path / 'trace'}"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if line.startswith("step_profile:")]
    assert not (tmp_path / "trace").exists()
