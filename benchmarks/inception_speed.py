"""Speed of the XLA-compiled FID Inception feature extractor on this machine.

    python benchmarks/inception_speed.py [--num=1000] \
        [--weights=PATH/fid_inception_v3_2015_12_05.npz]

Times `InceptionFeatureExtractor` (batch 50) on `--num` 28x28 grayscale uint8 images after one
warm-up batch (weight loading and XLA compilation excluded); the time does not depend on the
images' content.
"""

from __future__ import annotations

import pathlib
import sys
import time

import numpy as np
from absl import app, flags

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from gan_tf.metrics.inception import InceptionFeatureExtractor

flags.DEFINE_integer("num", 1000, "Images to time.", lower_bound=1)
flags.DEFINE_string(
    "weights",
    None,
    "FID Inception .npz (default: $GAN_TF_INCEPTION_WEIGHTS or the download cache).",
)


def main(argv: list[str]) -> None:
    del argv
    num = flags.FLAGS.num
    images = np.random.default_rng(0).integers(0, 256, (num, 28, 28, 1), dtype=np.uint8)
    extractor = InceptionFeatureExtractor(flags.FLAGS.weights)
    extractor(images[:50])  # load the weights and compile once
    start = time.perf_counter()
    extractor(images)
    seconds = time.perf_counter() - start
    print(f"{num} images in {seconds:.1f} s ({num / seconds:.1f} images/s)")


if __name__ == "__main__":
    app.run(main)
