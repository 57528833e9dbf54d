"""gan_tf: generative adversarial networks in TensorFlow 2 / Keras 3, each faithful to its paper.

    import gan_tf
    config = gan_tf.configs.get("dcgan", dataset="mnist")   # the paper's settings
    model = gan_tf.build(config)
    gan_tf.train(model, config, workdir="runs/dcgan_mnist")
    images = gan_tf.sample(model, 16)

Layers, each importing only those below it (tests/test_layers.py checks it):
  errors, images  ->  data/, networks/  ->  configs/  ->  losses  ->  models/  ->  training/
  ->  metrics/  ->  analysis/  ->  api  ->  experiments/, evaluate, generate
"""

from __future__ import annotations

import importlib
import os
from typing import Any

__version__ = "0.2.0"

# TensorFlow turns its oneDNN CPU kernels on by itself only on CPUs with AVX-512 and newer
# (x86 Linux); on an AVX2 CPU (AMD Zen 3) it falls back to Eigen's, which ran the InfoGAN step
# 1.2-1.8x slower (experiments/study_protocol.md, "Cost on this project's CPU"). TensorFlow
# reads it when imported, so it is set here, before any gan_tf module imports TensorFlow;
# TF_ENABLE_ONEDNN_OPTS=0 in the environment still turns it off.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

_API = ("build", "train", "sample")


def __getattr__(name: str) -> Any:
    # Imported on first use, so `import gan_tf` (and every command line's --help) stays quick.
    if name == "configs":
        return importlib.import_module("gan_tf.configs")
    if name in _API:
        return getattr(importlib.import_module("gan_tf.api"), name)
    raise AttributeError(f"module 'gan_tf' has no attribute {name!r}")
