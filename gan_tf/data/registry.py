"""What gan_tf knows about each dataset: TFDS name, native image shape, classes and splits.

A dataset is named on the command line as one of `DATASETS`, as `cycle_gan/<pair>` for any
TFDS cycle_gan pair, or as `folder:<path>` for a user's own images laid out as TFDS's
ImageFolder expects (`<path>/<split>/<class>/<image>`).
"""

from __future__ import annotations

import dataclasses
import pathlib

from gan_tf.errors import UsageError


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """Static facts about one dataset.

    Attributes:
      name: the name users type (`--dataset`).
      tfds_name: the TFDS builder name (or the folder path for `folder:` datasets).
      image_shape: native (height, width, channels); None where images vary in size.
      num_classes: number of labels, or None for unlabelled data.
      train_split / test_split: TFDS split names used for training and evaluation.
      center_crop: side of the square centre crop applied before resizing (CelebA: 178).
      cacheable: small enough to keep decoded in memory.
      default_image_size: size used when the user gives none and the native one is not square.
    """

    name: str
    tfds_name: str
    image_shape: tuple[int | None, int | None, int]
    num_classes: int | None = None
    train_split: str = "train"
    test_split: str = "test"
    center_crop: int | None = None
    cacheable: bool = True
    default_image_size: int | None = None
    is_folder: bool = False
    packaged: bool = False  # its files ship with gan_tf: preparing it needs no network

    @property
    def channels(self) -> int:
        return self.image_shape[2]

    @property
    def native_size(self) -> int | None:
        height, width, _ = self.image_shape
        if self.center_crop:
            return self.center_crop
        return height if height is not None and height == width else None


DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in [
        DatasetSpec("mnist", "mnist", (28, 28, 1), num_classes=10),
        DatasetSpec("fashion_mnist", "fashion_mnist", (28, 28, 1), num_classes=10),
        DatasetSpec("cifar10", "cifar10", (32, 32, 3), num_classes=10),
        # CelebA aligned faces are 218x178; the usual GAN crop is the central 178x178 square.
        DatasetSpec(
            "celeb_a",
            "celeb_a",
            (218, 178, 3),
            center_crop=178,
            cacheable=False,
            default_image_size=64,
        ),
        # The packaged MNIST test split: one split, used for training and evaluation alike.
        DatasetSpec(
            "mnist_demo",
            "mnist_demo",
            (28, 28, 1),
            num_classes=10,
            test_split="train",
            packaged=True,
        ),
    ]
}

CYCLE_GAN_PREFIX = "cycle_gan/"
FOLDER_PREFIX = "folder:"


def known_dataset_names() -> list[str]:
    return [*DATASETS, CYCLE_GAN_PREFIX + "<pair>", FOLDER_PREFIX + "<path>"]


def get_dataset_spec(name: str) -> DatasetSpec:
    """The spec for `name`; raises UsageError listing the known names for an unknown one."""
    if name in DATASETS:
        return DATASETS[name]
    if name.startswith(CYCLE_GAN_PREFIX) and len(name) > len(CYCLE_GAN_PREFIX):
        # Unpaired domains A and B; every pair's images are 256x256 RGB.
        # Unpaired domains A (label 0) and B (label 1); the published pairs are 256x256 RGB, but
        # a user may add others, so every image is resized to the model's size.
        return DatasetSpec(
            name,
            name,
            (None, None, 3),
            num_classes=2,
            train_split="trainA",
            test_split="testA",
            cacheable=False,
            default_image_size=256,
        )
    if name.startswith(FOLDER_PREFIX) and len(name) > len(FOLDER_PREFIX):
        folder = name[len(FOLDER_PREFIX) :]
        if not pathlib.Path(folder).expanduser().is_dir():
            state = (
                "is not a folder"
                if pathlib.Path(folder).expanduser().exists()
                else "does not exist"
            )
            raise UsageError(
                f"--dataset={name}: {folder} {state}: name a folder laid out as "
                "<path>/train/<class>/<image>.png"
            )
        return DatasetSpec(
            name,
            folder,
            (None, None, 3),
            train_split="train",
            test_split="test",
            cacheable=False,
            is_folder=True,
        )
    raise UsageError(f"unknown dataset {name!r}: choose one of {', '.join(known_dataset_names())}")
