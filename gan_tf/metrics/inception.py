"""The FID Inception-v3 network (graph of 2015-12-05) as a Keras 3 functional model.

FID, KID and improved precision/recall compare the 2048-d ``pool_3`` features of one specific
network: Google's Inception-v3 graph ``classify_image_graph_def.pb`` of 2015-12-05, used by the
original FID code (Heusel et al. 2017, TTUR), TF-GAN, pytorch-fid, clean-fid and StyleGAN. It is
not the Inception-v3 of ``keras.applications``: its weights differ, and its last block (mixed_10)
uses a MAX pool in tower_2 where Keras and the paper use an average pool. Features from any other
network give numbers that are not comparable with published FIDs.

Contents
- ``fid_inception_network``: the network, built layer by layer (the original graph's blocks, stem
  to pool, with their layer names) and loaded by name from a ``.npz`` of plain arrays: one
  ``<layer>.kernel`` per convolution, then its batch norm's ``mean``, ``var`` and ``beta``.
- ``preprocess_for_inception``: uint8 [0, 255] or GAN float [-1, 1] images -> network input, as the
  original FID code does it (RGB, TensorFlow's legacy bilinear resize to 299x299, (x - 128) / 128).
- ``InceptionFeatureExtractor``: batched, XLA-compiled feature extraction to float64 numpy,
  by default through the inference form of the network (batch norms folded into the
  convolutions; ``gan_tf.metrics.folded_inception``).
- ``python -m gan_tf.metrics.inception --download``: fetch the original TF graph and convert it to
  the ``.npz`` layout (needs internet; ``--tarball`` converts an already downloaded archive).

Weights are looked up in this order: the ``weights_path`` argument (``--inception_weights`` in the
command-line tools), the ``GAN_TF_INCEPTION_WEIGHTS`` environment variable, then
``~/.cache/gan_tf/fid_inception_v3_2015_12_05.npz``. Nothing is downloaded implicitly.

Cost: every image is resized to 299x299 and costs about 5.7 G multiply-adds whatever its source
size, so feature extraction is slow on a CPU, bounded by the core's floating-point peak; use a
GPU where you can. Measured speeds: experiments/speed.md (`python benchmarks/fid_speed.py`).

Inception Score is NOT available from these weights: the ``.npz`` holds only the convolutional
feature extractor (every array is consumed by the pool features), not the 1008-way softmax layer
that IS needs. ``InceptionFeatureExtractor.class_probabilities`` says so with a clear error.
"""

from __future__ import annotations

import argparse
import functools
import os
import pathlib
import sys
import tarfile
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf
from absl import logging
from google.protobuf.message import DecodeError
from keras import layers

from gan_tf.errors import UsageError

WEIGHTS_FILENAME = "fid_inception_v3_2015_12_05.npz"
WEIGHTS_ENV_VAR = "GAN_TF_INCEPTION_WEIGHTS"
DEFAULT_WEIGHTS_PATH = pathlib.Path("~/.cache/gan_tf").expanduser() / WEIGHTS_FILENAME
GRAPH_URL = "http://download.tensorflow.org/models/image/imagenet/inception-2015-12-05.tgz"
GRAPH_MEMBER = "classify_image_graph_def.pb"
DOWNLOAD_COMMAND = "python -m gan_tf.metrics.inception --download"

INPUT_SIZE = 299
FEATURE_DIM = 2048
BN_EPSILON = 1e-3  # The graph's BatchNormWithGlobalNormalization variance_epsilon.

# Every layer of the network computes in float32, whatever keras' global dtype policy is:
# FID is sensitive to small feature changes, so mixed precision must never leak in here.
_DTYPE = "float32"


# --------------------------------------------------------------------------------------------
# Weights location
# --------------------------------------------------------------------------------------------


def resolve_weights_path(weights_path: str | os.PathLike[str] | None = None) -> pathlib.Path:
    """Where the FID Inception weights are: argument, else $GAN_TF_INCEPTION_WEIGHTS, else cache.

    Raises:
      UsageError: the chosen file does not exist; the one-line message says where it looked and
        how to get the file.
    """
    if weights_path is not None:
        path, origin = pathlib.Path(weights_path).expanduser(), "from --inception_weights"
    elif os.environ.get(WEIGHTS_ENV_VAR):
        path, origin = pathlib.Path(os.environ[WEIGHTS_ENV_VAR]).expanduser(), "from the env var"
    else:
        path, origin = DEFAULT_WEIGHTS_PATH, "the default cache path"
    if not path.is_file():
        raise UsageError(
            f"FID Inception weights not found at {path} ({origin}; looked at --inception_weights, "
            f"then ${WEIGHTS_ENV_VAR}, then {DEFAULT_WEIGHTS_PATH}): set --inception_weights or "
            f"${WEIGHTS_ENV_VAR} to the {WEIGHTS_FILENAME} file, or run `{DOWNLOAD_COMMAND}` "
            f"(needs internet) to create the default one."
        )
    return path


