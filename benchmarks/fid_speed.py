"""Speed of FID Inception feature extraction: network form, XLA, batch size, dtype.

    taskset -c 1 python benchmarks/fid_speed.py \
        --weights=PATH/fid_inception_v3_2015_12_05.npz [--images=100] [--rounds=3] \
        [--variants=layers-xla-50,layers-graph-50,folded-graph-50,...]
    taskset -c 1 python benchmarks/fid_speed.py --weights=... \
        --mnist_dir=PATH/mnist --fid_images=1000 --fid_variants=layers-xla-50,folded-xla-50

A variant is ``<network>-<compiler>-<batch size>``:

- network ``layers``: the layer-by-layer Keras network (``fid_inception_network``, what
  ``InceptionFeatureExtractor(folded=False)`` runs); ``foldbn``: plain TensorFlow ops, batch
  norms folded into the convolutions; ``folded``: folded and the 1x1 convolutions sharing an
  input merged, the extractor's default (``gan_tf.metrics.folded_inception``); ``folded_bf16``:
  ``folded`` computing in bfloat16 (weights and activations; features returned as float32).
- compiler ``xla``: ``tf.function(jit_compile=True)``; ``graph``: TensorFlow's own kernels.

Every variant runs the whole extraction path of ``InceptionFeatureExtractor`` (uint8 28x28
grayscale images, preprocessing, fixed-size batches, float64 output) on ``--images`` images
per measurement; weight loading and compilation happen in one warm-up call per variant and are
not timed. Speed is given per second of the process's CPU time (what the extraction costs; it
does not count time when other processes had the core) and per second of wall time. Variants
are measured interleaved (A B C A B C ...) for ``--rounds`` rounds, so a drift of the machine's
speed affects all of them alike; the table gives medians, and the median of the per-round
ratios to the first variant. Speed does not depend on image content, so the images are random.

With ``--mnist_dir`` it instead checks exactness: FID of the first ``--fid_images`` MNIST test
images against as many train images, with each of ``--fid_variants``, and the largest feature
difference to the first of them.

Run it pinned to one core (``taskset -c 1``) to measure the single-core speed; TensorFlow sizes
its thread pools to the cores it may use.
"""

from __future__ import annotations

import gzip
import pathlib
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
import tensorflow as tf
from absl import app, flags

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from gan_tf.metrics import fid, folded_inception, inception

flags.DEFINE_string(
    "weights", None, "FID Inception .npz (default: $GAN_TF_INCEPTION_WEIGHTS or the cache)."
)
flags.DEFINE_integer("images", 100, "Images per measurement.", lower_bound=1)
flags.DEFINE_integer("rounds", 3, "Interleaved rounds.", lower_bound=1)
flags.DEFINE_string(
    "mnist_dir",
    None,
    "Folder of the original MNIST .gz files; with it, --fid_images, --fid_variants check FID.",
)
flags.DEFINE_integer(
    "fid_images", 1000, "FID check: the first N MNIST test images vs the first N train images."
)
flags.DEFINE_list(
    "fid_variants",
    "layers-xla-50,folded-graph-50",
    "FID check: the variants whose features and FID are compared (first = reference).",
)
flags.DEFINE_list(
    "variants",
    "layers-xla-50,layers-graph-50,foldbn-graph-50,folded-graph-50,folded-xla-50",
    "Variants <layers|foldbn|folded|folded_bf16>-<xla|graph>-<batch size>; the first one is "
    "the reference of the ratios.",
)

Extract = Callable[[np.ndarray], np.ndarray]


def _bfloat16_network(arrays: dict[str, np.ndarray]) -> Callable[[tf.Tensor], tf.Tensor]:
    """The folded network with its constants cast to bfloat16 (a measurement only: bfloat16
    activations change the features, so this is not an exact path)."""
    net = folded_inception.FoldedInceptionNetwork(arrays)
    cast = {k: tf.cast(v, tf.bfloat16) for k, v in net._kernels.items()}
    net._kernels, net._biases = cast, {k: tf.cast(v, tf.bfloat16) for k, v in net._biases.items()}
    net._merged = {
        k: (tf.cast(w, tf.bfloat16), tf.cast(b, tf.bfloat16), s)
        for k, (w, b, s) in net._merged.items()
    }

    def run(x: tf.Tensor) -> tf.Tensor:
        return tf.cast(net(tf.cast(x, tf.bfloat16)), tf.float32)

    return run


