"""Evaluation during training: FID/KID (or the classifier metrics) every N steps, best checkpoint.

``--eval_every=N`` adds ``PeriodicEvaluation`` to the training callbacks (the experiments pass
``periodic_evaluation`` to ``gan_tf.training.runner.train``, which stays free of metrics).
Every N global steps it

1. generates ``--eval_samples`` images from a fixed noise seed with the current generator
   (inference mode, XLA-compiled, traced once for the whole run);
2. computes the metrics against the real test split, whose features are computed once per run
   set-up and cached on disk (``gan_tf.metrics.real_stats``), so they are not recomputed at
   every evaluation, nor in the next run;
3. writes them to TensorBoard as ``eval/<metric>`` at that step;
4. saves a checkpoint in ``checkpoints_best/`` when the tracked metric (``--eval_metric``: FID,
   or FCD for a fast evaluation without the Inception weights) is the lowest so far, and records
   it in ``checkpoints_best/best.json`` (so a resumed run keeps its best).

Metrics: ``eval_metric=fid`` logs FID and KID, plus the classifier score and Fréchet classifier
distance where the dataset has a classifier (MNIST, Fashion-MNIST); ``fcd`` logs FCD and the
classifier score only. Between evaluations the callback does nothing but compare the step
number, so the training steps run at full speed; the networks and the real statistics are
prepared before the first step, so missing weights or data fail before training starts.
"""

from __future__ import annotations

import json
import pathlib
import time

import tensorflow as tf
from absl import logging

from gan_tf.configs.base import RunConfig
from gan_tf.errors import UsageError
from gan_tf.metrics.classifier_score import CLASSIFIER_FOR_DATASET
from gan_tf.metrics.evaluation import EvalResult, Evaluator, SampleGenerator
from gan_tf.training.callbacks import GlobalStepCallback
from gan_tf.training.checkpoints import checkpoint_for

BEST_DIR = "checkpoints_best"
BEST_FILE = "best.json"
TRACKED_METRICS = ("fid", "fcd")
EVAL_SEED = 1234  # Noise of the evaluation samples, the same at every evaluation.


def eval_metrics(config: RunConfig) -> list[str]:
    """The metrics logged during training for ``config.eval_metric``."""
    if config.eval_metric not in TRACKED_METRICS:
        raise UsageError(
            f"--eval_metric must be one of {', '.join(TRACKED_METRICS)}, got {config.eval_metric!r}"
        )
    if config.eval_metric == "fcd":
        return ["fcd", "cs"]
    metrics = ["fid", "kid"]
    if config.dataset in CLASSIFIER_FOR_DATASET:
        metrics += ["fcd", "cs"]
    return metrics


class PeriodicEvaluation(GlobalStepCallback):
    """Every ``every`` steps: evaluate, log to TensorBoard, keep the best checkpoint.

    Args:
      start_step: the step the run (re)started from.
      every: evaluation period in steps.
      evaluator: the metrics, real data and feature networks (real statistics prepared).
      metric: the value key that picks the best checkpoint (lower is better).
      writer: TensorBoard summary writer of the run.
      workdir: the run's workdir (``checkpoints_best/`` goes there).
      seed: seed of the evaluation noise.
    """

    def __init__(
        self,
        start_step: int,
        every: int,
        evaluator: Evaluator,
        metric: str,
        writer,
        workdir: str | pathlib.Path,
        seed: int = EVAL_SEED,
        raw_generator: bool = False,
    ) -> None:
        super().__init__(start_step, every)
        self.raw_generator = raw_generator  # G itself rather than its EMA
        self.evaluator, self.metric, self.writer, self.seed = evaluator, metric, writer, seed
        self.best_dir = pathlib.Path(workdir) / BEST_DIR
        self.best = self._load_best()
        self.last_step: int | None = None
        self.last_result: EvalResult | None = None
        self._manager: tf.train.CheckpointManager | None = None
        self._sampler: SampleGenerator | None = None

    def _load_best(self) -> dict | None:
        """The best so far of an earlier run of this workdir, if it used the same metric and
        sample count (FID values at different N are not comparable)."""
        path = self.best_dir / BEST_FILE
        if not path.is_file():
            return None
        best = json.loads(path.read_text())
        if best.get("metric") != self.metric or best.get("num_samples") != (
            self.evaluator.num_samples
        ):
            logging.warning("ignoring %s: made with another metric or sample count", path)
            return None
        return best

    def set_model(self, model) -> None:
        super().set_model(model)
        if self._sampler is not None and self._sampler.model is model:
            return  # fit() sets the model again.
        # Checks the model generates from noise, and traces once for the whole run.
        self._sampler = SampleGenerator(
            model, jit_compile=self.evaluator.jit_compile, raw_generator=self.raw_generator
        )
        self._manager = tf.train.CheckpointManager(
            checkpoint_for(model), str(self.best_dir), max_to_keep=1
        )

    def on_step(self, step: int, logs: dict) -> None:
        self.evaluate(step)

    def evaluate(self, step: int) -> EvalResult:
        """Evaluates the current generator as step ``step``; logs it; keeps it if best."""
        if step == self.last_step and self.last_result is not None:
            return self.last_result
        begin = time.perf_counter()
        images = self._sampler(self.evaluator.num_samples, self.seed, self.evaluator.log_every_s)
        result = self.evaluator.evaluate_images(images)
        with self.writer.as_default(step=step):
            for name, value in result.values.items():
                tf.summary.scalar(f"eval/{name}", value)
        self.writer.flush()
        value = result.values[self.metric]
        improved = self.best is None or value < self.best["value"]
        if improved:
            self._manager.save(checkpoint_number=step)
            self.best = {
                "metric": self.metric,
                "value": value,
                "step": step,
                "num_samples": self.evaluator.num_samples,
                "checkpoint": self._manager.latest_checkpoint,
                "metrics": result.values,
            }
            (self.best_dir / BEST_FILE).write_text(json.dumps(self.best, indent=2) + "\n")
        values = "  ".join(f"{k}={v:.4g}" for k, v in result.values.items())
        logging.info(
            "eval at step %d (%.1f s): %s%s",
            step,
            time.perf_counter() - begin,
            values,
            f"  new best {self.metric}" if improved else f"  (best {self.best['value']:.4g})",
        )
        self.last_step, self.last_result = step, result
        return result


def periodic_evaluation(
    model, config: RunConfig, workdir: str | pathlib.Path, writer, start_step: int
) -> PeriodicEvaluation:
    """The callback for ``config``, with networks built and real statistics ready (or cached):
    everything that can fail (weights, data) fails here, before training starts."""
    evaluator = Evaluator(
        eval_metrics(config),
        config.dataset,
        config.image_size,
        config.eval_samples,
        data_dir=config.data_dir,
        manual_dir=config.manual_dir,
        inception_weights=config.inception_weights,
        # The Inception network under auto: XLA unless the run forces it off.
        jit_compile=config.xla_requested() is not False,
    )
    evaluator.real_statistics()
    callback = PeriodicEvaluation(
        start_step,
        config.eval_every,
        evaluator,
        config.eval_metric,
        writer,
        workdir,
        raw_generator=getattr(config, "raw_generator", False),  # noise-to-image configs only
    )
    callback.set_model(model)
    return callback
