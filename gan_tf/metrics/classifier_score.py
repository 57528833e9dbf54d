"""Classifier score and Fréchet classifier distance for digit-like data (MNIST, Fashion-MNIST).

TF-GAN (github.com/tensorflow/gan, ``tfgan.eval.classifier_score`` and
``tfgan.eval.frechet_classifier_distance``, used on MNIST in its ``mnist/util.py`` as
``mnist_score`` and ``mnist_frechet_distance``) scores digit GANs with a classifier trained on
the data set itself instead of the ImageNet Inception network, whose features say little about
28x28 grayscale digits:

- **classifier score**: ``exp(E_x KL(p(y|x) || p(y)))``, the Inception Score formula (Salimans
  et al. 2016, "Improved Techniques for Training GANs", sec. 4) with the data set's classifier
  giving p(y|x), computed over all samples at once as TF-GAN does (no splits). It lies in
  [1, 10]: 1 when every image gets the same class distribution (e.g. one repeated image), 10
  for confidently classified images spread evenly over the 10 classes; the real test split
  scores just below 10.
- **Fréchet classifier distance** (FCD): the Fréchet distance of Heusel et al. 2017 ("GANs
  Trained by a Two Time-Scale Update Rule", FID) between Gaussians fitted to the classifier's
  penultimate features (``gan_tf.metrics.fid.frechet_distance``, the same code as FID).

The classifier is ``gan_tf.networks.classifier.digit_classifier``, trained by the project with
``python -m gan_tf.metrics.train_classifier`` (test accuracy and command in
``classifier_weights/<dataset>.json``); its small weights file ships with the package, so users
never train it. The numbers are comparable only between runs that use the same weights file
(``ClassifierFeatureExtractor.cache_id`` names it by hash), not with TF-GAN's published values,
which use TF-GAN's own classifier.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
from collections.abc import Iterable
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf

from gan_tf.errors import UsageError
from gan_tf.metrics.fid import fid_from_features
from gan_tf.metrics.inception import batched_outputs
from gan_tf.metrics.inception_score import inception_score_from_logits
from gan_tf.networks.classifier import digit_classifier, with_features

WEIGHTS_DIR = pathlib.Path(__file__).resolve().parent / "classifier_weights"
TRAIN_COMMAND = "python -m gan_tf.metrics.train_classifier --dataset={name} --manual_dir=<archives>"
INPUT_SHAPE = (28, 28, 1)

# Dataset (``--dataset``) -> the classifier that scores it. mnist_demo is the MNIST test split.
CLASSIFIER_FOR_DATASET = {"mnist": "mnist", "mnist_demo": "mnist", "fashion_mnist": "fashion_mnist"}


class ClassifierOutputs(NamedTuple):
    """Per-image classifier outputs, float64: ``logits`` (N, 10) and ``features`` (N, 64)."""

    logits: np.ndarray
    features: np.ndarray


def classifier_name_for(dataset: str) -> str:
    """The classifier that scores ``dataset``; UsageError for data sets that have none."""
    if dataset not in CLASSIFIER_FOR_DATASET:
        raise UsageError(
            f"the classifier metrics (cs, fcd) exist for {', '.join(CLASSIFIER_FOR_DATASET)} "
            f"only, not {dataset!r}: use the Inception metrics (fid, kid, pr)"
        )
    return CLASSIFIER_FOR_DATASET[dataset]


def classifier_weights_path(name: str) -> pathlib.Path:
    """The shipped weights of classifier ``name`` (``mnist`` or ``fashion_mnist``)."""
    path = WEIGHTS_DIR / f"{name}.weights.h5"
    if not path.is_file():
        raise UsageError(
            f"classifier weights {path} are missing (a broken install?): reinstall gan_tf or "
            f"train them with `{TRAIN_COMMAND.format(name=name)}`"
        )
    return path


def classifier_card(name: str) -> dict:
    """The training record next to the weights: test accuracy, settings, command."""
    return json.loads((WEIGHTS_DIR / f"{name}.json").read_text())


def load_classifier(weights_path: str | os.PathLike[str]) -> keras.Model:
    """A ``digit_classifier`` (logits output) with the given weights."""
    model = digit_classifier(INPUT_SHAPE)
    try:
        model.load_weights(weights_path)
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot load classifier weights {weights_path}: {error}") from error
    model.trainable = False
    return model


def preprocess_for_classifier(images: tf.Tensor) -> tf.Tensor:
    """uint8 images (N, H, W[, 1]) -> float32 (N, 28, 28, 1) in [-1, 1], the training range.

    Other sizes (e.g. a GAN trained at 32x32) are resized as the data pipelines resize:
    area averaging when shrinking, bilinear when enlarging. (XLA cannot compile the area
    resize, so ``ClassifierFeatureExtractor`` compiles only the network.)
    """
    x = tf.cast(images, tf.float32)
    if x.shape.rank == 3:
        x = x[..., tf.newaxis]
    height, width = INPUT_SHAPE[:2]
    if tuple(x.shape[1:3]) != (height, width):
        method = "area" if x.shape[1] > height else "bilinear"
        x = tf.clip_by_value(tf.image.resize(x, [height, width], method), 0.0, 255.0)
    return x / 127.5 - 1.0


class ClassifierFeatureExtractor:
    """Logits and penultimate features of the shipped digit classifier, batched and compiled.

    Accepts what ``InceptionFeatureExtractor`` accepts (uint8 [0, 255] or GAN float [-1, 1]
    images, one array or a stream of batches), grayscale only. Floats are quantised to uint8
    first, as a saved PNG would be, so generated and real images are treated alike.

    Example::

        extractor = ClassifierFeatureExtractor("mnist")
        real, fake = extractor(mnist_test_uint8), extractor(generated)
        cs = classifier_score_from_logits(fake.logits)
        fcd = frechet_classifier_distance(real.features, fake.features)
    """

    def __init__(
        self,
        dataset: str = "mnist",
        weights_path: str | os.PathLike[str] | None = None,
        batch_size: int = 500,
        jit_compile: bool = True,
        log_every_s: float = 30.0,
    ) -> None:
        if batch_size < 1:
            raise UsageError(f"batch_size must be positive, got {batch_size}")
        self.name = classifier_name_for(dataset)
        self.weights_path = pathlib.Path(weights_path or classifier_weights_path(self.name))
        self.model = with_features(load_classifier(self.weights_path))
        digest = hashlib.sha256(self.weights_path.read_bytes()).hexdigest()[:12]
        # Names the feature space in caches of real-data statistics: new weights, new cache.
        self.cache_id = f"classifier_{self.name}_{digest}"
        self.batch_size = batch_size
        self.log_every_s = log_every_s
        self._preprocess = tf.function(preprocess_for_classifier)
        self._network = tf.function(self._logits_and_features, jit_compile=jit_compile)

    def _logits_and_features(self, inputs: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        logits, features = self.model(inputs, training=False)
        return logits, features

    def _outputs(self, images: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        return self._network(self._preprocess(images))

    def __call__(
        self, images: np.ndarray | tf.Tensor | Iterable[np.ndarray | tf.Tensor]
    ) -> ClassifierOutputs:
        """``ClassifierOutputs(logits (N, 10), features (N, 64))`` as float64."""
        shape = getattr(images, "shape", None)
        if shape is not None and len(shape) == 4 and shape[-1] != 1:
            raise UsageError(
                f"the digit classifier takes grayscale images, got {shape[-1]} channels"
            )
        logits, features = batched_outputs(
            self._outputs, images, self.batch_size, f"{self.name} classifier", self.log_every_s
        )
        return ClassifierOutputs(logits, features)


def classifier_score_from_logits(logits: np.ndarray) -> float:
    """``exp(E_x KL(p(y|x) || p(y)))`` over all rows at once (TF-GAN's ``classifier_score``).

    The Inception Score of Salimans et al. 2016 with one split; computed in float64 by
    ``gan_tf.metrics.inception_score``.
    """
    return inception_score_from_logits(logits, splits=1).mean


def frechet_classifier_distance(real_features: np.ndarray, fake_features: np.ndarray) -> float:
    """Fréchet distance (Heusel et al. 2017) between Gaussians fitted to classifier features
    (TF-GAN's ``frechet_classifier_distance``); same code as FID."""
    return fid_from_features(real_features, fake_features)


def classifier_accuracy(outputs: ClassifierOutputs, labels: np.ndarray) -> float:
    """Share of images whose arg-max logit is their label."""
    labels = np.asarray(labels)
    if labels.shape != (len(outputs.logits),):
        raise ValueError(f"need one label per image, got {labels.shape} for {len(outputs.logits)}")
    return float(np.mean(np.argmax(outputs.logits, axis=1) == labels))
