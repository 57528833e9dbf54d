"""Every user error of the command lines, end to end: one line `<program>: error: <message>` on
stderr, exit status 2, no traceback, and no run (workdir, run.json) left behind."""

from __future__ import annotations

import dataclasses
import os
import pathlib
import re
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.conftest import REPO_ROOT, require_shared
from tests.experiments.cli import cli_env, run_module

# What TensorFlow's C++ start-up and absl/TFDS logging write to stderr on their own (not gan_tf's
# message): native log lines, and absl's Python log lines ("W1204 13:17:20.58 ... file.py:394]").
NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\)|[IWE]\d{4} \d\d:\d\d:[\d.]+ "
    r"|To enable the following instructions: )"
)


def error_line(result, program: str = "dcgan") -> str:
    """The one line of `result`'s stderr, after checking the exit status and that nothing else
    (traceback, a second message) was written."""
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line and not NOISE.match(line)]
    assert len(lines) == 1, result.stderr[-3000:]
    assert lines[0].startswith(f"{program}: error: "), lines[0]
    return lines[0]


def fails(tmp_path: pathlib.Path, *args: str, variant: str = "dcgan") -> str:
    """Runs `variant` with `args` in a fresh workdir; its one error line, the workdir absent."""
    workdir = tmp_path / "run"
    result = run_module(f"gan_tf.experiments.{variant}", f"--workdir={workdir}", *args)
    line = error_line(result, variant)
    assert not workdir.exists(), sorted(workdir.rglob("*"))
    return line


def image_folder(root: pathlib.Path, count: int = 3) -> pathlib.Path:
    """`root/train/a/<i>.png`: `count` 8x8 RGB images."""
    from PIL import Image

    (root / "train" / "a").mkdir(parents=True)
    pixels = np.random.default_rng(0).integers(0, 256, (count, 8, 8, 3), dtype=np.uint8)
    for i, image in enumerate(pixels):
        Image.fromarray(image).save(root / "train" / "a" / f"{i}.png")
    return root


def test_a_truncated_image_of_a_folder_is_named_before_the_run_starts(tmp_path):
    folder = image_folder(tmp_path / "images")
    bad = folder / "train" / "a" / "1.png"
    bad.write_bytes(bad.read_bytes()[:60])
    args = [f"--dataset=folder:{folder}", "--image_size=8", f"--data_dir={tmp_path / 'tfds'}"]
    line = fails(tmp_path, *args, "--architecture=mlp", "--train_steps=1")
    assert f"image {bad} cannot be decoded" in line


