"""tf.data input pipelines built on TFDS: images scaled to [-1, 1], optionally with labels.

The pipeline decodes, crops, resizes and scales each image once, caches the result in memory
when the dataset is small enough (MNIST, Fashion-MNIST, CIFAR-10), then shuffles, repeats,
batches with a fixed batch size (so a compiled step traces once) and prefetches, so the input
never waits on the training step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import tensorflow as tf
import tensorflow_datasets as tfds

from gan_tf.data.loading import as_dataset, load_builder
from gan_tf.data.registry import DatasetSpec, get_dataset_spec
from gan_tf.errors import UsageError

AUTOTUNE = tf.data.AUTOTUNE


def padded_image_size(spec: DatasetSpec, image_size: int | None, model_name: str) -> int:
    """`image_size`, by default the dataset's side rounded up to a power of two (MNIST's 28:
    32, to be padded, as the growing and style-based GANs' authors' dataset_tool.py does);
    see `resolve_image_size`."""
    default = spec.native_size
    if default and default & (default - 1):
        default = 2 ** math.ceil(math.log2(default))
    return resolve_image_size(spec, image_size or default, model_name=model_name)


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
        raise UsageError(f"dataset {spec.name!r} has no fixed image size: pass --image_size")
    if size <= 0:
        raise UsageError(f"--image_size must be positive, got {size}")
    if supported is not None and size not in supported:
        sizes = ", ".join(str(s) for s in supported)
        if image_size:
            raise UsageError(f"{model_name} takes images of size {sizes}, not --image_size={size}")
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


def preprocess_image(
    image: tf.Tensor, spec: DatasetSpec, image_size: int, pad: bool = False
) -> tf.Tensor:
    """Centre-crop (where the dataset asks for it), resize to image_size, scale to [-1, 1].
    With `pad`, images smaller than image_size are padded with black around the centre
    instead of enlarged (PGGAN's dataset_tool.py: MNIST's 28x28 in 32x32)."""
    if spec.center_crop:
        image = tf.image.resize_with_crop_or_pad(image, spec.center_crop, spec.center_crop)
    image = tf.ensure_shape(image, [None, None, spec.channels])
    native = spec.native_size
    if pad and native and native < image_size:
        offset = (image_size - native) // 2
        image = tf.image.pad_to_bounding_box(image, offset, offset, image_size, image_size)
    elif native != image_size:
        # Area averaging is the right filter when shrinking; bilinear when enlarging.
        method = "area" if native and native > image_size else "bilinear"
        image = tf.image.resize(tf.cast(image, tf.float32), [image_size, image_size], method)
        image = tf.clip_by_value(image, 0.0, 255.0)
    image = to_unit_range(image)
    return tf.ensure_shape(image, [image_size, image_size, spec.channels])


def read_examples(
    builder, split: str, *, shuffle: bool, seed: int, encoded: bool, first: int = 0
) -> tuple[tf.data.Dataset, Callable[[tf.Tensor], tf.Tensor]]:
    """(examples, decode): the split's examples (only its `first` ones when positive), their
    images still encoded when `encoded` (TFDS SkipDecoding), and the function that decodes one
    image (the identity otherwise).

    Images that are not cached are decoded after the shuffle and the resume skip
    (`training_stream`): the shuffle buffer then holds compressed bytes, and resuming a run
    reads the skipped examples without decoding them."""
    decoders = {"image": tfds.decode.SkipDecoding()} if encoded else None
    ds = as_dataset(
        builder, split, shuffle_files=shuffle, seed=seed, decoders=decoders, first=first
    )
    if not encoded:
        return ds, lambda image: image
    return ds, builder.info.features["image"].decode_example


def training_stream(
    examples: tf.data.Dataset,
    prepare: Callable,
    *,
    batch_size: int,
    shuffle: bool,
    repeat: bool,
    seed: int,
    cache: bool,
    shuffle_buffer: int,
    start_batch: int = 0,
    start_example: int | None = None,
    augment: Callable | None = None,
    drop_remainder: bool = True,
) -> tf.data.Dataset:
    """Fixed-size batches of `prepare(example)`: prepared once and cached (`cache`), or
    prepared after the shuffle; shuffled with `seed`, repeated, then (augmented with the
    per-example stateless seed (seed, index) and) batched, so that a compiled step traces once.

    The stream is a pure function of `seed`: TFDS's file order, the shuffle and the augmentation
    are all seeded from it. A run resumed at step s (`start_batch=s`) skips the s * batch_size
    examples it consumed before (or `start_example` examples, when given) and so sees exactly
    the batches the uninterrupted run saw. The
    skip costs one pass over the consumed examples without preparing them: reads from the
    in-memory cache (MNIST, CIFAR-10: seconds per 10^6 examples) or of still-encoded records
    from disk, i.e. the cost of reading the dataset once per epoch consumed (see
    experiments/resume.md). Checkpointing the tf.data iterator instead would write the shuffle
    buffer and the whole cache into every checkpoint (for CIFAR-10, 10,000 decoded images and
    the 50,000 cached ones, ~800 MB in float32)."""
    if batch_size <= 0:
        raise UsageError(f"--batch_size must be positive, got {batch_size}")
    if cache:
        examples = examples.map(prepare, num_parallel_calls=AUTOTUNE, deterministic=True).cache()
    if shuffle:
        examples = examples.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        examples = examples.repeat()
    if augment is not None:
        # The index after repeat differs in every epoch, so each epoch gets new jitter.
        examples = examples.enumerate()
    skip = start_batch * batch_size if start_example is None else start_example
    if skip:
        examples = examples.skip(skip)
    if not cache:
        if augment is not None:
            examples = examples.map(
                lambda i, example: (i, prepare(example)),
                num_parallel_calls=AUTOTUNE,
                deterministic=True,
            )
        else:
            examples = examples.map(prepare, num_parallel_calls=AUTOTUNE, deterministic=True)
    if augment is not None:
        examples = examples.map(
            lambda i, example: augment(tf.stack([tf.cast(seed, tf.int64), i]), example),
            num_parallel_calls=AUTOTUNE,
            deterministic=True,
        )
    examples = examples.batch(
        batch_size, drop_remainder=drop_remainder, num_parallel_calls=AUTOTUNE
    )
    return examples.prefetch(AUTOTUNE)


def image_pipeline(
    dataset: str | DatasetSpec,
    *,
    batch_size: int,
    image_size: int | None = None,
    split: str | None = None,
    train_images: int = 0,
    with_labels: bool = False,
    data_dir: str | None = None,
    manual_dir: str | None = None,
    seed: int = 0,
    shuffle: bool = True,
    repeat: bool = True,
    drop_remainder: bool = True,
    shuffle_buffer: int = 10_000,
    start_batch: int = 0,
    start_example: int | None = None,
    pad: bool = False,
) -> tf.data.Dataset:
    """Batches of images in [-1, 1] (and int32 labels when `with_labels`) from a TFDS dataset.

    Args:
      dataset: a name from `gan_tf.data.registry` or its spec.
      batch_size: images per batch; every batch has exactly this many when drop_remainder.
      image_size: side of the square images produced; default the dataset's own.
      split: TFDS split; default the dataset's training split.
      train_images: when positive, only the split's first `train_images` examples (TFDS's
        slicing, the same examples whatever the seed); UsageError beyond the split's size.
      with_labels: yield (images, labels) instead of images.
      data_dir / manual_dir: where TFDS keeps prepared data / the original archives.
      seed: shuffling seed, so that runs are repeatable.
      shuffle, repeat, drop_remainder: as in tf.data; training wants all three.
      start_batch: the first batch of the stream to yield (a resumed run's step), the
        earlier ones skipped (`training_stream`).
      start_example: instead of `start_batch`, the first example (for runs whose batch size
        changed on the way, as PGGAN's).
      pad: pad smaller images with black up to image_size rather than enlarge them.
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
    cache = spec.cacheable and repeat
    examples, decode = read_examples(
        builder,
        split or spec.train_split,
        shuffle=shuffle,
        seed=seed,
        encoded=not cache,
        first=train_images,
    )

    def prepare(example):
        image = preprocess_image(decode(example["image"]), spec, size, pad=pad)
        if with_labels:
            return image, tf.cast(example["label"], tf.int32)
        return image

    return training_stream(
        examples,
        prepare,
        batch_size=batch_size,
        shuffle=shuffle,
        repeat=repeat,
        seed=seed,
        cache=cache,
        shuffle_buffer=shuffle_buffer,
        start_batch=start_batch,
        start_example=start_example,
        drop_remainder=drop_remainder,
    )
