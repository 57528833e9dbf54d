"""The pix2pix / CycleGAN / StarGAN entry points end to end on real Fashion-MNIST: a few
steps, resume, and bad flags failing with one line and no traceback."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT
from tests.data.test_translation import prepared_fashion_mnist
from tests.experiments.cli import image_events, scalar_events

TINY = [
    "--dataset=fashion_mnist",
    "--image_size=32",
    "--base_filters=4",
    "--batch_size=2",
    "--log_every=1",
    "--sample_every=100",
    "--checkpoint_every=100",
]
VARIANT_FLAGS = {
    "pix2pix": ["--pairs=edges", "--receptive_field=16"],
    "cyclegan": ["--domain_b=inverted", "--num_residual_blocks=1", "--nojit_compile"],
    "stargan": [
        "--domains=original,inverted",
        "--num_residual_blocks=1",
        "--d_steps=2",
        "--nojit_compile",
    ],
}


DIAGNOSTICS = {
    "pix2pix": {"d_real", "d_fake", "d_grad_norm", "g_grad_norm"},
    "cyclegan": {"d_real_a", "d_fake_a", "d_real_b", "d_fake_b", "d_grad_norm", "g_grad_norm"},
    "stargan": {"d_real", "d_fake", "d_grad_norm", "g_grad_norm"},
}


@pytest.fixture(scope="module")
def fashion_dir(tmp_path_factory):
    return prepared_fashion_mnist(tmp_path_factory)


def run(variant, *args):
    # The data is prepared in a temporary data_dir beforehand: nothing is downloaded.
    command = [sys.executable, "-m", f"gan_tf.experiments.{variant}", *args]
    return subprocess.run(
        command,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )


# The suite resumes pix2pix; the others' steps: tests/models/test_cyclegan.py, test_stargan.py.
@pytest.mark.parametrize(
    "variant",
    ["pix2pix", *(pytest.param(v, marks=pytest.mark.long) for v in ("cyclegan", "stargan"))],
)
def test_trains_then_resumes(variant, fashion_dir, tmp_path):
    workdir = tmp_path / variant
    args = [*TINY, *VARIANT_FLAGS[variant], f"--data_dir={fashion_dir}", f"--workdir={workdir}"]
    first = run(variant, *args, "--train_steps=1")
    assert first.returncode == 0, first.stderr[-3000:]
    assert (workdir / "samples" / "step_0000001.png").exists()
    config = json.loads((workdir / "run.json").read_text())
    assert config["variant"] == variant and config["image_size"] == 32

    # What the TensorBoard shows besides the losses: D on real and on fake, both gradient
    # norms, both learning rates, the sample grid.
    scalars = scalar_events(workdir)
    assert DIAGNOSTICS[variant] | {"learning_rate/d", "learning_rate/g"} <= set(scalars)
    assert image_events(workdir) == [1]

    # One resumes from the command line too (every one's resume is checked in-process, bit
    # for bit, by `make test-resume`).
    if variant != "pix2pix":
        return
    second = run(variant, *args, "--train_steps=2")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "from step 1" in second.stderr  # resumed, did not restart
    assert "step 2/2" in second.stderr
    assert any(p.name.startswith("ckpt-2") for p in (workdir / "checkpoints").iterdir())


@pytest.mark.parametrize(
    "variant,args,message",
    [
        ("pix2pix", ["--loss=l2"], "loss"),
        ("pix2pix", ["--receptive_field=35"], "receptive_field"),
        ("cyclegan", ["--dataset=fashion_mnist", "--domain_b=blurred"], "domain_b"),
        ("stargan", ["--dataset=fashion_mnist", "--attributes=Blond_Hair"], "--attributes"),
        ("stargan", ["--dataset=fashion_mnist", "--adversarial_loss=hinge"], "adversarial_loss"),
        ("stargan", ["--dataset=fashion_mnist", "--domain_conditioning=adain"], "conditioning"),
        ("stargan", ["--dataset=celeb_a", "--target_domains=other"], "one-hot"),
        ("stargan", ["--dataset=fashion_mnist", "--modulation_stddev=0.5"], "input_and_norms"),
        ("stargan", ["--dataset=fashion_mnist", "--modulation_stddev=-1"], "modulation_stddev"),
        ("stargan", ["--dataset=fashion_mnist", "--lambda_id=-1"], "lambda_id"),
    ],
)
def test_bad_flags_exit_nonzero_without_traceback(variant, args, message, tmp_path):
    result = run(variant, *args, f"--workdir={tmp_path / 'w'}", "--train_steps=1")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert message in result.stderr


@pytest.mark.long  # the flags' parsing: tests/experiments/test_flags.py
def test_stargan_ablation_flags_reach_the_run(fashion_dir, tmp_path):
    workdir = tmp_path / "ablation"
    args = [*TINY, *VARIANT_FLAGS["stargan"], f"--data_dir={fashion_dir}", f"--workdir={workdir}"]
    result = run(
        "stargan",
        *args,
        "--train_steps=1",
        "--adversarial_loss=least_squares",
        "--domain_conditioning=input_and_norms",
        "--modulation_stddev=0.5",
        "--target_domains=other",
        "--lambda_id=5",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    saved = json.loads((workdir / "run.json").read_text())
    assert "extra" not in saved  # every setting is a field of the config
    assert saved["target_domains"] == "other"
    assert saved["adversarial_loss"] == "least_squares"
    assert saved["domain_conditioning"] == "input_and_norms"
    assert saved["modulation_stddev"] == 0.5
    assert saved["lambda_id"] == 5.0
    # Least squares has no gradient penalty to log.
    assert "gradient_penalty" not in scalar_events(workdir)
    assert "d_real" in scalar_events(workdir)
    assert "g_id" in scalar_events(workdir)  # the identity term is on and logged
