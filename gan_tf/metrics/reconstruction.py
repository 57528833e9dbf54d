"""Held-out errors of translation models against a known ground truth: L1 and PSNR.

pix2pix (Isola et al. 2017) reports per-pixel errors against the paired target; with domains
made by known transforms (inverted, rotated, colorized, ...) the same errors measure CycleGAN
(Zhu et al. 2017) and StarGAN (Choi et al. 2018) translations, and the cycle error
||F(G(a)) - a||_1 of CycleGAN's eq. 2. Every error comes with the identity mapping's error
(output = input), the trivial baseline that a useful model must beat.

Units: images in [-1, 1] are mapped to [0, 1]; L1 is the mean absolute error in that range
(0 = exact, 1 = every pixel maximally wrong); PSNR = 10 log10(1 / MSE) in dB, averaged over
images (tf.image.psnr).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import tensorflow as tf

from gan_tf.config import RunConfig
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


def translation_errors(
    pairs: Batches, translate: Callable[[tf.Tensor], tf.Tensor], max_examples: int | None = None
) -> dict[str, float]:
    """Errors of translate(input) against the target over (input, target) batches, with the
    identity baseline (input as the prediction) when the channels agree."""
    model, identity = ErrorMeter(), ErrorMeter()
    for inputs, targets in pairs:
        model.update(targets, translate(inputs))
        if inputs.shape[-1] == targets.shape[-1]:
            identity.update(targets, inputs)
        if max_examples and model.count >= max_examples:
            break
    results = {**model.result("model"), "examples": model.count}
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
        task=config.extra.get("pairs"),
        train=False,
        data_dir=config.data_dir,
        manual_dir=config.manual_dir,
    )
    return translation_errors(pairs, model.translate, max_examples)


def evaluate_cyclegan(
    model, config: RunConfig, max_examples: int = 1000, batch_size: int = 100
) -> dict[str, float]:
    """Derived domains: G(a) vs the true transform of a, F(b) vs a, and both cycle errors,
    on held-out images. Other data (no truth): the cycle errors only."""
    from gan_tf.data import translation

    spec_name = config.dataset
    derived = not (spec_name.startswith("cycle_gan/") or spec_name.startswith("folder:"))
    meters = {
        k: ErrorMeter() for k in ("a_to_b", "b_to_a", "cycle_a", "cycle_b", "identity_a_to_b")
    }
    if derived:
        batches = translation.unpaired_truth_pairs(
            config.dataset,
            batch_size=batch_size,
            image_size=config.image_size,
            domain_b=config.extra.get("domain_b") or "inverted",
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
        if meters["cycle_a"].count >= max_examples:
            break
    results = {"examples": meters["cycle_a"].count}
    for name, meter in meters.items():
        if meter.count:
            results.update(meter.result(name))
    return results


def evaluate_stargan(
    model, config: RunConfig, max_examples: int = 1000, batch_size: int = 100
) -> dict[str, object]:
    """Derived domains: for every source s and target t != s, G(T_s(x), t) against T_t(x) on
    held-out x. Returns the mean over pairs, the identity baseline and the (s, t) matrix."""
    from gan_tf.data import translation

    names = list(config.extra["domains"])
    derived = config.extra.get("derived")
    if not derived:
        raise UsageError(
            "held-out errors need derived domains (their truth is known); "
            f"{config.dataset} has none"
        )
    k = len(names)
    meters = [[ErrorMeter() for _ in range(k)] for _ in range(k)]
    identity = ErrorMeter()
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
        for s in range(k):
            for t in range(k):
                if s == t:
                    continue
                target = tf.one_hot(tf.fill([n], t), k)
                meters[s][t].update(stack[t], model.translate(stack[s], target))
                identity.update(stack[t], stack[s])
        seen += n
        if seen >= max_examples:
            break
    l1 = np.full((k, k), np.nan)
    for s in range(k):
        for t in range(k):
            if s != t:
                l1[s, t] = meters[s][t].result("m")["m_l1"]
    pairs = [meters[s][t] for s in range(k) for t in range(k) if s != t]
    return {
        "examples": seen,
        "model_l1": float(np.mean([m.result("m")["m_l1"] for m in pairs])),
        "model_psnr": float(np.mean([m.result("m")["m_psnr"] for m in pairs])),
        **identity.result("identity"),
        "domains": names,
        "l1_matrix": l1.round(4).tolist(),
    }


EVALUATORS = {
    "pix2pix": evaluate_pix2pix,
    "cyclegan": evaluate_cyclegan,
    "stargan": evaluate_stargan,
}


def evaluate_translation(model, config: RunConfig, max_examples: int = 1000) -> dict[str, object]:
    """Runs a trained translation model of `config.variant` over held-out data."""
    if config.variant not in EVALUATORS:
        raise UsageError(
            f"no held-out translation errors for variant {config.variant!r}: "
            f"use one of {', '.join(EVALUATORS)}"
        )
    return EVALUATORS[config.variant](model, config, max_examples)