def make_variant(name: str, arrays: dict[str, np.ndarray], weights: pathlib.Path) -> Extract:
    """The extraction function (uint8 images -> float64 features) of variant ``name``."""
    network, compiler, batch = name.split("-")
    if compiler not in ("xla", "graph"):
        raise ValueError(f"unknown compiler {compiler} in {name}")
    if network == "layers":
        model = inception.fid_inception_network(weights)

        def net(x: tf.Tensor) -> tf.Tensor:
            return model(x, training=False)
    elif network in ("foldbn", "folded"):
        net = folded_inception.FoldedInceptionNetwork(arrays, merge_1x1=network == "folded")
    elif network == "folded_bf16":
        net = _bfloat16_network(arrays)
    else:
        raise ValueError(f"unknown network {network} in {name}")

    def run(images: tf.Tensor) -> tf.Tensor:
        return net(inception.preprocess_for_inception(images))

    features = tf.function(run, jit_compile=compiler == "xla", autograph=False)

    def extract(images: np.ndarray) -> np.ndarray:
        (out,) = inception.batched_outputs(features, images, int(batch), name, 1e9)
        return out

    return extract


def read_mnist_images(path: pathlib.Path, count: int) -> np.ndarray:
    """The first ``count`` images (uint8 (N, 28, 28)) of an original MNIST idx3 ``.gz`` file."""
    with gzip.open(path, "rb") as f:
        data = np.frombuffer(f.read(), np.uint8)
    return data[16:].reshape(-1, 28, 28)[:count]


def fid_check(arrays: dict[str, np.ndarray], weights: pathlib.Path) -> None:
    """FID of MNIST test vs train (first N of each) with each of ``--fid_variants``."""
    fl = flags.FLAGS
    folder = pathlib.Path(fl.mnist_dir)
    test = read_mnist_images(folder / "t10k-images-idx3-ubyte.gz", fl.fid_images)
    train = read_mnist_images(folder / "train-images-idx3-ubyte.gz", fl.fid_images)
    results = {}
    for name in fl.fid_variants:
        extract = make_variant(name, arrays, weights)
        start = time.perf_counter()
        feats = (extract(test), extract(train))
        seconds = time.perf_counter() - start
        value = fid.fid_from_features(*feats)
        results[name] = feats
        print(f"{name}: FID {value:.6f} ({2 * len(test)} images in {seconds:.0f} s)", flush=True)
    reference = fl.fid_variants[0]
    ref_value = fid.fid_from_features(*results[reference])
    print(f"\nMNIST test vs train, {len(test)} images each; FID and features vs {reference}")
    print("| variant | FID | FID difference | max abs feature difference | max abs feature |")
    print("|---|---:|---:|---:|---:|")
    for name, feats in results.items():
        value = fid.fid_from_features(*feats)
        diff = max(np.abs(a - b).max() for a, b in zip(feats, results[reference], strict=True))
        peak = max(np.abs(a).max() for a in feats)
        print(f"| {name} | {value:.4f} | {value - ref_value:+.2e} | {diff:.2e} | {peak:.2f} |")


def main(argv: list[str]) -> None:
    del argv
    fl = flags.FLAGS
    weights = inception.resolve_weights_path(fl.weights)
    arrays = inception.load_weight_arrays(weights)
    if fl.mnist_dir:
        fid_check(arrays, weights)
        return
    images = np.random.default_rng(0).integers(0, 256, (fl.images, 28, 28), dtype=np.uint8)
    variants = {}
    for name in fl.variants:
        start = time.perf_counter()
        variants[name] = make_variant(name, arrays, weights)
        batch = int(name.split("-")[2])
        variants[name](images[:batch])  # build, trace and compile once
        print(f"{name}: warm-up {time.perf_counter() - start:.1f} s", flush=True)
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    wall: dict[str, list[float]] = {name: [] for name in variants}
    for r in range(fl.rounds):
        for name, extract in variants.items():
            start_cpu, start_wall = time.process_time(), time.perf_counter()
            extract(images)
            cpu[name].append(fl.images / (time.process_time() - start_cpu))
            wall[name].append(fl.images / (time.perf_counter() - start_wall))
            print(
                f"round {r + 1} {name}: {cpu[name][-1]:.2f} images per CPU second, "
                f"{wall[name][-1]:.2f} images/s",
                flush=True,
            )
    first = fl.variants[0]
    print(
        f"\n{fl.images} images per measurement, {fl.rounds} interleaved rounds, TF {tf.__version__}"
    )
    print(
        f"| variant | images per CPU second | CPU s per 10,000 images | ratio to {first} | "
        f"images/s (wall) | ratio to {first} (wall) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name in variants:
        ratios = [
            statistics.median(v / r for v, r in zip(m[name], m[first], strict=True))
            for m in (cpu, wall)
        ]
        median = statistics.median(cpu[name])
        print(
            f"| {name} | {median:.2f} | {10_000 / median:.0f} | {ratios[0]:.2f} | "
            f"{statistics.median(wall[name]):.2f} | {ratios[1]:.2f} |"
        )


if __name__ == "__main__":
    app.run(main)
