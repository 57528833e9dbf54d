"""tf.data input pipelines built on TFDS: images scaled to [-1, 1], optionally with labels.

The pipeline decodes, crops, resizes and scales each image once, caches the result in memory
when the dataset is small enough (MNIST, Fashion-MNIST, CIFAR-10), then shuffles, repeats,
batches with a fixed batch size (so a compiled step traces once) and prefetches, so the input
never waits on the training step.
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

from gan_tf.data.loading import as_dataset, load_builder
from gan_tf.data.registry import DatasetSpec, get_dataset_spec
from gan_tf.errors import UsageError

AUTOTUNE = tf.data.AUTOTUNE


def resolve_image_size(
    spec: DatasetSpec,
    image_size: int | None,
    supported: Sequence[int] | None = None,
    model_name: str = "this model",
) -> int:
    """The square side length the model will see.

    `image_size` if given, else the dataset's default size (CelebA: 64) or its native one. Raises a
    UsageError when the model cannot take that size, naming the sizes it can take.
    """
    size = image_size or spec.default_image_size or spec.native_size
    if size is None:
        raise UsageError(f"dataset {spec.name!r} has images of varying size: pass --image_size")
    if size <= 0:
        raise UsageError(f"--image_size must be positive, got {size}")
    if supported is not None and size not in supported:
        sizes = ", ".join(str(s) for s in supported)
        native = spec.native_size or "varying"
        raise UsageError(
            f"{model_name} takes images of size {sizes}; dataset {spec.name!r} has "
            f"{native}x{native} images: pass --image_size with one of {sizes} to resize them"
        )
    return size


def to_unit_range(image: tf.Tensor) -> tf.Tensor:
    """uint8 [0, 255] -> float32 [-1, 1], the range of a tanh generator output."""
    return tf.cast(image, tf.float32) / 127.5 - 1.0


def to_uint8(images: tf.Tensor) -> tf.Tensor:
    """float [-1, 1] -> uint8 [0, 255] (clipped), for image files and summaries."""
    return tf.cast(tf.round(tf.clip_by_value((images + 1.0) * 127.5, 0.0, 255.0)), tf.uint8)


def preprocess_image(image: tf.Tensor, spec: DatasetSpec, image_size: int) -> tf.Tensor:
    """Centre-crop (where the dataset asks for it), resize to image_size, scale to [-1, 1]."""
    if spec.center_crop:
        image = tf.image.resize_with_crop_or_pad(image, spec.center_crop, spec.center_crop)
    image = tf.ensure_shape(image, [None, None, spec.channels])
    native = spec.native_size
    if native != image_size:
        # Area averaging is the right filter when shrinking; bilinear when enlarging.
        method = "area" if native and native > image_size else "bilinear"
        image = tf.image.resize(tf.cast(image, tf.float32), [image_size, image_size], method)
        image = tf.clip_by_value(image, 0.0, 255.0)
    image = to_unit_range(image)
    return tf.ensure_shape(image, [image_size, image_size, spec.channels])


def image_pipeline(
    dataset: str | DatasetSpec,
    *,
    batch_size: int,
    image_size: int | None = None,
    split: str | None = None,
    with_labels: bool = False,
    data_dir: str | None = None,
    manual_dir: str | None = None,
    seed: int = 0,
    shuffle: bool = True,
    repeat: bool = True,
    drop_remainder: bool = True,
    shuffle_buffer: int = 10_000,
) -> tf.data.Dataset:
    """Batches of images in [-1, 1] (and int32 labels when `with_labels`) from a TFDS dataset.

    Args:
      dataset: a name from `gan_tf.data.registry` or its spec.
      batch_size: images per batch; every batch has exactly this many when drop_remainder.
      image_size: side of the square images produced; default the dataset's own.
      split: TFDS split; default the dataset's training split.
      with_labels: yield (images, labels) instead of images.
      data_dir / manual_dir: where TFDS keeps prepared data / the original archives.
      seed: shuffling seed, so that runs are repeatable.
      shuffle, repeat, drop_remainder: as in tf.data; training wants all three.
    """
    if batch_size <= 0:
        raise UsageError(f"--batch_size must be positive, got {batch_size}")
    spec = get_dataset_spec(dataset) if isinstance(dataset, str) else dataset
    size = resolve_image_size(spec, image_size)
    if with_labels and not spec.num_classes:
        raise UsageError(
            f"dataset {spec.name!r} has no class labels; a conditional model needs them"
        )
    builder = load_builder(spec, data_dir=data_dir, manual_dir=manual_dir)
    ds = as_dataset(builder, split or spec.train_split, shuffle_files=shuffle)

    def prepare(example):
        image = preprocess_image(example["image"], spec, size)
        if with_labels:
            return image, tf.cast(example["label"], tf.int32)
        return image

    ds = ds.map(prepare, num_parallel_calls=AUTOTUNE, deterministic=True)
    if spec.cacheable:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(batch_size, drop_remainder=drop_remainder, num_parallel_calls=AUTOTUNE)
    return ds.prefetch(AUTOTUNE)
