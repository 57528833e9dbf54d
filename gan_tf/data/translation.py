"""Input pipelines for image-to-image translation: paired, unpaired and multi-domain data.

Three kinds of data, each from TFDS (or a user's folders read through TFDS's ImageFolder):

* paired (pix2pix, Isola et al. 2017): batches of (a, b) where b is the ground truth of a.
    - `folder:<path>`: side-by-side A|B images laid out as `<path>/<split>/<any>/<image>`
      (the pix2pix archives' layout, with one sub-folder level that ImageFolder needs);
    - any TFDS image dataset with a `task` that derives a from b inside the pipeline:
      `edges` (thresholded Sobel magnitude), `grayscale`, `inverted`.
* unpaired (CycleGAN, Zhu et al. 2017): batches of (a, b) drawn independently.
    - `cycle_gan/<pair>`: TFDS splits trainA / trainB (testA / testB);
    - `folder:<path>`: `<path>/<split>/A/<image>` and `<path>/<split>/B/<image>`;
    - any TFDS image dataset with `domain_b=<transform>`: its examples are split into two
      DISJOINT halves (even / odd index), domain A the first half as is and domain B the
      second half through a known transform, so the true B of any held-out A is known.
* multi-domain (StarGAN, Choi et al. 2018): batches of (images, domain labels in {0, 1}).
    - `celeb_a`: the chosen binary attributes (default the paper's five) as multi-hot labels;
    - `folder:<path>`: `<path>/<split>/<domain>/<image>`, one-hot labels;
    - any TFDS image dataset with `domains=[transforms]`: example i goes to domain i mod K
      through that domain's transform (disjoint subsets again), one-hot labels.

All images are float32 in [-1, 1]. Random jitter (pix2pix sec. 6.2: resize to 286, random
crop 256, random mirroring) uses stateless ops seeded by (seed, example index), so a pipeline
is repeatable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import tensorflow as tf

from gan_tf.data.domains import (
    CELEB_A_ATTRIBUTES,
    CELEB_A_HAIR,
    DERIVED_DOMAINS,
    PAIR_TASKS,
    UNPAIRED_TRANSFORMS,
)
from gan_tf.data.loading import as_dataset, load_builder
from gan_tf.data.pipelines import preprocess_image, read_examples, training_stream
from gan_tf.data.registry import CYCLE_GAN_PREFIX, DatasetSpec, get_dataset_spec
from gan_tf.errors import UsageError

AUTOTUNE = tf.data.AUTOTUNE
Transform = Callable[[tf.Tensor], tf.Tensor]

# pix2pix appendix 6.2: 256x256 images are resized to 286x286 and randomly cropped back.
JITTER_RATIO = 286 / 256
# Sobel magnitude (on [0, 1] intensities) above which a pixel is an edge.
EDGE_THRESHOLD = 0.5
# The fixed colorization: intensity 0 -> dark blue, 1 -> warm yellow (linear in between, so
# the transform is invertible and its truth is known).
COLOR_DARK = (0.1, 0.1, 0.45)
COLOR_LIGHT = (1.0, 0.85, 0.3)


# --- Known transforms (images in [-1, 1], rank 3 or 4) -------------------------------------------


def to_gray(images: tf.Tensor) -> tf.Tensor:
    """One channel: the luma of RGB (linear, so it commutes with the [-1, 1] scaling)."""
    return images if images.shape[-1] == 1 else tf.image.rgb_to_grayscale(images)


def to_channels(images: tf.Tensor, channels: int) -> tf.Tensor:
    """Gray images repeated to `channels` (3 for RGB); images already with `channels` as is."""
    if images.shape[-1] == channels:
        return images
    if images.shape[-1] == 1:
        return tf.repeat(images, channels, axis=-1)
    return to_gray(images)


def invert(images: tf.Tensor) -> tf.Tensor:
    """Inverted intensities: 255 - x in uint8 terms, -x in [-1, 1]."""
    return -images


def rotate(images: tf.Tensor) -> tf.Tensor:
    """Rotated 90 degrees counter-clockwise (square images)."""
    return tf.image.rot90(images)


def colorize(images: tf.Tensor) -> tf.Tensor:
    """A fixed false-color map of the intensity, 3 channels (see COLOR_DARK / COLOR_LIGHT)."""
    t = (to_gray(images) + 1.0) / 2.0
    dark, light = tf.constant(COLOR_DARK), tf.constant(COLOR_LIGHT)
    return (dark + t * (light - dark)) * 2.0 - 1.0


def edges(images: tf.Tensor) -> tf.Tensor:
    """Edge map as in pix2pix's edges2* tasks: black lines on white, 1 channel.

    The Sobel gradient magnitude of the [0, 1] intensity, thresholded at EDGE_THRESHOLD.
    """
    batched = images if images.shape.rank == 4 else images[None]
    gray = (to_gray(batched) + 1.0) / 2.0
    sobel = tf.image.sobel_edges(gray)  # (batch, h, w, 1, 2): d/dy, d/dx
    magnitude = tf.sqrt(tf.reduce_sum(tf.square(sobel), axis=-1))
    out = tf.where(magnitude > EDGE_THRESHOLD, -1.0, 1.0)
    return out if images.shape.rank == 4 else out[0]


TRANSFORMS: dict[str, Transform] = {
    "original": lambda x: x,
    "inverted": invert,
    "rotated": rotate,
    "colorized": colorize,
    "grayscale": to_gray,
    "edges": edges,
}


def transform_channels(name: str, channels: int) -> int:
    """Channels of TRANSFORMS[name] applied to images with `channels` channels."""
    if name == "colorized":
        return 3
    if name in ("grayscale", "edges"):
        return 1
    return channels


# Square sizes the translation experiments offer (the networks take any multiple of 4; these
# are the sizes whose U-Net encoder reaches a 1x1 bottleneck, as the paper's).
TRANSLATION_SIZES = (16, 32, 64, 128, 256, 512)


def default_translation_size(
    spec: DatasetSpec,
    requested: int | None,
    sizes: Sequence[int] = TRANSLATION_SIZES,
    fallback: int = 256,
) -> int:
    """`requested`, else the dataset's own size when the models take it, else the next larger
    size they take (Fashion-MNIST 28 -> 32), else `fallback` (images of varying size)."""
    if requested is not None:
        return requested
    native = spec.native_size
    return next((s for s in sizes if native and s >= native), fallback)


def _check_choice(kind: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise UsageError(f"unknown {kind} {value!r}: choose one of {', '.join(choices)}")


# --- Shared pieces -------------------------------------------------------------------------------


def _spec(dataset: str | DatasetSpec) -> DatasetSpec:
    return get_dataset_spec(dataset) if isinstance(dataset, str) else dataset


def _split(spec: DatasetSpec, train: bool) -> str:
    return spec.train_split if train else spec.test_split


def _stream_settings(spec: DatasetSpec, repeat: bool) -> dict:
    """Whether the prepared examples are cached (only repeated, training streams: a single
    held-out pass gains nothing from a cache, and one read partly, a sample grid's first batch
    or an evaluation of N images, would make tf.data discard it with a warning each time), and
    the shuffle buffer (decoded 128x128 faces are large: a smaller one for data kept on disk)."""
    return {
        "cache": spec.cacheable and repeat,
        "shuffle_buffer": 10_000 if spec.cacheable else 1_000,
    }


def random_jitter(
    seed: tf.Tensor, images: tf.Tensor, image_size: int, mirror: bool = True
) -> tf.Tensor:
    """pix2pix appendix 6.2: resize to 286/256 of the size, random crop back, random mirror.

    `images` (h, w, c) may hold a stacked pair (a and b concatenated on channels), so both get
    the same crop and flip. Stateless: the result is a function of `seed` (shape (2,)).
    """
    crop_seed, flip_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    big = round(image_size * JITTER_RATIO)
    images = tf.image.resize(images, [big, big], method="bilinear")
    images = tf.image.stateless_random_crop(
        images, [image_size, image_size, images.shape[-1]], seed=crop_seed
    )
    if mirror:
        images = tf.image.stateless_random_flip_left_right(images, seed=flip_seed)
    return images


def _folder_classes(builder) -> list[str]:
    return list(builder.info.features["label"].names)


# --- Paired data (pix2pix) ---------------------------------------------------------------------


def paired_channels(dataset: str | DatasetSpec, task: str | None) -> tuple[int, int]:
    """(input channels, output channels) of the paired data."""
    spec = _spec(dataset)
    if spec.is_folder:
        return spec.channels, spec.channels
    return transform_channels(task or "edges", spec.channels), spec.channels


def paired_pipeline(
    dataset: str | DatasetSpec,
    *,
    batch_size: int,
    image_size: int,
    task: str | None = None,
    train: bool = True,
    jitter: bool = True,
    data_dir: str | None = None,
    manual_dir: str | None = None,
    seed: int = 0,
    shuffle: bool | None = None,
    repeat: bool | None = None,
    start_batch: int = 0,
) -> tf.data.Dataset:
    """Batches of (a, b) pairs: b is the target (ground truth) for the input a.

    Args:
      dataset: `folder:<path>` of side-by-side A|B images, or any TFDS image dataset with `task`.
      task: for TFDS datasets, how a is derived from b: edges, grayscale or inverted.
      train: the training split (shuffled, repeated, jittered) or the held-out split (none).
      jitter: pix2pix random jitter and mirroring (training only).
      start_batch: the first batch to yield (a resumed run's step), as in `training_stream`.
    """
    spec = _spec(dataset)
    shuffle = train if shuffle is None else shuffle
    repeat = train if repeat is None else repeat
    if spec.is_folder:
        if task not in (None, "folder"):
            raise UsageError(
                f"--pairs={task} derives pairs from a TFDS dataset; a folder: dataset holds its "
                "own side-by-side A|B pairs: leave --pairs unset"
            )
    else:
        task = task or "edges"
        _check_choice("paired task (--pairs)", task, PAIR_TASKS)
    builder = load_builder(spec, data_dir=data_dir, manual_dir=manual_dir)
    settings = _stream_settings(spec, repeat)
    examples, decode = read_examples(
        builder, _split(spec, train), shuffle=shuffle, seed=seed, encoded=not settings["cache"]
    )

    if spec.is_folder:

        def prepare(example):
            image = decode(example["image"])
            width = tf.shape(image)[1] // 2
            a = preprocess_image(image[:, :width], spec, image_size)
            b = preprocess_image(image[:, width : 2 * width], spec, image_size)
            return a, b
    else:

        def prepare(example):
            return preprocess_image(decode(example["image"]), spec, image_size)

    in_channels = paired_channels(spec, task)[0]

    def augment(example_seed, example):
        if spec.is_folder:
            a, b = example
            if train and jitter:
                both = random_jitter(example_seed, tf.concat([a, b], -1), image_size)
                a, b = both[..., : spec.channels], both[..., spec.channels :]
            return a, b
        b = random_jitter(example_seed, example, image_size) if train and jitter else example
        # The input is computed from the (jittered) target, so the pair stays exact.
        a = TRANSFORMS[task](b)
        return tf.ensure_shape(a, [image_size, image_size, in_channels]), b

    return training_stream(
        examples,
        prepare,
        batch_size=batch_size,
        shuffle=shuffle,
        repeat=repeat,
        seed=seed,
        start_batch=start_batch,
        augment=augment,
        **settings,
    )


# --- Unpaired data (CycleGAN) ------------------------------------------------------------------


def unpaired_channels(dataset: str | DatasetSpec, domain_b: str | None) -> int:
    """Channels of both domains (CycleGAN's generators keep the channel count)."""
    spec = _spec(dataset)
    if spec.is_folder or spec.name.startswith(CYCLE_GAN_PREFIX):
        return spec.channels
    return transform_channels(domain_b or "inverted", spec.channels)


def unpaired_pipeline(
    dataset: str | DatasetSpec,
    *,
    batch_size: int,
    image_size: int,
    domain_b: str | None = None,
    train: bool = True,
    data_dir: str | None = None,
    manual_dir: str | None = None,
    seed: int = 0,
    shuffle: bool | None = None,
    repeat: bool | None = None,
    start_batch: int = 0,
) -> tf.data.Dataset:
    """Batches of (a, b): images of domain A and, independently drawn, of domain B.

    Args:
      dataset: `cycle_gan/<pair>`, `folder:<path>` (sub-folders A/ and B/ in each split), or a
        TFDS image dataset whose disjoint halves make the domains, B through `domain_b`.
      domain_b: for derived domains, the transform making B: inverted, colorized or rotated.
      train: training splits (shuffled, repeated) or held-out splits.
      start_batch: the first batch to yield (a resumed run's step), as in `training_stream`.
    """
    spec = _spec(dataset)
    shuffle = train if shuffle is None else shuffle
    repeat = train if repeat is None else repeat
    builder = load_builder(spec, data_dir=data_dir, manual_dir=manual_dir)
    phase = "train" if train else "test"
    channels = unpaired_channels(spec, domain_b)
    settings = _stream_settings(spec, repeat)

    def read(split: str, files_shuffled: bool):
        return read_examples(
            builder, split, shuffle=files_shuffled, seed=seed, encoded=not settings["cache"]
        )

    def image_of(decode):
        return lambda example: preprocess_image(decode(example["image"]), spec, image_size)

    # (examples, prepare) of domains A and B.

    if spec.name.startswith(CYCLE_GAN_PREFIX):
        if domain_b:
            raise UsageError(f"--domain_b is for derived domains; {spec.name} has its own B")
        domains = []
        for d in "AB":
            examples, decode = read(f"{phase}{d}", shuffle)
            domains.append((examples, image_of(decode)))
    elif spec.is_folder:
        if domain_b:
            raise UsageError(f"--domain_b is for derived domains; {spec.name} has its own B")
        classes = _folder_classes(builder)
        if "A" not in classes or "B" not in classes:
            raise UsageError(
                f"image folder {spec.tfds_name}/{phase} needs sub-folders A/ and B/ (found: "
                f"{', '.join(classes) or 'none'})"
            )
        domains = []
        for d in "AB":
            examples, decode = read(phase, shuffle)
            label = classes.index(d)
            examples = examples.filter(lambda example, k=label: tf.equal(example["label"], k))
            domains.append((examples, image_of(decode)))
    else:
        domain_b = domain_b or "inverted"
        _check_choice("derived domain (--domain_b)", domain_b, UNPAIRED_TRANSFORMS)
        transform = TRANSFORMS[domain_b]
        examples, decode = read(_split(spec, train), False)  # the halves need a fixed order
        image = image_of(decode)
        indexed = examples.enumerate()
        # Two disjoint halves: no image appears in both domains.
        domains = [
            (
                indexed.filter(lambda i, _: i % 2 == 0).map(lambda _, x: x),
                lambda example: to_channels(image(example), channels),
            ),
            (
                indexed.filter(lambda i, _: i % 2 == 1).map(lambda _, x: x),
                lambda example: to_channels(transform(image(example)), channels),
            ),
        ]

    a, b = (
        training_stream(
            examples,
            prepare,
            batch_size=batch_size,
            shuffle=shuffle,
            repeat=repeat,
            seed=seed + k,
            start_batch=start_batch,
            **settings,
        )
        for k, (examples, prepare) in enumerate(domains)
    )
    return tf.data.Dataset.zip((a, b)).map(
        lambda x, y: (
            tf.ensure_shape(x, [batch_size, image_size, image_size, channels]),
            tf.ensure_shape(y, [batch_size, image_size, image_size, channels]),
        )
    )


def unpaired_truth_pairs(
    dataset: str | DatasetSpec,
    *,
    batch_size: int,
    image_size: int,
    domain_b: str = "inverted",
    data_dir: str | None = None,
    manual_dir: str | None = None,
) -> tf.data.Dataset:
    """Held-out (a, true_b) batches of derived domains: true_b = transform(a), in order."""
    spec = _spec(dataset)
    _check_choice("derived domain (--domain_b)", domain_b, UNPAIRED_TRANSFORMS)
    channels = unpaired_channels(spec, domain_b)
    builder = load_builder(spec, data_dir=data_dir, manual_dir=manual_dir)
    ds = as_dataset(builder, spec.test_split, shuffle_files=False)

    def prepare(example):
        x = preprocess_image(example["image"], spec, image_size)
        return to_channels(x, channels), to_channels(TRANSFORMS[domain_b](x), channels)

    ds = ds.map(prepare, num_parallel_calls=AUTOTUNE, deterministic=True)
    return ds.batch(batch_size, drop_remainder=True).prefetch(AUTOTUNE)


# --- Multi-domain data (StarGAN) --------------------------------------------------------------


def multi_domain_names(
    dataset: str | DatasetSpec,
    attributes: Sequence[str] | None = None,
    domains: Sequence[str] | None = None,
    data_dir: str | None = None,
    manual_dir: str | None = None,
) -> list[str]:
    """The domain names (label order) for `dataset`."""
    spec = _spec(dataset)
    if spec.name == "celeb_a":
        return list(attributes or CELEB_A_ATTRIBUTES)
    if spec.is_folder:
        builder = load_builder(spec, data_dir=data_dir, manual_dir=manual_dir)
        return _folder_classes(builder)
    names = list(domains or DERIVED_DOMAINS)
    for name in names:
        _check_choice("derived domain (--domains)", name, tuple(TRANSFORMS))
    if len(set(names)) != len(names) or len(names) < 2:
        raise UsageError(f"--domains needs at least two distinct transforms, got {names}")
    return names


def multi_domain_channels(dataset: str | DatasetSpec, domains: Sequence[str] | None) -> int:
    """Channels shared by every domain (gray domains are repeated to RGB beside a color one)."""
    spec = _spec(dataset)
    if spec.name == "celeb_a" or spec.is_folder:
        return spec.channels
    return max(transform_channels(d, spec.channels) for d in domains or DERIVED_DOMAINS)


def exclusive_groups(dataset: str | DatasetSpec, names: Sequence[str]) -> list[list[int]]:
    """Index groups of domains of which an image has exactly one (CelebA hair colors; every
    domain for one-hot labels). StarGAN's sample grids set one member and clear the rest."""
    spec = _spec(dataset)
    if spec.name == "celeb_a":
        hair = [i for i, n in enumerate(names) if n in CELEB_A_HAIR]
        return [hair] if len(hair) > 1 else []
    return [list(range(len(names)))]


def multi_domain_pipeline(
    dataset: str | DatasetSpec,
    *,
    batch_size: int,
    image_size: int,
    attributes: Sequence[str] | None = None,
    domains: Sequence[str] | None = None,
    train: bool = True,
    data_dir: str | None = None,
    manual_dir: str | None = None,
    seed: int = 0,
    shuffle: bool | None = None,
    repeat: bool | None = None,
    start_batch: int = 0,
) -> tf.data.Dataset:
    """Batches of (images, labels): labels float32 (batch, num_domains) in {0, 1}.

    Args:
      dataset: `celeb_a` (center crop 178, then resized), `folder:<path>` with one sub-folder
        per domain, or a TFDS image dataset whose examples are spread over `domains`.
      attributes: CelebA attributes used as domains (default: StarGAN's five).
      domains: derived domains, names of TRANSFORMS (default original, inverted, rotated,
        colorized); example i goes to domain i mod K.
      start_batch: the first batch to yield (a resumed run's step), as in `training_stream`.
    """
    spec = _spec(dataset)
    shuffle = train if shuffle is None else shuffle
    repeat = train if repeat is None else repeat
    builder = load_builder(spec, data_dir=data_dir, manual_dir=manual_dir)
    settings = _stream_settings(spec, repeat)
    examples, decode = read_examples(
        builder, _split(spec, train), shuffle=shuffle, seed=seed, encoded=not settings["cache"]
    )

    if spec.name == "celeb_a":
        names = list(attributes or CELEB_A_ATTRIBUTES)
        known = sorted(builder.info.features["attributes"].keys())
        unknown = [n for n in names if n not in known]
        if unknown:
            raise UsageError(
                f"celeb_a has no attribute {', '.join(unknown)}: choose from {', '.join(known)}"
            )

        def prepare(example):
            labels = tf.stack([tf.cast(example["attributes"][n], tf.float32) for n in names])
            return preprocess_image(decode(example["image"]), spec, image_size), labels

    elif spec.is_folder:
        names = _folder_classes(builder)

        def prepare(example):
            image = preprocess_image(decode(example["image"]), spec, image_size)
            return image, tf.one_hot(example["label"], len(names))

    else:
        names = multi_domain_names(spec, domains=domains)
        channels = multi_domain_channels(spec, names)
        branches = [lambda x, t=TRANSFORMS[n]: to_channels(t(x), channels) for n in names]

        def prepare(index, example):
            x = preprocess_image(decode(example["image"]), spec, image_size)
            k = tf.cast(index % len(names), tf.int32)
            return tf.switch_case(k, [lambda f=f: f(x) for f in branches]), tf.one_hot(
                k, len(names)
            )

        examples = examples.enumerate()  # example i goes to domain i mod K

    return training_stream(
        examples,
        prepare,
        batch_size=batch_size,
        shuffle=shuffle,
        repeat=repeat,
        seed=seed,
        start_batch=start_batch,
        **settings,
    )


def multi_domain_truth(
    dataset: str | DatasetSpec,
    *,
    batch_size: int,
    image_size: int,
    domains: Sequence[str] | None = None,
    data_dir: str | None = None,
    manual_dir: str | None = None,
    train: bool = False,
    seed: int = 0,
) -> tf.data.Dataset:
    """Batches of (num_domains, batch, h, w, c): every image in every derived domain, so the
    truth of translating domain s to t is element t. Held-out (the test split, in order) by
    default; `train=True` gives the train split shuffled and repeated, for training with the
    truth (the supervised diagnostic of the StarGAN proof)."""
    spec = _spec(dataset)
    names = multi_domain_names(spec, domains=domains)
    channels = multi_domain_channels(spec, names)
    builder = load_builder(spec, data_dir=data_dir, manual_dir=manual_dir)
    settings = _stream_settings(spec, repeat=train)
    examples, decode = read_examples(
        builder, _split(spec, train), shuffle=train, seed=seed, encoded=not settings["cache"]
    )

    def prepare(example):
        x = preprocess_image(decode(example["image"]), spec, image_size)
        return tf.stack([to_channels(TRANSFORMS[n](x), channels) for n in names])

    ds = training_stream(
        examples, prepare, batch_size=batch_size, shuffle=train, repeat=train, seed=seed, **settings
    )
    return ds.map(lambda x: tf.transpose(x, [1, 0, 2, 3, 4])).prefetch(AUTOTUNE)
