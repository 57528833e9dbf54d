"""Diagnostic of the StarGAN learning proof: can its generator represent the translation?

    python benchmarks/stargan_supervised.py --proofs=stargan_inverted --steps=2000 \
        --manual_dir=<folder with the original archives> --out=experiments/translation \
        --nojit_compile

Trains the generator of a StarGAN proof of `benchmarks/translation.py` -- the same networks,
seed, image size, batch size and Adam settings -- on the known truth instead of adversarially:
each example gets a random source s and target t, and the loss is ||G(T_s(x), t) - T_t(x)||_1.
No critic, no classifier, no reconstruction. The held-out errors, baselines and verdict are
the proof's own (`gan_tf.metrics.reconstruction.evaluate_stargan`, `translation.verdict`), so
the numbers compare directly: if this passes where the GAN proof fails, the generator and
its label conditioning can express the answer and the failure lies in the adversarial
training; if it fails too, the generator cannot.

Records go into <out>/results.jsonl and <out>/results.md beside the proofs', as proof
`<proof>_supervised`, with the grid <out>/<proof>_supervised.png.
"""

from __future__ import annotations

import json
import pathlib
import shlex
import sys
import time

import tensorflow as tf
from absl import app, flags

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks import translation as bench
from gan_tf.images import save_png

FLAGS = flags.FLAGS
SUFFIX = "_supervised"
# Steps when --steps is not given: the GAN ablations' budget (`stargan_inverted` passes by a
# wide margin in it, experiments/translation.md; 600 steps already pass, at 0.45x).
DEFAULT_STEPS = 2000


def supervised_step(generator, optimizer, num_domains: int, jit_compile: bool):
    """A compiled step (XLA with `jit_compile`): random (source, target) per example from
    stateless seeds, then one Adam update of ||G(T_s(x), t) - T_t(x)||_1 (mean over pixels,
    [-1, 1] scale)."""

    @tf.function(jit_compile=jit_compile)
    def step(stack: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        images = tf.transpose(stack, [1, 0, 2, 3, 4])  # (batch, k, h, w, c)
        batch = tf.shape(images)[0]
        source_seed, target_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        source = tf.random.stateless_uniform([batch], source_seed, 0, num_domains, tf.int32)
        target = tf.random.stateless_uniform([batch], target_seed, 0, num_domains, tf.int32)
        inputs = tf.gather(images, source, axis=1, batch_dims=1)
        truth = tf.gather(images, target, axis=1, batch_dims=1)
        with tf.GradientTape() as tape:
            output = generator([inputs, tf.one_hot(target, num_domains)], training=True)
            loss = tf.reduce_mean(tf.abs(tf.cast(output, tf.float32) - truth))
        variables = generator.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        return loss

    return step


def run_supervised(name: str, out: pathlib.Path) -> dict:
    """Trains proof `name`'s generator on the truth; returns its record (as the proofs')."""
    from gan_tf import api
    from gan_tf.data import translation as tr
    from gan_tf.metrics.reconstruction import evaluate_translation
    from gan_tf.models.factory import adam

    if name not in bench.STARGAN_DOMAINS:
        raise app.UsageError(
            f"{name!r} is not a StarGAN proof: choose from {', '.join(bench.STARGAN_DOMAINS)}"
        )
    config = bench.proof_config(name).replace(train_steps=FLAGS.steps or DEFAULT_STEPS)
    model = api.build(config)  # the proof's StarGAN, seeded; only its generator is trained here
    untrained = evaluate_translation(model, config, FLAGS.eval_examples)

    batches = tr.multi_domain_truth(
        config.dataset,
        batch_size=config.batch_size,
        image_size=config.image_size,
        domains=config.derived_domains,
        data_dir=config.data_dir,
        manual_dir=config.manual_dir,
        train=True,
        seed=config.seed,
    )
    optimizer = adam(config.g_learning_rate, config.beta_1, config.beta_2)
    step = supervised_step(model.generator, optimizer, model.num_domains, config.jit_compile)
    begin = time.perf_counter()
    for i, stack in enumerate(batches.take(config.train_steps)):
        loss = step(stack, tf.constant([config.seed, i], tf.int64))
        if i == 0:
            first_step = time.perf_counter() - begin
        if (i + 1) % config.log_every == 0 or i + 1 == config.train_steps:
            print(f"step {i + 1}/{config.train_steps}  L1 {float(loss) / 2:.4f}", flush=True)
    seconds = time.perf_counter() - begin

    trained = evaluate_translation(model, config, FLAGS.eval_examples)
    record = {
        "proof": name + SUFFIX,
        "variant": config.variant,
        "seed": config.seed,
        "step": config.train_steps,
        "batch_size": config.batch_size,
        "jit_compile": config.jit_compile,
        "steps_per_second": (config.train_steps - 1) / max(seconds - first_step, 1e-9),
        "first_step_seconds": first_step,
        "train_seconds": round(seconds, 1),
        "verdict": bench.verdict(config.variant, trained, untrained),
        "metrics": trained,
        "untrained": untrained,
    }
    path = out / f"{bench.seeded_name(name + SUFFIX, config.seed)}.png"
    save_png(path, bench.truth_grid(model, config))
    record["grid"] = str(path)
    given = [FLAGS[n].serialize() for n in bench.BENCH_FLAGS if FLAGS[n].present]
    record["command"] = shlex.join(["python", "benchmarks/stargan_supervised.py", *given])
    return record


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    out = pathlib.Path(FLAGS.out)
    out.mkdir(parents=True, exist_ok=True)
    names = FLAGS.proofs if FLAGS["proofs"].present else ["stargan_inverted"]
    for name in names:
        record = run_supervised(name, out)
        print(json.dumps(record, allow_nan=False), flush=True)
        everything = bench.record_result(out / "results.jsonl", record)
        (out / "results.md").write_text(bench.markdown_tables(everything))


if __name__ == "__main__":
    app.run(main)
