"""`python -m gan_tf.experiments.<variant> --help`: the variant's own flags by group, with their
defaults, quickly (no TensorFlow is imported to answer it)."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from gan_tf import configs
from gan_tf.configs.base import GROUPS, flag_fields
from tests.conftest import REPO_ROOT
from tests.experiments.cli import cli_env, run_module


def help_of(variant: str) -> str:
    result = run_module(f"gan_tf.experiments.{variant}", "--help")
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def groups(text: str) -> dict[str, list[str]]:
    """{group: [flag names]} of a --help text."""
    found: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.rstrip(":") in GROUPS and line.endswith(":"):
            current = found.setdefault(line[:-1], [])
        elif current is not None and (m := re.match(r"  --(\w+): ", line)):
            current.append(m.group(1))
    return found


@pytest.mark.parametrize("variant", configs.VARIANTS)
def test_help_lists_the_variants_flags_by_group_with_their_defaults(variant):
    text = help_of(variant)
    listed = groups(text)
    cls = configs.config_class(variant)
    names = [f.name for f in flag_fields(cls)]
    assert sorted(n for group in listed.values() for n in group) == sorted([*names, "workdir"])
    assert list(listed) == [g for g in GROUPS if g in listed]  # in GROUPS' order
    assert {"dataset", "manual_dir"} <= set(listed["data"])
    # PGGAN's batch and length come from --batch_sizes and --total_images.
    assert {"batch_size", "train_steps", "seed"} - set(cls.REFUSED) <= set(listed["training"])
    assert {"mixed_precision", "strategy", "jit_compile"} <= set(listed["scale"])
    assert "  --workdir: (required) " in text
    assert not set(cls.REFUSED) & set(names)  # a refused flag is not even defined
    flat = " ".join(text.split())
    defaults = cls()
    if "batch_size" in names:
        assert "--batch_size: " in flat and f"(default: {defaults.batch_size})" in flat
    assert f"(default: {defaults.dataset})" in flat
    assert "--helpfull" in text


def test_help_shows_the_papers_defaults():
    flat = " ".join(help_of("wgan_gp").split())
    assert re.search(r"--d_steps: [^-]*\(default: 5\)", flat)  # Algorithm 1: n_critic = 5
    flat = " ".join(help_of("stargan").split())
    assert re.search(r"--batch_size: [^-]*\(default: 16\)", flat)  # sec. 4.4


@pytest.mark.parametrize("variant", ["dcgan", "stargan"])
def test_help_answers_without_tensorflow(variant):
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", f"gan_tf.experiments.{variant}", "--help"],
        cwd=REPO_ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert time.perf_counter() - start < 3
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    assert not {"tensorflow", "keras", "tensorflow_datasets"} & imported


def test_helpfull_keeps_absls_listing():
    result = run_module("gan_tf.experiments.dcgan", "--helpfull")
    assert "absl.logging" in result.stdout and "--batch_size" in result.stdout
