"""`mnist_demo`: the 10,000-image MNIST test split as a TFDS dataset that ships with gan_tf.

It lets `make demo` train on real digits with no network and no manual set-up. The two archives
in `mnist_demo_files/` are the original `t10k-*-idx*-ubyte.gz` files (1.6 MB), byte for byte the
ones TFDS's own `mnist` builder downloads (see `mnist_demo_files/SOURCE.txt`).
"""

from __future__ import annotations

import gzip
import pathlib
from typing import ClassVar

import numpy as np
import tensorflow_datasets as tfds

FILES_DIR = pathlib.Path(__file__).resolve().parent / "mnist_demo_files"
IMAGES_FILE = FILES_DIR / "t10k-images-idx3-ubyte.gz"
LABELS_FILE = FILES_DIR / "t10k-labels-idx1-ubyte.gz"


def read_idx(path: pathlib.Path) -> np.ndarray:
    """Reads a gzipped IDX file (LeCun's MNIST format): a magic number whose last byte is the
    rank, then one big-endian uint32 per dimension, then the uint8 data."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(shape)


class MnistDemo(tfds.core.GeneratorBasedBuilder):
    """The MNIST test split (LeCun et al. 1998), packaged with gan_tf for offline demos."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES: ClassVar[dict[str, str]] = {
        "1.0.0": "The 10,000 MNIST test images, read from the packaged archives."
    }

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(28, 28, 1)),
                    "label": tfds.features.ClassLabel(num_classes=10),
                }
            ),
            supervised_keys=("image", "label"),
            homepage="http://yann.lecun.com/exdb/mnist/",
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # everything is packaged; nothing to download
        return {"train": self._generate_examples()}

    def _generate_examples(self):
        images = read_idx(IMAGES_FILE)[..., None]
        labels = read_idx(LABELS_FILE)
        for index, (image, label) in enumerate(zip(images, labels, strict=True)):
            yield index, {"image": image, "label": int(label)}
