"""Preparing datasets from manual archives."""

import os
import subprocess
import sys

import numpy as np
import tensorflow_datasets as tfds

from gan_tf.data.loading import load_builder
from gan_tf.data.registry import get_dataset_spec
from tests.conftest import REPO_ROOT, require_shared


def test_same_named_archives_of_two_datasets_are_not_mixed_up(tmp_path, monkeypatch):
    # MNIST and Fashion-MNIST archives have the same file names; TFDS alone would reuse the
    # first dataset's extracted files for the second one.
    config = tfds.download.DownloadConfig
    monkeypatch.setattr(  # Prepare 100 examples per split only, to stay fast.
        tfds.download, "DownloadConfig", lambda **kw: config(max_examples_per_split=100, **kw)
    )
    images = {}
    for name in ("mnist", "fashion_mnist"):
        manual = require_shared("data", name)
        builder = load_builder(get_dataset_spec(name), str(tmp_path), str(manual))
        data = tfds.as_numpy(builder.as_dataset(split="test", batch_size=-1))
        images[name] = data["image"]
    assert images["mnist"].shape == images["fashion_mnist"].shape == (100, 28, 28, 1)
    assert not np.array_equal(images["mnist"], images["fashion_mnist"])
    # Fashion-MNIST items fill much more of the frame than MNIST digits do.
    assert (images["fashion_mnist"] > 0).mean() > 1.5 * (images["mnist"] > 0).mean()


def test_two_processes_preparing_one_dataset_at_once_both_succeed(tmp_path):
    # Without the preparation lock both write TFDS's one `incomplete.*` folder and one fails.
    script = (
        "import sys; from gan_tf.data.loading import load_builder; "
        "from gan_tf.data.registry import get_dataset_spec; "
        "b = load_builder(get_dataset_spec('mnist_demo'), sys.argv[1]); "
        "print(b.info.splits['train'].num_examples)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "GAN_TF_OFFLINE": "1"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in processes]
    for process, (stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr[-2000:]
        assert stdout.strip().splitlines()[-1] == "10000"
