"""Learning proofs of the translation models on real Fashion-MNIST, where the right answer is
known, measured on held-out (test split) images against the identity-mapping baseline.

    python benchmarks/translation.py --proofs=pix2pix_edges,pix2pix_inverted,cyclegan,stargan \
        --manual_dir=../shared/data --out=experiments/translation

Proofs (32x32, small networks, so each trains in minutes on a 2-core CPU):
  pix2pix_edges     edges -> image (paired), cGAN + 100 L1
  pix2pix_inverted  inverted -> image (paired)
  cyclegan          two disjoint halves, B = inverted A (unpaired): G(a) vs -a, and cycle error
  stargan           domains original / inverted / rotated 90 / colorized: every s -> t
                    translation vs the truth T_t(x)
Writes <out>/<proof>.png (held-out grid) and prints one JSON line per proof (also appended to
<out>/results.jsonl), with steps/s of the run.
"""

from __future__ import annotations

import json
import pathlib
import sys
import time

from absl import app, flags

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from gan_tf.config import RunConfig
from gan_tf.data import translation as tr

FLAGS = flags.FLAGS
flags.DEFINE_list(
    "proofs", ["pix2pix_edges", "pix2pix_inverted", "cyclegan", "stargan"], "Which proofs to run."
)
flags.DEFINE_integer("steps", None, "Override every proof's training steps.", lower_bound=1)
flags.DEFINE_string("out", "experiments/translation", "Grids and results.jsonl go here.")
flags.DEFINE_string("workdir_root", "/tmp/gan_tf_translation_bench", "Run workdirs.")
flags.DEFINE_string("data_dir", None, "TFDS data dir.")
flags.DEFINE_string("manual_dir", None, "Folder with the original Fashion-MNIST archives.")
flags.DEFINE_bool("jit_compile", True, "XLA-compile the training steps.")
flags.DEFINE_integer("eval_examples", 2000, "Held-out images evaluated.", lower_bound=100)


def proof_config(name: str) -> tuple[RunConfig, object]:
    """(config, make_dataset) of one proof."""
    common = {
        "dataset": "fashion_mnist",
        "image_size": 32,
        "data_dir": FLAGS.data_dir,
        "manual_dir": FLAGS.manual_dir,
        "jit_compile": FLAGS.jit_compile,
        "sample_every": 10**9,
        "checkpoint_every": 10**9,
        "log_every": 200,
    }
    if name.startswith("pix2pix"):
        task = name.split("_")[1]
        config = RunConfig(
            variant="pix2pix",
            channels=1,
            base_filters=32,
            batch_size=16,
            train_steps=600,
            architecture="unet",
            **common,
            extra={
                "pairs": task,
                "loss": "l1_cgan",
                "receptive_field": 16,
                "lambda_l1": 100.0,
                "jitter": True,
                "input_channels": 1,
            },
        )

        def data(c):
            return tr.paired_pipeline(
                c.dataset,
                batch_size=c.batch_size,
                image_size=c.image_size,
                task=task,
                data_dir=c.data_dir,
                manual_dir=c.manual_dir,
                seed=c.seed,
            )
    elif name == "cyclegan":
        config = RunConfig(
            variant="cyclegan",
            channels=1,
            base_filters=16,
            batch_size=8,
            train_steps=500,
            architecture="resnet",
            **common,
            extra={"domain_b": "inverted", "num_residual_blocks": 3, "receptive_field": 16},
        )

        def data(c):
            return tr.unpaired_pipeline(
                c.dataset,
                batch_size=c.batch_size,
                image_size=c.image_size,
                domain_b="inverted",
                data_dir=c.data_dir,
                manual_dir=c.manual_dir,
                seed=c.seed,
            )
    elif name == "stargan":
        names = list(tr.DERIVED_DOMAINS)
        config = RunConfig(
            variant="stargan",
            channels=3,
            base_filters=16,
            batch_size=16,
            d_steps=5,
            train_steps=300,
            d_learning_rate=1e-4,
            g_learning_rate=1e-4,
            architecture="stargan",
            **common,
            extra={
                "domains": names,
                "derived": names,
                "attributes": None,
                "multi_label": False,
                "exclusive_groups": [[0, 1, 2, 3]],
                "num_residual_blocks": 3,
            },
        )

        def data(c):
            return tr.multi_domain_pipeline(
                c.dataset,
                batch_size=c.batch_size * c.d_steps,
                image_size=c.image_size,
                domains=names,
                data_dir=c.data_dir,
                manual_dir=c.manual_dir,
                seed=c.seed,
            )
    else:
        raise app.UsageError(f"unknown proof {name!r}")
    if FLAGS.steps:
        config.train_steps = FLAGS.steps
    return config, data


def run_proof(name: str, out: pathlib.Path) -> dict:
    from gan_tf.experiments.common import run
    from gan_tf.metrics.reconstruction import evaluate_translation
    from gan_tf.models.zoo import build_model
    from gan_tf.training.checkpoints import checkpoint_manager, restore_latest
    from gan_tf.training.images import save_png

    config, data = proof_config(name)
    suffix = "xla" if config.jit_compile else "noxla"
    workdir = pathlib.Path(FLAGS.workdir_root) / f"{name}_{suffix}"
    begin = time.perf_counter()
    result = run(config, str(workdir), data)
    model = build_model(config)
    step = restore_latest(checkpoint_manager(model, workdir))
    metrics = evaluate_translation(model, config, FLAGS.eval_examples)
    grid = save_png(out / f"{name}.png", model.sample_grid())
    record = {
        "proof": name,
        "step": step,
        "jit_compile": config.jit_compile,
        "steps_per_second": result.steps_per_second,
        "first_step_seconds": result.first_step_seconds,
        "wall_seconds": round(time.perf_counter() - begin, 1),
        "grid": str(grid),
        **metrics,
    }
    return record


def main(argv):
    del argv
    out = pathlib.Path(FLAGS.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in FLAGS.proofs:
        record = run_proof(name, out)
        line = json.dumps(record)
        print(line, flush=True)
        with open(out / "results.jsonl", "a") as f:
            f.write(line + "\n")


if __name__ == "__main__":
    app.run(main)
