"""Evaluating a generator: draw samples, extract features, compare with the real data.

The logic shared by ``python -m gan_tf.evaluate`` and the training callback
(``gan_tf.metrics.periodic_evaluation``):

- ``parse_metrics``: the metric names users type (``fid,kid,is,pr,cs,fcd``);
- ``real_images``: the first N images of a split, as the model sees them (run's image size);
- ``SampleGenerator``: N images of a noise-to-image model, in fixed-size XLA-compiled batches;
- ``Evaluator``: builds only the feature networks the metrics need (so the classifier metrics
  work without the Inception weights), caches the real data's features per
  dataset/split/size/count/network (``gan_tf.metrics.real_stats``), and computes the metrics of
  a set of generated images.

Metrics (each module cites its paper): FID (Heusel et al. 2017), KID (Bińkowski et al. 2018),
Inception Score (Salimans et al. 2016; unavailable with the FID weights, which have no logits:
reported as such), improved precision/recall (Kynkäänniemi et al. 2019), and TF-GAN's classifier
score and Fréchet classifier distance on the project's MNIST / Fashion-MNIST classifier.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Sequence

import numpy as np
import tensorflow as tf
from absl import logging

from gan_tf.data import get_dataset_spec, image_pipeline
from gan_tf.errors import UsageError
from gan_tf.metrics import fid, kid, precision_recall
from gan_tf.metrics.classifier_score import (
    ClassifierFeatureExtractor,
    classifier_accuracy,
    classifier_score_from_logits,
)
from gan_tf.metrics.inception import InceptionFeatureExtractor, to_uint8_images
from gan_tf.metrics.real_stats import RealStatsKey, cached_real_statistics

METRICS: dict[str, str] = {
    "fid": "Fréchet Inception Distance (Heusel et al. 2017)",
    "kid": "Kernel Inception Distance, mean ± std over subsets (Bińkowski et al. 2018)",
    "is": "Inception Score (Salimans et al. 2016)",
    "pr": "precision and recall, k = 3 (Kynkäänniemi et al. 2019)",
    "cs": "classifier score (TF-GAN), at most 10",
    "fcd": "Fréchet classifier distance (TF-GAN)",
    "agreement": "class agreement: share of a conditional model's samples that the shipped "
    "classifier assigns to the class G was given",
}
INCEPTION_METRICS = ("fid", "kid", "is", "pr")
CLASSIFIER_METRICS = ("cs", "fcd", "agreement")
# The FID network is fixed by its definition; its weights are checked array by array on load.
INCEPTION_CACHE_ID = "fid_inception_v3_2015_12_05"


def parse_metrics(metrics: str | Sequence[str]) -> list[str]:
    """``"fid,kid"`` or ``["fid", "kid"]`` -> known names in the given order, no duplicates."""
    names = metrics.split(",") if isinstance(metrics, str) else list(metrics)
    names = [n.strip().lower() for n in names if n.strip()]
    unknown = [n for n in names if n not in METRICS]
    if unknown or not names:
        raise UsageError(
            f"unknown metric {', '.join(unknown) or '(none given)'}: choose from "
            f"{', '.join(METRICS)} (comma-separated)"
        )
    return list(dict.fromkeys(names))


def real_images(
    dataset: str,
    split: str,
    image_size: int,
    num_samples: int,
    data_dir: str | None = None,
    manual_dir: str | None = None,
) -> np.ndarray:
    """The first ``num_samples`` images of ``split`` in file order, uint8, at ``image_size``
    (cropped and resized exactly as for training). Fewer when the split is smaller (logged)."""
    pipeline = image_pipeline(
        dataset,
        batch_size=500,
        image_size=image_size,
        split=split,
        data_dir=data_dir,
        manual_dir=manual_dir,
        shuffle=False,
        repeat=False,
        drop_remainder=False,
    )
    batches, count = [], 0
    for batch in pipeline:
        batches.append(to_uint8_images(batch[: num_samples - count]))
        count += len(batches[-1])
        if count >= num_samples:
            break
    if count < num_samples:
        logging.warning(
            "%s/%s has %d images, fewer than the %d asked for: using all of them",
            dataset,
            split,
            count,
            num_samples,
        )
    return np.concatenate(batches)


class SampleGenerator:
    """Images of a noise-to-image model in inference mode, uint8, in fixed-size compiled batches.

    z ~ N(0, I) from a stateless seed (the same images for the same seed and weights);
    conditional models get the labels 0, 1, ..., 9, 0, 1, ... (balanced classes, as in the test
    splits). Every batch has ``batch_size`` images, so the XLA-compiled generator is traced once
    and reused by every later call (the training callback calls it at every evaluation).
    """

    def __init__(
        self,
        model,
        batch_size: int = 250,
        jit_compile: bool = True,
        raw_generator: bool = False,
    ) -> None:
        from gan_tf.models.noise_to_image import NoiseToImageGAN

        if not isinstance(model, NoiseToImageGAN):
            raise UsageError(
                f"{model.name} translates images rather than generating them from noise: these "
                "metrics evaluate noise-to-image GANs"
            )
        self.model, self.batch_size = model, batch_size
        self.raw_generator = raw_generator
        # The EMA generator when the model has one (Karras et al. 2018, sec. 4.1), else G.
        ema = not raw_generator

        def generate(z: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
            labels = labels if model.conditional else None
            images = model.generate(z, labels, training=False, ema=ema)
            # The quantisation of a saved PNG (as gan_tf.metrics.inception.to_uint8_images).
            images = tf.floor(tf.cast(images, tf.float32) * 127.5 + 128.0)
            return tf.cast(tf.clip_by_value(images, 0.0, 255.0), tf.uint8)

        self._generate = tf.function(generate, jit_compile=jit_compile)

    def __call__(
        self,
        num_samples: int,
        seed: int = 0,
        log_every_s: float = 30.0,
        truncation: float | None = None,
    ) -> np.ndarray:
        """`num_samples` uint8 images from fixed noise of `seed` (z truncated at `truncation`
        when given: BigGAN's truncation trick; the compiled generator is the same)."""
        if num_samples < 1:
            raise UsageError(f"need at least one sample, got {num_samples}")
        size = self.batch_size
        total_batches = -(-num_samples // size)
        z = self.model.fixed_latents((total_batches * size,), [seed, 11], truncation)
        labels = sample_labels(total_batches * size, self.model.num_classes)
        outputs = []
        start = last_log = time.monotonic()
        for b in range(total_batches):
            part = slice(b * size, (b + 1) * size)
            outputs.append(self._generate(z[part], labels[part]).numpy())
            now = time.monotonic()
            if now - last_log >= log_every_s:
                last_log = now
                logging.info("generating: batch %d/%d", b + 1, total_batches)
        logging.info("generated %d images in %.1f s", num_samples, time.monotonic() - start)
        return np.concatenate(outputs)[:num_samples]


def sample_labels(num_samples: int, num_classes: int | None) -> tf.Tensor:
    """The labels a conditional model's samples are generated for: 0, 1, ..., 9, 0, 1, ..."""
    return tf.range(num_samples, dtype=tf.int32) % (num_classes or 1)


def generate_samples(
    model,
    num_samples: int,
    seed: int = 0,
    batch_size: int = 250,
    jit_compile: bool = True,
    raw_generator: bool = False,
) -> np.ndarray:
    """``num_samples`` uint8 images of a noise-to-image model (see ``SampleGenerator``)."""
    return SampleGenerator(model, batch_size, jit_compile, raw_generator)(num_samples, seed)


@dataclasses.dataclass
class EvalResult:
    """Metric values (flat: fid, kid, kid_std, precision, recall, cs, fcd), the metrics that
    could not be computed with the reason, and reference values of the real data."""

    values: dict[str, float]
    unavailable: dict[str, str]
    reference: dict[str, float]
    num_real: int
    num_fake: int
    seconds: float


class Evaluator:
    """Compares generated images with the real images of a dataset split.

    Only the networks the metrics need are built, at construction, so missing Inception weights
    (or a dataset without a classifier) fail before any sampling. Real-data features are cached
    on disk (``gan_tf.metrics.real_stats``) and in memory after the first use.

    Args:
      metrics: names from ``METRICS``.
      dataset, image_size: the run's data set and the size its model generates.
      num_samples: real images (the first of ``split``) to compare with; use the same number
        of generated images (FID is biased by N).
      split: default the dataset's test split.
      inception_weights: the FID Inception ``.npz`` (default: env var, then cache).
      cache_dir: root of the real-statistics cache (default: ``$GAN_TF_CACHE_DIR`` or
        ``~/.cache/gan_tf``).
      kid_subsets: subsets KID is averaged over (the reference code: 100).
      inception_batch_size: images per Inception batch (every batch is padded to it).
    """

    def __init__(
        self,
        metrics: str | Sequence[str],
        dataset: str,
        image_size: int,
        num_samples: int,
        split: str | None = None,
        data_dir: str | None = None,
        manual_dir: str | None = None,
        inception_weights: str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        jit_compile: bool = True,
        kid_subsets: int = 100,
        inception_batch_size: int = 50,
        log_every_s: float = 30.0,
    ) -> None:
        self.metrics = parse_metrics(metrics)
        spec = get_dataset_spec(dataset)
        if num_samples < 2:
            raise UsageError(f"--num_samples must be at least 2, got {num_samples}")
        self.dataset, self.image_size, self.num_samples = spec.name, image_size, num_samples
        self.split = split or spec.test_split
        self.data_dir, self.manual_dir, self.cache_dir = data_dir, manual_dir, cache_dir
        self.kid_subsets, self.jit_compile, self.log_every_s = kid_subsets, jit_compile, log_every_s
        self._sampler: SampleGenerator | None = None
        self.classifier = self.inception = None
        if any(m in CLASSIFIER_METRICS for m in self.metrics):
            self.classifier = ClassifierFeatureExtractor(
                spec.name, jit_compile=jit_compile, log_every_s=log_every_s
            )
        if any(m in INCEPTION_METRICS for m in self.metrics):
            self.inception = InceptionFeatureExtractor(
                inception_weights,
                batch_size=inception_batch_size,
                jit_compile=jit_compile,
                log_every_s=log_every_s,
            )
        self._real: dict[str, dict[str, np.ndarray]] | None = None

    # --- Real data --------------------------------------------------------------------------

    def _key(self, extractor_id: str) -> RealStatsKey:
        return RealStatsKey(
            self.dataset, self.split, self.image_size, self.num_samples, extractor_id
        )

    def real_statistics(self) -> dict[str, dict[str, np.ndarray]]:
        """``{"inception": {...}, "classifier": {...}}``: cached features and their mu, sigma.

        The real images are read (once) only when some entry is not cached yet.
        """
        if self._real is not None:
            return self._real
        images: list[np.ndarray] = []

        def load() -> np.ndarray:
            if not images:
                images.append(
                    real_images(
                        self.dataset,
                        self.split,
                        self.image_size,
                        self.num_samples,
                        self.data_dir,
                        self.manual_dir,
                    )
                )
            return images[0]

        real: dict[str, dict[str, np.ndarray]] = {}
        if self.inception is not None:
            real["inception"] = cached_real_statistics(
                self._key(INCEPTION_CACHE_ID),
                lambda: {"features": self.inception(load())},
                self.cache_dir,
            )
        if self.classifier is not None:
            real["classifier"] = cached_real_statistics(
                self._key(self.classifier.cache_id),
                lambda: self.classifier(load())._asdict(),
                self.cache_dir,
            )
        self._real = real
        return real

    # --- Generated data ---------------------------------------------------------------------

    def evaluate_images(self, images: np.ndarray, labels: np.ndarray | None = None) -> EvalResult:
        """The metrics of generated images (uint8, or float in [-1, 1]); `labels`: the classes
        a conditional model generated them for (needed by "agreement")."""
        start = time.monotonic()
        real = self.real_statistics()
        values: dict[str, float] = {}
        unavailable: dict[str, str] = {}
        reference: dict[str, float] = {}
        num_real = 0
        if self.inception is not None:
            real_inception = real["inception"]
            num_real = len(real_inception["features"])
            fake = self.inception(images)
            if "fid" in self.metrics:
                mu, sigma = fid.feature_statistics(fake)
                values["fid"] = fid.frechet_distance(
                    real_inception["mu"], real_inception["sigma"], mu, sigma
                )
            if "kid" in self.metrics:
                result = kid.kernel_inception_distance(
                    real_inception["features"], fake, num_subsets=self.kid_subsets
                )
                values["kid"], values["kid_std"] = result.mean, result.std
            if "is" in self.metrics:
                try:
                    probabilities = self.inception.class_probabilities(images)
                except UsageError as error:
                    unavailable["is"] = str(error)
                else:  # Weights with a softmax layer (none known today).
                    from gan_tf.metrics.inception_score import inception_score

                    score = inception_score(probabilities)
                    values["is"], values["is_std"] = score.mean, score.std
            if "pr" in self.metrics:
                pr = precision_recall.precision_recall(real_inception["features"], fake)
                values["precision"], values["recall"] = pr.precision, pr.recall
        if self.classifier is not None:
            real_classifier = real["classifier"]
            num_real = len(real_classifier["features"])
            fake = self.classifier(images)
            if "cs" in self.metrics:
                values["cs"] = classifier_score_from_logits(fake.logits)
                reference["cs"] = classifier_score_from_logits(real_classifier["logits"])
            if "fcd" in self.metrics:
                mu, sigma = fid.feature_statistics(fake.features)
                values["fcd"] = fid.frechet_distance(
                    real_classifier["mu"], real_classifier["sigma"], mu, sigma
                )
            if "agreement" in self.metrics:
                if labels is None:
                    unavailable["agreement"] = "the model is not conditional"
                else:
                    values["agreement"] = classifier_accuracy(fake, labels)
        return EvalResult(
            values, unavailable, reference, num_real, len(images), time.monotonic() - start
        )

    def evaluate_model(
        self,
        model,
        seed: int = 0,
        raw_generator: bool = False,
        truncation: float | None = None,
    ) -> EvalResult:
        """Generates ``num_samples`` images (fixed seed; the EMA generator when the model has
        one, unless ``raw_generator``; z truncated at ``truncation``, when given) and evaluates
        them."""
        self.real_statistics()  # Real data first: its errors are the user's to fix, not sampling.
        sampler = self._sampler
        if sampler is None or sampler.model is not model or sampler.raw_generator != raw_generator:
            self._sampler = SampleGenerator(
                model, jit_compile=self.jit_compile, raw_generator=raw_generator
            )
        images = self._sampler(self.num_samples, seed, self.log_every_s, truncation)
        labels = None
        if model.conditional:
            labels = sample_labels(self.num_samples, model.num_classes).numpy()
        return self.evaluate_images(images, labels)