def load_weight_arrays(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """All arrays of a weights ``.npz``, as float32, keyed like ``mixed_10.tower_2_conv.kernel``."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: np.asarray(npz[name], dtype=np.float32) for name in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise UsageError(f"cannot read FID Inception weights {path}: {error}") from error


# --------------------------------------------------------------------------------------------
# Network
# --------------------------------------------------------------------------------------------


def _conv_bn_relu(
    x: keras.KerasTensor,
    name: str,
    filters: int,
    kernel: int | tuple[int, int],
    strides: int = 1,
    padding: str = "same",
) -> keras.KerasTensor:
    """conv (no bias) -> batch norm (beta, no gamma) -> ReLU, as every conv of the graph.

    The Conv2D layer carries the graph's name (``mixed.tower.conv``) so weights load by name;
    its batch norm is ``<name>.bn``.
    """
    x = layers.Conv2D(
        filters, kernel, strides=strides, padding=padding, use_bias=False, name=name, dtype=_DTYPE
    )(x)
    x = layers.BatchNormalization(
        epsilon=BN_EPSILON, center=True, scale=False, name=f"{name}.bn", dtype=_DTYPE
    )(x)
    return layers.ReLU(name=f"{name}.relu", dtype=_DTYPE)(x)


def _avg_pool_same(x: keras.KerasTensor, name: str) -> keras.KerasTensor:
    # With TensorFlow's SAME padding the average only counts pixels inside the image, which is
    # what the original graph's AvgPool does (PyTorch ports need count_include_pad=False).
    return layers.AveragePooling2D(3, strides=1, padding="same", name=name, dtype=_DTYPE)(x)


def _concat(tensors: Sequence[keras.KerasTensor], name: str) -> keras.KerasTensor:
    return layers.Concatenate(axis=-1, name=name, dtype=_DTYPE)(list(tensors))


def _block_a(x: keras.KerasTensor, name: str, pool_filters: int) -> keras.KerasTensor:
    """mixed, mixed_1, mixed_2 (35x35)."""
    branch_1x1 = _conv_bn_relu(x, f"{name}.conv", 64, 1)
    tower = _conv_bn_relu(x, f"{name}.tower.conv", 48, 1)
    tower = _conv_bn_relu(tower, f"{name}.tower.conv_1", 64, 5)
    tower_1 = _conv_bn_relu(x, f"{name}.tower_1.conv", 64, 1)
    tower_1 = _conv_bn_relu(tower_1, f"{name}.tower_1.conv_1", 96, 3)
    tower_1 = _conv_bn_relu(tower_1, f"{name}.tower_1.conv_2", 96, 3)
    tower_2 = _avg_pool_same(x, f"{name}.tower_2.pool")
    tower_2 = _conv_bn_relu(tower_2, f"{name}.tower_2.conv", pool_filters, 1)
    return _concat([branch_1x1, tower, tower_1, tower_2], f"{name}.join")


def _block_b(x: keras.KerasTensor, name: str) -> keras.KerasTensor:
    """mixed_3: 35x35 -> 17x17."""
    branch_3x3 = _conv_bn_relu(x, f"{name}.conv", 384, 3, strides=2, padding="valid")
    tower = _conv_bn_relu(x, f"{name}.tower.conv", 64, 1)
    tower = _conv_bn_relu(tower, f"{name}.tower.conv_1", 96, 3)
    tower = _conv_bn_relu(tower, f"{name}.tower.conv_2", 96, 3, strides=2, padding="valid")
    pool = layers.MaxPooling2D(3, strides=2, padding="valid", name=f"{name}.pool", dtype=_DTYPE)(x)
    return _concat([branch_3x3, tower, pool], f"{name}.join")


def _block_c(x: keras.KerasTensor, name: str, channels: int) -> keras.KerasTensor:
    """mixed_4 .. mixed_7 (17x17), factorised 7x7 convolutions."""
    c = channels
    branch_1x1 = _conv_bn_relu(x, f"{name}.conv", 192, 1)
    tower = _conv_bn_relu(x, f"{name}.tower.conv", c, 1)
    tower = _conv_bn_relu(tower, f"{name}.tower.conv_1", c, (1, 7))
    tower = _conv_bn_relu(tower, f"{name}.tower.conv_2", 192, (7, 1))
    tower_1 = _conv_bn_relu(x, f"{name}.tower_1.conv", c, 1)
    tower_1 = _conv_bn_relu(tower_1, f"{name}.tower_1.conv_1", c, (7, 1))
    tower_1 = _conv_bn_relu(tower_1, f"{name}.tower_1.conv_2", c, (1, 7))
    tower_1 = _conv_bn_relu(tower_1, f"{name}.tower_1.conv_3", c, (7, 1))
    tower_1 = _conv_bn_relu(tower_1, f"{name}.tower_1.conv_4", 192, (1, 7))
    tower_2 = _avg_pool_same(x, f"{name}.tower_2.pool")
    tower_2 = _conv_bn_relu(tower_2, f"{name}.tower_2.conv", 192, 1)
    return _concat([branch_1x1, tower, tower_1, tower_2], f"{name}.join")


def _block_d(x: keras.KerasTensor, name: str) -> keras.KerasTensor:
    """mixed_8: 17x17 -> 8x8."""
    tower = _conv_bn_relu(x, f"{name}.tower.conv", 192, 1)
    tower = _conv_bn_relu(tower, f"{name}.tower.conv_1", 320, 3, strides=2, padding="valid")
    tower_1 = _conv_bn_relu(x, f"{name}.tower_1.conv", 192, 1)
    tower_1 = _conv_bn_relu(tower_1, f"{name}.tower_1.conv_1", 192, (1, 7))
    tower_1 = _conv_bn_relu(tower_1, f"{name}.tower_1.conv_2", 192, (7, 1))
    tower_1 = _conv_bn_relu(tower_1, f"{name}.tower_1.conv_3", 192, 3, strides=2, padding="valid")
    pool = layers.MaxPooling2D(3, strides=2, padding="valid", name=f"{name}.pool", dtype=_DTYPE)(x)
    return _concat([tower, tower_1, pool], f"{name}.join")


def _block_e(x: keras.KerasTensor, name: str, max_pool: bool) -> keras.KerasTensor:
    """mixed_9, mixed_10 (8x8), expanded 1x3 / 3x1 filter banks.

    ``max_pool``: tower_2 pools with MAX in mixed_10 of the original graph (AVG in mixed_9).
    That quirk is part of the FID definition, so it is reproduced, not "fixed".
    """
    branch_1x1 = _conv_bn_relu(x, f"{name}.conv", 320, 1)
    a = _conv_bn_relu(x, f"{name}.tower_conv", 384, 1)
    a_1x3 = _conv_bn_relu(a, f"{name}.tower_mixed_conv", 384, (1, 3))
    a_3x1 = _conv_bn_relu(a, f"{name}.tower_mixed_conv_1", 384, (3, 1))
    b = _conv_bn_relu(x, f"{name}.tower_1_conv", 448, 1)
    b = _conv_bn_relu(b, f"{name}.tower_1_conv_1", 384, 3)
    b_1x3 = _conv_bn_relu(b, f"{name}.tower_1_mixed_conv", 384, (1, 3))
    b_3x1 = _conv_bn_relu(b, f"{name}.tower_1_mixed_conv_1", 384, (3, 1))
    if max_pool:
        pool = layers.MaxPooling2D(
            3, strides=1, padding="same", name=f"{name}.tower_2_pool", dtype=_DTYPE
        )(x)
    else:
        pool = _avg_pool_same(x, f"{name}.tower_2_pool")
    pool = _conv_bn_relu(pool, f"{name}.tower_2_conv", 192, 1)
    return _concat([branch_1x1, a_1x3, a_3x1, b_1x3, b_3x1, pool], f"{name}.join")


def build_fid_inception_architecture() -> keras.Model:
    """The FID Inception-v3 graph with freshly initialised weights."""
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 3), name="normalised_images", dtype=_DTYPE)
    # Stem: 299 -> 149 -> 147 -> 147 -> 73 -> 73 -> 71 -> 35.
    x = _conv_bn_relu(inputs, "conv", 32, 3, strides=2, padding="valid")
    x = _conv_bn_relu(x, "conv_1", 32, 3, padding="valid")
    x = _conv_bn_relu(x, "conv_2", 64, 3, padding="same")
    x = layers.MaxPooling2D(3, strides=2, padding="valid", name="pool", dtype=_DTYPE)(x)
    x = _conv_bn_relu(x, "conv_3", 80, 1, padding="valid")
    x = _conv_bn_relu(x, "conv_4", 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2, padding="valid", name="pool_1", dtype=_DTYPE)(x)
    x = _block_a(x, "mixed", pool_filters=32)
    x = _block_a(x, "mixed_1", pool_filters=64)
    x = _block_a(x, "mixed_2", pool_filters=64)
    x = _block_b(x, "mixed_3")
    for name, channels in (("mixed_4", 128), ("mixed_5", 160), ("mixed_6", 160), ("mixed_7", 192)):
        x = _block_c(x, name, channels)
    x = _block_d(x, "mixed_8")
    x = _block_e(x, "mixed_9", max_pool=False)
    x = _block_e(x, "mixed_10", max_pool=True)
    # pool_3: 8x8 average pool of the 8x8 map, i.e. the global mean.
    features = layers.GlobalAveragePooling2D(name="pool_3", dtype=_DTYPE)(x)
    model = keras.Model(inputs, features, name="fid_inception_v3_2015_12_05")
    model.trainable = False
    return model


def expected_weight_shapes(model: keras.Model) -> dict[str, tuple[int, ...]]:
    """The ``.npz`` keys the network needs and their shapes (kernel, beta, mean, var per conv)."""
    shapes: dict[str, tuple[int, ...]] = {}
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            shapes[f"{layer.name}.kernel"] = tuple(layer.kernel.shape)
            for suffix in ("beta", "mean", "var"):
                shapes[f"{layer.name}.{suffix}"] = (layer.filters,)
    return shapes


def load_fid_inception_weights(model: keras.Model, arrays: Mapping[str, np.ndarray]) -> None:
    """Load arrays by layer name; every array must be used exactly once, with the right shape.

    Raises:
      UsageError: names missing or left over, or shapes differ (i.e. not the FID weights).
    """
    expected = expected_weight_shapes(model)
    missing = sorted(set(expected) - set(arrays))
    unused = sorted(set(arrays) - set(expected))
    wrong = sorted(
        f"{name} {tuple(arrays[name].shape)} != {shape}"
        for name, shape in expected.items()
        if name in arrays and tuple(arrays[name].shape) != shape
    )
    if missing or unused or wrong:
        raise UsageError(
            "weights do not match the FID Inception network: "
            f"missing {missing[:5]} ({len(missing)}), unused {unused[:5]} ({len(unused)}), "
            f"wrong shape {wrong[:5]} ({len(wrong)})"
        )
    used: list[str] = []
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            layer.kernel.assign(arrays[f"{layer.name}.kernel"])
            used.append(f"{layer.name}.kernel")
        elif isinstance(layer, layers.BatchNormalization):
            conv_name = layer.name.removesuffix(".bn")
            for variable, suffix in (
                (layer.beta, "beta"),
                (layer.moving_mean, "mean"),
                (layer.moving_variance, "var"),
            ):
                variable.assign(arrays[f"{conv_name}.{suffix}"])
                used.append(f"{conv_name}.{suffix}")
    # Each array exactly once: no name assigned twice, none left out.
    assert len(used) == len(set(used)) == len(arrays), "weight loading used arrays unevenly"


def fid_inception_network(weights_path: str | os.PathLike[str] | None = None) -> keras.Model:
    """The FID Inception-v3 (2015-12-05) as a functional Keras model with its weights loaded.

    Input: normalised float32 images (N, 299, 299, 3) in [-1, 1), i.e. ``(x - 128) / 128`` of
    uint8 RGB (use ``preprocess_for_inception``). Output: (N, 2048) ``pool_3`` features.
    Call it with ``training=False`` (batch norm uses its stored statistics).

    Args:
      weights_path: ``.npz`` of the weights; None uses $GAN_TF_INCEPTION_WEIGHTS, then
        ``~/.cache/gan_tf/fid_inception_v3_2015_12_05.npz``.

    Raises:
      UsageError: the weights file is missing, unreadable or does not fit the network.
    """
    path = resolve_weights_path(weights_path)
    model = build_fid_inception_architecture()
    try:
        load_fid_inception_weights(model, load_weight_arrays(path))
    except UsageError as error:
        raise UsageError(f"{path}: {error}") from error
    return model


# --------------------------------------------------------------------------------------------
# Preprocessing
# --------------------------------------------------------------------------------------------


def _check_image_shape(shape: tf.TensorShape) -> None:
    if shape.rank not in (3, 4) or (shape.rank == 4 and shape[-1] not in (1, 3)):
        raise UsageError(
            f"images must be (N, H, W), (N, H, W, 1) or (N, H, W, 3); got shape {shape}"
        )


def preprocess_for_inception(images: np.ndarray | tf.Tensor) -> tf.Tensor:
    """Images -> FID Inception input, exactly as the original FID code prepares them.

    1. To [0, 255]: uint8 as is; floats are GAN output in [-1, 1] and are quantised like a uint8
       conversion, ``clip(floor(x * 127.5 + 128), 0, 255)`` (round half up), so a generated
       image and its saved PNG give the same features.
    2. Grayscale (N, H, W) or (N, H, W, 1) repeated to RGB.
    3. TensorFlow's legacy bilinear resize to 299x299 (``align_corners=False,
       half_pixel_centers=False``), the ``ResizeBilinear`` node of the original graph. Modern
       half-pixel resizing changes FID noticeably, so the legacy kernel is used on purpose.
    4. ``(x - 128) / 128``.

    Works eagerly and inside ``tf.function`` (also with XLA). Float range is not checked here
    (``InceptionFeatureExtractor`` checks it); out-of-range values are clipped.

    Returns:
      float32 tensor (N, 299, 299, 3).
    """
    x = tf.convert_to_tensor(images)
    _check_image_shape(x.shape)
    if x.dtype == tf.uint8:
        x = tf.cast(x, tf.float32)
    elif x.dtype.is_floating:
        x = tf.clip_by_value(tf.floor(tf.cast(x, tf.float32) * 127.5 + 128.0), 0.0, 255.0)
    elif x.dtype.is_integer:
        x = tf.clip_by_value(tf.cast(x, tf.float32), 0.0, 255.0)
    else:
        raise UsageError(f"images must be uint8 or float, got {x.dtype.name}")
    if x.shape.rank == 3:
        x = x[..., tf.newaxis]
    if x.shape[-1] == 1:
        x = tf.repeat(x, 3, axis=-1)
    x = tf.raw_ops.ResizeBilinear(
        images=x, size=[INPUT_SIZE, INPUT_SIZE], align_corners=False, half_pixel_centers=False
    )
    return (x - 128.0) / 128.0


def to_uint8_images(images: np.ndarray | tf.Tensor) -> np.ndarray:
    """uint8 [0, 255] or float [-1, 1] images -> uint8 numpy, the same quantisation as above.

    Raises:
      UsageError: wrong dtype or rank, or float values outside [-1, 1] (e.g. images already in
        [0, 255] or [0, 1] as floats, which would silently give a wrong FID).
    """
    array = images.numpy() if isinstance(images, tf.Tensor) else np.asarray(images)
    _check_image_shape(tf.TensorShape(array.shape))
    if array.dtype == np.uint8:
        return array
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise UsageError("images contain NaN or inf (did the generator diverge?)")
        # A little slack for float rounding; anything beyond is a range mix-up, not noise.
        if array.size and (array.min() < -1.001 or array.max() > 1.001):
            raise UsageError(
                "float images must be GAN output in [-1, 1], got values in "
                f"[{array.min():.3g}, {array.max():.3g}]; pass uint8 [0, 255] instead"
            )
        return np.clip(np.floor(array.astype(np.float32) * 127.5 + 128.0), 0, 255).astype(np.uint8)
    if np.issubdtype(array.dtype, np.integer):
        if array.size and (array.min() < 0 or array.max() > 255):
            raise UsageError(f"integer images must be in [0, 255], got {array.dtype.name}")
        return array.astype(np.uint8)
    raise UsageError(f"images must be uint8 or float, got {array.dtype.name}")


# --------------------------------------------------------------------------------------------
# Feature extraction
# --------------------------------------------------------------------------------------------


def fixed_size_batches(
    images: np.ndarray | tf.Tensor | Iterable[np.ndarray | tf.Tensor], batch_size: int
) -> Iterator[np.ndarray]:
    """Re-chunk an array or a stream of batches into uint8 batches of exactly ``batch_size``
    (the last one may be smaller)."""
    if isinstance(images, np.ndarray | tf.Tensor):
        array = to_uint8_images(images)
        for start in range(0, len(array), batch_size):
            yield array[start : start + batch_size]
        return
    pending: list[np.ndarray] = []
    count = 0
    for chunk in images:
        array = to_uint8_images(chunk)
        pending.append(array)
        count += len(array)
        while count >= batch_size:
            joined = np.concatenate(pending)
            yield joined[:batch_size]
            pending, count = [joined[batch_size:]], count - batch_size
    if count:
        yield np.concatenate(pending)


def batched_outputs(
    function: Callable[[tf.Tensor], tf.Tensor | Sequence[tf.Tensor]],
    images: np.ndarray | tf.Tensor | Iterable[np.ndarray | tf.Tensor],
    batch_size: int,
    label: str,
    log_every_s: float = 30.0,
) -> tuple[np.ndarray, ...]:
    """``function`` (e.g. a compiled network) over uint8 batches of exactly ``batch_size``.

    The last batch is zero-padded and the padding dropped, so a ``tf.function(jit_compile=True)``
    compiles once. Outputs (one tensor or several) are concatenated as float64 numpy. Progress
    (batches and images done, of the total when it is known, and images/s) is logged with absl
    logging every ``log_every_s`` seconds, and once at the end.
    """
    total = len(images) if isinstance(images, np.ndarray | tf.Tensor) else None
    total_batches = None if total is None else -(-total // batch_size)
    outputs: list[list[np.ndarray]] = []
    done, batches, start = 0, 0, time.monotonic()
    last_log = start
    for batch in fixed_size_batches(images, batch_size):
        n = len(batch)
        if n < batch_size:  # Pad so the compiled function sees one shape only.
            padding = np.zeros((batch_size - n, *batch.shape[1:]), np.uint8)
            batch = np.concatenate([batch, padding])
        result = function(tf.constant(batch))
        results = [result] if isinstance(result, tf.Tensor) else list(result)
        outputs.append([r.numpy()[:n].astype(np.float64) for r in results])
        done, batches = done + n, batches + 1
        now = time.monotonic()
        if now - last_log >= log_every_s:
            last_log = now
            of_batches = f"/{total_batches}" if total_batches is not None else ""
            of_images = f"/{total}" if total is not None else ""
            logging.info(
                "%s: batch %d%s, %d%s images (%.1f images/s)",
                label,
                batches,
                of_batches,
                done,
                of_images,
                done / (now - start),
            )
    if not outputs:
        raise UsageError(f"no images given to {label}")
    logging.info("%s: %d images in %.1f s", label, done, time.monotonic() - start)
    return tuple(np.concatenate(parts) for parts in zip(*outputs, strict=True))


class InceptionFeatureExtractor:
    """2048-d FID Inception pool features of images, as float64 numpy.

    Every batch has the same size (the last one is zero-padded and the padding dropped), so
    ``tf.function(jit_compile=True)`` traces and compiles once per image shape. Progress is
    logged with absl logging every ``log_every_s`` seconds.

    By default the features come from the inference form of the network
    (``gan_tf.metrics.folded_inception``: batch norms folded into the convolutions, 1x1
    convolutions that share an input merged), which computes the same function as the
    layer-by-layer network ``self.model`` up to float32 rounding (features within 1.4e-5, FID
    within 4e-6 on 1,000 MNIST images per side; experiments/speed.md, "FID evaluation speed
    (issue 22)") and is 1.03-1.10x faster on a CPU; ``folded=False`` runs ``self.model``
    itself. ``self.model`` is built either way: loading the weights into it checks every array
    by name and shape.

    Example::

        extractor = InceptionFeatureExtractor()           # weights from env var / cache
        real = extractor(mnist_test_uint8)                 # (10000, 2048) float64
        fake = extractor(generator_output_in_minus1_1)
        fid = gan_tf.metrics.fid.fid_from_features(real, fake)
    """

    def __init__(
        self,
        weights_path: str | os.PathLike[str] | None = None,
        batch_size: int = 50,
        jit_compile: bool = True,
        log_every_s: float = 30.0,
        folded: bool = True,
    ) -> None:
        if batch_size < 1:
            raise UsageError(f"batch_size must be positive, got {batch_size}")
        if keras.backend.backend() != "tensorflow":
            raise UsageError("gan_tf needs KERAS_BACKEND=tensorflow")
        self.weights_path = resolve_weights_path(weights_path)
        arrays = load_weight_arrays(self.weights_path)
        self.model = build_fid_inception_architecture()
        try:
            load_fid_inception_weights(self.model, arrays)  # Checks every array and shape.
        except UsageError as error:
            raise UsageError(f"{self.weights_path}: {error}") from error
        self.folded = folded
        self.network: Callable[[tf.Tensor], tf.Tensor]
        if folded:
            # Imported here: folded_inception imports this module.
            from gan_tf.metrics.folded_inception import FoldedInceptionNetwork

            self.network = FoldedInceptionNetwork(arrays)
        else:
            self.network = functools.partial(self.model, training=False)
        self.jit_compile = jit_compile
        self.batch_size = batch_size
        self.log_every_s = log_every_s
        self._features = tf.function(
            self._features_of_uint8, jit_compile=jit_compile, autograph=False
        )

    def _features_of_uint8(self, images: tf.Tensor) -> tf.Tensor:
        return self.network(preprocess_for_inception(images))

    def __call__(
        self, images: np.ndarray | tf.Tensor | Iterable[np.ndarray | tf.Tensor]
    ) -> np.ndarray:
        """Features (N, 2048) float64 of uint8 [0, 255] or float [-1, 1] images.

        Args:
          images: one array (N, H, W[, C]) with C in {1, 3}, or an iterable of such batches of
            any sizes (e.g. samples drawn from a generator, or a tf.data iterator).
        """
        (features,) = batched_outputs(
            self._features, images, self.batch_size, "Inception features", self.log_every_s
        )
        return features

    features = __call__

    def class_probabilities(self, images: object) -> np.ndarray:
        """Not available: raises UsageError (the FID weights have no classifier layer).

        Inception Score (Salimans et al. 2016) needs the 1008-way softmax of the original graph.
        The FID weights file holds only the convolutional trunk: loading checks that every array
        is used by the pool-feature network, so a loadable file cannot contain logits.
        """
        raise UsageError(
            f"Inception Score is unavailable with these weights ({self.weights_path}): they hold "
            "only the pool-feature network, not the softmax (logits) layer IS needs; compute "
            "class probabilities with another classifier and call "
            "gan_tf.metrics.inception_score.inception_score"
        )


# --------------------------------------------------------------------------------------------
# Conversion of the original TensorFlow graph (python -m gan_tf.metrics.inception --download)
# --------------------------------------------------------------------------------------------


def graph_scope_to_weight_name(scope: str) -> str:
    """Graph scope -> ``.npz`` prefix: ``mixed/tower/conv_1`` -> ``mixed.tower.conv_1``.

    In mixed_9 and mixed_10 the scopes nest one level deeper (``mixed_9/tower/mixed/conv``); the
    ``.npz`` layout flattens everything after the block name with underscores
    (``mixed_9.tower_mixed_conv``), elsewhere scope separators become dots.
    """
    parts = scope.split("/")
    if parts[0] in ("mixed_9", "mixed_10") and len(parts) > 2:
        return f"{parts[0]}.{'_'.join(parts[1:])}"
    return ".".join(parts)


def _node_input_name(name: str) -> str:
    """``^ctrl`` / ``op:0`` -> ``op``."""
    return name.lstrip("^").split(":")[0]


def graph_def_to_weight_arrays(graph_def: tf.compat.v1.GraphDef) -> dict[str, np.ndarray]:
    """Extract the conv / batch-norm constants of the 2015-12-05 Inception graph.

    Each conv of the graph is ``<scope>/Conv2D`` with kernel ``<scope>/conv2d_params`` (already
    in (h, w, in, out) layout), followed by ``<scope>/batchnorm``, a
    ``BatchNormWithGlobalNormalization`` op whose inputs are the conv output, ``moving_mean``,
    ``moving_variance``, ``beta`` and ``gamma`` constants. The op's attributes are checked:
    epsilon must be 0.001, and gamma must be unused (``scale_after_normalization=False``) or all
    ones, since the network has no batch-norm scale. The softmax layer is not extracted.

    Returns:
      ``{"<prefix>.kernel" | ".beta" | ".mean" | ".var": float32 array}``.

    Raises:
      ValueError: the graph does not have the expected structure.
    """
    nodes = {node.name: node for node in graph_def.node}
    constants = {
        name: node for name, node in nodes.items() if node.op == "Const" and "value" in node.attr
    }

    def constant(name: str) -> np.ndarray:
        if name not in constants:
            raise ValueError(f"graph has no constant {name}")
        return tf.make_ndarray(constants[name].attr["value"].tensor).astype(np.float32)

    arrays: dict[str, np.ndarray] = {}
    batch_norms = [n for n in graph_def.node if n.op == "BatchNormWithGlobalNormalization"]
    for bn in batch_norms:
        if not bn.name.endswith("/batchnorm"):
            raise ValueError(f"unexpected batch norm node name {bn.name}")
        scope = bn.name.removesuffix("/batchnorm")
        conv_name, mean, var, beta, gamma = (_node_input_name(i) for i in bn.input[:5])
        conv = nodes.get(conv_name)
        if conv is None or conv.op != "Conv2D":
            raise ValueError(f"{bn.name} does not follow a Conv2D (input {conv_name})")
        kernel_name = _node_input_name(conv.input[1])
        if kernel_name != f"{scope}/conv2d_params":
            raise ValueError(f"{conv.name} uses kernel {kernel_name}, not {scope}/conv2d_params")
        epsilon = bn.attr["variance_epsilon"].f
        if not np.isclose(epsilon, BN_EPSILON, rtol=1e-4):
            raise ValueError(f"{bn.name}: variance_epsilon {epsilon} != {BN_EPSILON}")
        if bn.attr["scale_after_normalization"].b and not np.allclose(constant(gamma), 1.0):
            raise ValueError(f"{bn.name} scales by gamma, which the network cannot represent")
        prefix = graph_scope_to_weight_name(scope)
        for suffix, source in (
            ("kernel", kernel_name),
            ("beta", beta),
            ("mean", mean),
            ("var", var),
        ):
            key = f"{prefix}.{suffix}"
            if key in arrays:
                raise ValueError(f"two graph scopes map to {key}")
            arrays[key] = constant(source)
    if not arrays:
        raise ValueError("graph has no BatchNormWithGlobalNormalization nodes")
    _check_graph_pools(nodes)
    return arrays


def _check_graph_pools(nodes: Mapping[str, tf.compat.v1.NodeDef]) -> None:
    """The tower_2 pools of mixed_9 / mixed_10 must be AVG / MAX, as the network assumes."""
    for scope, op in (("mixed_9/tower_2/pool", "AvgPool"), ("mixed_10/tower_2/pool", "MaxPool")):
        node = nodes.get(scope)
        if node is not None and node.op != op:
            raise ValueError(f"{scope} is {node.op}, the network assumes {op}")


def _check_graph_convolutions(graph_def: tf.compat.v1.GraphDef, model: keras.Model) -> None:
    """Strides and padding of every graph Conv2D must match the Keras layer of the same name."""
    by_name = {layer.name: layer for layer in model.layers}
    for node in graph_def.node:
        if node.op != "Conv2D" or not node.name.endswith("/Conv2D"):
            continue
        layer = by_name.get(graph_scope_to_weight_name(node.name.removesuffix("/Conv2D")))
        if layer is None:
            raise ValueError(f"graph convolution {node.name} has no layer in the network")
        strides = tuple(node.attr["strides"].list.i)[1:3]
        padding = node.attr["padding"].s.decode().lower()
        one_by_one = tuple(layer.kernel_size) == (1, 1)  # 'same' == 'valid' for 1x1 kernels.
        if strides != tuple(layer.strides) or (padding != layer.padding and not one_by_one):
            raise ValueError(
                f"{node.name}: strides {strides} padding {padding} differ from layer "
                f"{layer.name}: strides {layer.strides} padding {layer.padding}"
            )


def read_graph_def_from_tarball(tarball: str | os.PathLike[str]) -> tf.compat.v1.GraphDef:
    """Read ``classify_image_graph_def.pb`` out of the inception-2015-12-05 ``.tgz``.

    Raises:
      UsageError: the archive is unreadable or truncated, or holds no valid graph.
    """
    try:
        with tarfile.open(tarball, "r:*") as archive:
            member = next(
                (m for m in archive.getmembers() if pathlib.PurePath(m.name).name == GRAPH_MEMBER),
                None,
            )
            if member is None or not member.isfile():
                raise UsageError(f"{tarball} does not contain {GRAPH_MEMBER}")
            data = archive.extractfile(member).read()  # Read in memory: nothing is unpacked.
        graph_def = tf.compat.v1.GraphDef()
        graph_def.ParseFromString(data)
    except (OSError, EOFError, tarfile.TarError, DecodeError) as error:
        raise UsageError(f"cannot read {GRAPH_MEMBER} from {tarball}: {error}") from error
    return graph_def


def convert_graph_to_weights_file(
    graph_def: tf.compat.v1.GraphDef, output: str | os.PathLike[str]
) -> pathlib.Path:
    """Convert the original graph, check it against the Keras network, write the ``.npz``.

    The file is written to a temporary name and renamed, so a failed run never leaves a partial
    weights file behind.
    """
    arrays = graph_def_to_weight_arrays(graph_def)
    model = build_fid_inception_architecture()
    _check_graph_convolutions(graph_def, model)
    load_fid_inception_weights(model, arrays)  # All 376 arrays, right shapes, each used once.
    output = pathlib.Path(output).expanduser()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=output.parent, suffix=".npz", delete=False) as tmp:
        np.savez(tmp, **arrays)
    os.replace(tmp.name, output)
    return output


def download_weights(
    output: str | os.PathLike[str] = DEFAULT_WEIGHTS_PATH,
    tarball: str | os.PathLike[str] | None = None,
) -> pathlib.Path:
    """Download (unless ``tarball`` is given) the original graph and write the weights ``.npz``."""
    with tempfile.TemporaryDirectory() as tmp:
        if tarball is None:
            tarball = pathlib.Path(tmp) / pathlib.PurePosixPath(GRAPH_URL).name
            print(f"Downloading {GRAPH_URL} ...", file=sys.stderr)
            try:
                urllib.request.urlretrieve(GRAPH_URL, tarball)
            except OSError as error:
                raise UsageError(
                    f"cannot download {GRAPH_URL} ({error}); download it by other means and run "
                    f"`{DOWNLOAD_COMMAND} --tarball PATH`"
                ) from error
        graph_def = read_graph_def_from_tarball(tarball)
    try:
        return convert_graph_to_weights_file(graph_def, output)
    except ValueError as error:
        raise UsageError(f"unexpected Inception graph in {GRAPH_MEMBER}: {error}") from error


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m gan_tf.metrics.inception --download [--output PATH] [--tarball PATH]``."""
    parser = argparse.ArgumentParser(
        prog="python -m gan_tf.metrics.inception",
        description="Create the FID Inception-v3 weights file from the original TF graph.",
    )
    parser.add_argument("--download", action="store_true", help=f"convert {GRAPH_URL}")
    parser.add_argument(
        "--output", default=None, help=f"where to write (default: ${WEIGHTS_ENV_VAR} or cache)"
    )
    parser.add_argument(
        "--tarball", default=None, help="use this already downloaded .tgz instead of the network"
    )
    args = parser.parse_args(argv)
    if not args.download:
        parser.print_help()
        return 2
    output = args.output or os.environ.get(WEIGHTS_ENV_VAR) or DEFAULT_WEIGHTS_PATH
    try:
        path = download_weights(output, args.tarball)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
