"""Held-out errors of translation models against a known ground truth: L1 and PSNR.

pix2pix (Isola et al. 2017) reports per-pixel errors against the paired target; with domains
made by known transforms (inverted, rotated, colorized, ...) the same errors measure CycleGAN
(Zhu et al. 2017) and StarGAN (Choi et al. 2018) translations, and the cycle error
||F(G(a)) - a||_1 of CycleGAN's eq. 2. Every error comes with the identity mapping's error
(output = input), the trivial baseline that a useful model must beat.

Units: images in [-1, 1] are mapped to [0, 1]; L1 is the mean absolute error in that range
(0 = exact, 1 = every pixel maximally wrong); PSNR = 10 log10(1 / MSE) in dB, averaged over
images (tf.image.psnr).

Baselines, reported beside every model error so that "it learned" is a comparison, not a claim:
  identity  the input itself as the prediction (where input and target have the same channels);
  mean      one constant image for every input: the per-pixel mean of the held-out targets
            themselves. It knows the test set's average but nothing about the input, and it is
            the best constant prediction in squared error on those images, so it is a stronger
            baseline than any constant estimated from training data.
A model that ignored its input could at best match `mean` in PSNR (and the per-pixel median,
close to it, in L1); beating it clearly shows that the output depends on the input in the
right way. (The benchmark adds a third: the untrained generator.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import tensorflow as tf

from gan_tf.configs.base import RunConfig
from gan_tf.errors import UsageError

Batches = Iterable[tuple[tf.Tensor, tf.Tensor]]


def l1_error(target: tf.Tensor, prediction: tf.Tensor) -> tf.Tensor:
    """Per-image mean absolute error on the [0, 1] scale, shape (batch,)."""
    diff = tf.abs(tf.cast(target, tf.float32) - tf.cast(prediction, tf.float32)) / 2.0
    return tf.reduce_mean(diff, axis=[1, 2, 3])


def psnr(target: tf.Tensor, prediction: tf.Tensor) -> tf.Tensor:
    """Per-image PSNR in dB on the [0, 1] scale, shape (batch,); capped at 100 dB (exact)."""
    t = (tf.cast(target, tf.float32) + 1.0) / 2.0
    p = tf.clip_by_value((tf.cast(prediction, tf.float32) + 1.0) / 2.0, 0.0, 1.0)
    return tf.minimum(tf.image.psnr(t, p, max_val=1.0), 100.0)


class ErrorMeter:
    """Running means of L1 and PSNR over images."""

    def __init__(self) -> None:
        self.l1 = self.psnr = 0.0
        self.count = 0

    def update(self, target: tf.Tensor, prediction: tf.Tensor) -> None:
        self.l1 += float(tf.reduce_sum(l1_error(target, prediction)))
        self.psnr += float(tf.reduce_sum(psnr(target, prediction)))
        self.count += int(target.shape[0])

    def result(self, prefix: str) -> dict[str, float]:
        n = max(self.count, 1)
        return {f"{prefix}_l1": self.l1 / n, f"{prefix}_psnr": self.psnr / n}


class MeanImageBaseline:
    """Errors of the constant prediction mean(targets) against the targets it was taken from.

    Keeps the targets (held-out evaluation sets are small: 2,000 RGB 32x32 images are 25 MB)."""

    def __init__(self) -> None:
        self.targets: list[np.ndarray] = []

    def update(self, target: tf.Tensor) -> None:
        self.targets.append(np.asarray(target, np.float32))

    @property
    def count(self) -> int:
        return sum(len(t) for t in self.targets)

    def result(self, prefix: str) -> dict[str, float]:
        meter = ErrorMeter()
        if self.targets:
            mean = np.mean(np.concatenate(self.targets), axis=0, keepdims=True)
            for target in self.targets:
                meter.update(target, np.broadcast_to(mean, target.shape))
        return meter.result(prefix)


def translation_errors(
    pairs: Batches, translate: Callable[[tf.Tensor], tf.Tensor], max_examples: int | None = None
) -> dict[str, float]:
    """Errors of translate(input) against the target over (input, target) batches, with the
    identity baseline (input as the prediction) when the channels agree, and the mean-image
    baseline. Stops after the batch that reaches `max_examples`."""
    model, identity, mean = ErrorMeter(), ErrorMeter(), MeanImageBaseline()
    for inputs, targets in pairs:
        model.update(targets, translate(inputs))
        mean.update(targets)
        if inputs.shape[-1] == targets.shape[-1]:
            identity.update(targets, inputs)
        if max_examples and model.count >= max_examples:
            break
    results = {**model.result("model"), "examples": model.count, **mean.result("mean")}
    if identity.count:
        results.update(identity.result("identity"))
    return results


def evaluate_pix2pix(
    model, config: RunConfig, max_examples: int = 1000, batch_size: int = 100
) -> dict[str, float]:
    """Held-out L1 / PSNR of G(a) against b on the test split (no jitter)."""
    from gan_tf.data import translation

    pairs = translation.paired_pipeline(
        config.dataset,
        batch_size=batch_size,
        image_size=config.image_size,
        task=config.pairs,
        train=False,
        data_dir=config.data_dir,
        manual_dir=config.manual_dir,
    )
    return translation_errors(pairs, model.translate, max_examples)


def evaluate_cyclegan(
    model, config: RunConfig, max_examples: int = 1000, batch_size: int = 100
) -> dict[str, float]:
    """Derived domains: G(a) vs the true transform b = T(a), F(b) vs a, and both cycle errors
    ||F(G(a)) - a||, ||G(F(b)) - b||, on held-out images, with the identity and mean-image
    baselines of both directions. Other data (no truth): the cycle errors only.

    The cycle errors alone prove nothing (G = F = identity has none); the translation errors
    against the truth are the proof."""
    from gan_tf.data import translation

    spec_name = config.dataset
    derived = not (spec_name.startswith("cycle_gan/") or spec_name.startswith("folder:"))
    meters = {
        k: ErrorMeter()
        for k in ("a_to_b", "b_to_a", "cycle_a", "cycle_b", "identity_a_to_b", "identity_b_to_a")
    }
    means = {"mean_a_to_b": MeanImageBaseline(), "mean_b_to_a": MeanImageBaseline()}
    if derived:
        batches = translation.unpaired_truth_pairs(
            config.dataset,
            batch_size=batch_size,
            image_size=config.image_size,
            domain_b=config.domain_b or "inverted",
            data_dir=config.data_dir,
            manual_dir=config.manual_dir,
        )
    else:
        batches = translation.unpaired_pipeline(
            config.dataset,
            batch_size=batch_size,
            image_size=config.image_size,
            train=False,
            data_dir=config.data_dir,
            manual_dir=config.manual_dir,
        )
    for a, b in batches:
        fake_b, fake_a = model.translate(a), model.translate(b, to_b=False)
        meters["cycle_a"].update(a, model.translate(fake_b, to_b=False))
        meters["cycle_b"].update(b, model.translate(fake_a))
        if derived:  # b is the truth of a
            meters["a_to_b"].update(b, fake_b)
            meters["b_to_a"].update(a, fake_a)
            meters["identity_a_to_b"].update(b, a)
            meters["identity_b_to_a"].update(a, b)
            means["mean_a_to_b"].update(b)
            means["mean_b_to_a"].update(a)
        if meters["cycle_a"].count >= max_examples:
            break
    results = {"examples": meters["cycle_a"].count}
    for name, meter in {**meters, **means}.items():
        if meter.count:
            results.update(meter.result(name))
    return results


def evaluate_stargan(
    model, config: RunConfig, max_examples: int = 1000, batch_size: int = 100
) -> dict[str, object]:
    """Derived domains: for every source s and target t != s, G(T_s(x), t) against T_t(x) on
    held-out x; and G(T_s(x), s) against T_s(x), the translation to the image's own domain,
    which should return the input (sec. 3.1: the reconstruction G(G(x, c), c') relies on it).

    Returns the mean over the k(k-1) pairs s != t (`model_*`, the translation error) with its
    identity (T_s(x) as the prediction) and mean-image baselines; the same per target domain
    t, averaged over its sources (`per_target`); the mean own-domain error (`own_domain_*`);
    and the (s, t) L1 matrix, whose diagonal holds the own-domain errors."""
    from gan_tf.data import translation

    names = list(config.domain_names)
    derived = config.derived_domains
    if not derived:
        raise UsageError(
            "held-out errors need derived domains (their truth is known); "
            f"{config.dataset} has none"
        )
    k = len(names)
    meters = [[ErrorMeter() for _ in range(k)] for _ in range(k)]
    identity = [[ErrorMeter() for _ in range(k)] for _ in range(k)]
    means = [MeanImageBaseline() for _ in range(k)]
    batches = translation.multi_domain_truth(
        config.dataset,
        batch_size=batch_size,
        image_size=config.image_size,
        domains=derived,
        data_dir=config.data_dir,
        manual_dir=config.manual_dir,
    )
    seen = 0
    for stack in batches:  # (k, batch, h, w, c)
        n = stack.shape[1]
        for t in range(k):
            target = tf.one_hot(tf.fill([n], t), k)
            means[t].update(stack[t])
            for s in range(k):
                meters[s][t].update(stack[t], model.translate(stack[s], target))
                if s != t:
                    identity[s][t].update(stack[t], stack[s])
        seen += n
        if seen >= max_examples:
            break

    def average(grid, pairs) -> dict[str, float]:
        results = [grid[s][t].result("x") for s, t in pairs]
        return {
            "l1": float(np.mean([r["x_l1"] for r in results])),
            "psnr": float(np.mean([r["x_psnr"] for r in results])),
        }

    all_pairs = [(s, t) for s in range(k) for t in range(k) if s != t]
    own_domain = average(meters, [(s, s) for s in range(k)])
    per_target = {}
    for t, name in enumerate(names):
        into_t = [(s, t) for s in range(k) if s != t]
        mean_t = means[t].result("x")
        per_target[name] = {
            **{f"model_{m}": v for m, v in average(meters, into_t).items()},
            **{f"identity_{m}": v for m, v in average(identity, into_t).items()},
            "mean_l1": mean_t["x_l1"],
            "mean_psnr": mean_t["x_psnr"],
        }
    return {
        "examples": seen,
        **{f"model_{m}": v for m, v in average(meters, all_pairs).items()},
        **{f"identity_{m}": v for m, v in average(identity, all_pairs).items()},
        # Each target's mean image, averaged like the model's errors (every pair counts once).
        "mean_l1": float(np.mean([per_target[names[t]]["mean_l1"] for s, t in all_pairs])),
        "mean_psnr": float(np.mean([per_target[names[t]]["mean_psnr"] for s, t in all_pairs])),
        **{f"own_domain_{m}": v for m, v in own_domain.items()},
        "domains": names,
        "per_target": per_target,
        "l1_matrix": [
            [round(meters[s][t].result("x")["x_l1"], 4) for t in range(k)] for s in range(k)
        ],
    }


EVALUATORS = {
    "pix2pix": evaluate_pix2pix,
    "cyclegan": evaluate_cyclegan,
    "stargan": evaluate_stargan,
}


def evaluate_translation(model, config: RunConfig, max_examples: int = 1000) -> dict[str, object]:
    """Runs a trained translation model of `config.variant` over the first `max_examples`
    held-out images (batches of up to 100)."""
    if config.variant not in EVALUATORS:
        raise UsageError(
            f"no held-out translation errors for variant {config.variant!r}: "
            f"use one of {', '.join(EVALUATORS)}"
        )
    if max_examples < 1:
        raise UsageError(f"max_examples must be positive, got {max_examples}")
    batch_size = min(100, max_examples)
    return EVALUATORS[config.variant](model, config, max_examples, batch_size)