def test_readable_folder_images_are_decoded_once(tmp_path):
    from gan_tf.data.loading import check_folder_images
    from gan_tf.errors import UsageError

    folder = image_folder(tmp_path / "images")
    assert check_folder_images(folder, tmp_path / "tfds") == 3
    records = list((tmp_path / "tfds" / "gan_tf_folder_checks").glob("*.json"))
    assert len(records) == 1
    # A checked file is not decoded again while its size and mtime stay; a changed one is.
    good = folder / "train" / "a" / "0.png"
    stat = good.stat()
    with good.open("r+b") as f:
        f.seek(40)
        f.write(b"\0" * 8)  # corrupt, same size
    os.utime(good, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert check_folder_images(folder, tmp_path / "tfds") == 3
    good.write_bytes(good.read_bytes()[:50])
    with pytest.raises(UsageError, match=r"0\.png cannot be decoded"):
        check_folder_images(folder, tmp_path / "tfds")


@pytest.mark.parametrize(
    "args,message",
    [
        (["--foo=1"], "dcgan: error: unknown flag --foo ("),
        (["--train_steps=0"], "dcgan: error: flag --train_steps=0: 0 is not a positive integer"),
        (["--batch_size=0"], "dcgan: error: flag --batch_size=0: 0 is not a positive integer"),
        (["--seed=abc"], "dcgan: error: flag --seed=abc: invalid literal for int()"),
        (["--mixed_precision=fp16"], "dcgan: error: flag --mixed_precision=fp16: value should"),
        (["--strategy=gpus"], "dcgan: error: flag --strategy=gpus: value should be one of"),
        (["--g_loss=hinge"], "dcgan: error: flag --g_loss=hinge: value should be one of"),
        (["extra"], "dcgan: error: unexpected arguments: extra"),
    ],
)
def test_flag_errors_exit_2_at_once(tmp_path, args, message):
    start = time.perf_counter()
    assert fails(tmp_path, *args).startswith(message)
    assert time.perf_counter() - start < 3  # no TensorFlow is imported to refuse a flag


def test_missing_workdir_is_one_line():
    result = run_module("gan_tf.experiments.dcgan", "--dataset=mnist_demo")
    assert error_line(result) == (
        "dcgan: error: --workdir is required: where the run's checkpoints and samples go"
    )


def test_the_enums_take_their_choices_and_aliases():
    from absl import flags

    from gan_tf.configs.base import RunConfig
    from gan_tf.configs.dcgan import CONFIG
    from gan_tf.experiments.common import config_from_flags, define_flags, parse_flags
    from gan_tf.models.precision import POLICIES
    from gan_tf.training.distribute import STRATEGIES

    fields = {f.name: f for f in dataclasses.fields(RunConfig)}
    assert set(fields["mixed_precision"].metadata["choices"]) == set(POLICIES)
    assert fields["strategy"].metadata["choices"] == STRATEGIES
    values = flags.FlagValues()
    define_flags(CONFIG, values)
    argv = ["x", "--mixed_precision=none", "--strategy=mirrored", "--workdir=w"]
    parse_flags(CONFIG, [*argv, "--dataset=mnist_demo"], values)
    config = config_from_flags(CONFIG, values)
    assert (config.mixed_precision, config.strategy) == ("float32", "mirrored")


def test_a_folder_that_does_not_exist_is_named(tmp_path):
    line = fails(tmp_path, f"--dataset=folder:{tmp_path / 'nothing'}")
    assert line == (
        f"dcgan: error: --dataset=folder:{tmp_path / 'nothing'}: {tmp_path / 'nothing'} does "
        "not exist: name a folder laid out as <path>/train/<class>/<image>.png"
    )


@pytest.mark.parametrize("offline", ["1", "0"])
def test_a_manual_dir_without_the_archives_fails_in_seconds(tmp_path, offline):
    # With the network allowed (GAN_TF_OFFLINE=0) TFDS would download the missing archives
    # (retrying for minutes when offline): the check comes first. The proxy is a closed local
    # port, so a download that slipped through would fail here, never reach the network.
    env = {**cli_env(), "GAN_TF_OFFLINE": offline}
    env.update({k: "http://127.0.0.1:9" for k in ("HTTPS_PROXY", "HTTP_PROXY")})
    empty = tmp_path / "archives"
    empty.mkdir()
    start = time.perf_counter()
    workdir = tmp_path / "run"
    command = [sys.executable, "-m", "gan_tf.experiments.dcgan", "--dataset=fashion_mnist"]
    command += [f"--manual_dir={empty}", f"--data_dir={tmp_path / 'tfds'}", f"--workdir={workdir}"]
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    line = error_line(result)
    assert line == (
        f"dcgan: error: --manual_dir: {empty} holds none of the files TFDS prepares fashion_mnist "
        "from (t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, "
        "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz): put them there, or drop "
        "--manual_dir to download them"
    )
    assert not workdir.exists()
    assert time.perf_counter() - start < 30


def test_a_manual_dir_missing_some_archives_names_them(tmp_path):
    archives = tmp_path / "archives"
    archives.mkdir()
    shared = require_shared("data", "mnist")
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (archives / name).symlink_to(shared / name)
    data = [f"--manual_dir={archives}", f"--data_dir={tmp_path / 'tfds'}"]
    line = fails(tmp_path, "--dataset=mnist", *data)
    assert "lacks train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz of the files" in line


def test_offline_without_prepared_data_is_one_line(tmp_path):
    line = fails(tmp_path, "--dataset=cifar10", f"--data_dir={tmp_path / 'tfds'}")
    assert "dataset 'cifar10' is not prepared in" in line and "network is unreachable" in line


@pytest.mark.parametrize("out", ["g.gif", "g"])
def test_generate_refuses_a_suffix_it_cannot_write(tmp_path, out):
    result = run_module("gan_tf.generate", f"--workdir={tmp_path}", f"--out={tmp_path / out}")
    line = error_line(result, "generate")
    assert line.startswith(f"generate: error: --out={tmp_path / out}: cannot write")
    assert line.endswith("name a .png, .jpg or .jpeg file")
    assert not (tmp_path / out).exists()


def test_generate_flag_errors_exit_2():
    result = run_module("gan_tf.generate", "--num=0", "--workdir=x")
    assert error_line(result, "generate") == (
        "generate: error: flag --num=0: 0 is not a positive integer"
    )
    result = run_module("gan_tf.generate")
    assert "--workdir" in error_line(result, "generate")
    result = run_module("gan_tf.generate", "--truncation=0", "--workdir=x")
    assert error_line(result, "generate") == "generate: error: --truncation must be > 0, got 0.0"


@pytest.mark.parametrize(
    "name,magic", [("g.jpg", b"\xff\xd8\xff"), ("g.JPEG", b"\xff\xd8\xff"), ("g.png", b"\x89PNG")]
)
def test_generate_writes_the_format_its_suffix_names(tmp_path, name, magic):
    from gan_tf.generate import save_image

    grid = np.zeros((8, 8, 1), np.uint8)
    assert save_image(str(tmp_path / name), grid).read_bytes().startswith(magic)
