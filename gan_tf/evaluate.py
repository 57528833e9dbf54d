"""Evaluate a trained run's generator against its dataset's test split.

    python -m gan_tf.evaluate --workdir=runs/dcgan_mnist --metrics=fid,kid,is,pr,cs,fcd \
        --num_samples=10000 [--checkpoint=runs/dcgan_mnist/checkpoints/ckpt-5000] \
        [--inception_weights=fid_inception_v3_2015_12_05.npz] [--data_dir=... --manual_dir=...]

The run's ``run.json`` rebuilds the model, the last checkpoint (or ``--checkpoint``) gives the
weights; ``--num_samples`` images are generated from a fixed seed and compared with the first
``--num_samples`` images of the test split (features of the real images are cached, see
``gan_tf.metrics.real_stats``). Prints a table and adds the evaluation to
``RUN/eval/step_<N>.json``, which keeps every evaluation of step N (``{"evaluations": [...]}``,
one per generator, split, sample count and seed; metrics of the same one are merged).
Progress is logged.

Metrics: ``fid``, ``kid``, ``pr`` (precision/recall) and ``is`` use the FID Inception network
(``--inception_weights``, ``$GAN_TF_INCEPTION_WEIGHTS`` or ``python -m gan_tf.metrics.inception
--download``); ``is`` is reported as unavailable with these weights, which have no logits.
``cs``, ``fcd`` and ``agreement`` (classifier score, Fréchet classifier distance, and for a
conditional model the share of samples the classifier assigns to the class they were generated
for) use the project's MNIST / Fashion-MNIST classifier that ships with gan_tf and need no
Inception weights. ``--truncation=t`` evaluates samples of z truncated at t (BigGAN's
truncation trick).
"""

from __future__ import annotations

import json
import pathlib
import shlex
import sys
from typing import Any

from absl import app, flags, logging

from gan_tf.errors import UsageError

FLAGS = flags.FLAGS


def define_flags() -> None:
    """The command-line flags (defined by ``__main__`` only, so importing this is free)."""
    flags.DEFINE_string("workdir", None, "A run's workdir (holding run.json and checkpoints/).")
    flags.DEFINE_string("checkpoint", None, "A checkpoint prefix; default: the run's latest.")
    flags.DEFINE_string(
        "metrics",
        "fid,kid,is,pr",
        "Comma-separated metrics: fid, kid, is, pr, cs, fcd, agreement.",
    )
    flags.DEFINE_integer(
        "num_samples", 10_000, "Generated images, and real test images, to compare.", lower_bound=2
    )
    flags.DEFINE_integer("seed", 0, "Seed of the generator's noise.")
    flags.DEFINE_string("split", None, "Real data split; default: the dataset's test split.")
    flags.DEFINE_string(
        "inception_weights",
        None,
        "FID Inception .npz; default $GAN_TF_INCEPTION_WEIGHTS, then "
        "~/.cache/gan_tf/fid_inception_v3_2015_12_05.npz.",
    )
    flags.DEFINE_string("data_dir", None, "TFDS data directory; default: the run's.")
    flags.DEFINE_string(
        "manual_dir", None, "Folder with the dataset's archives; default: the run's."
    )
    flags.DEFINE_string(
        "cache_dir",
        None,
        "Real-statistics cache root; default $GAN_TF_CACHE_DIR or ~/.cache/gan_tf.",
    )
    flags.DEFINE_string("out", None, "JSON output; default RUN/eval/step_<N>.json.")
    flags.DEFINE_bool("jit_compile", True, "Compile generation and feature extraction with XLA.")
    flags.DEFINE_bool(
        "raw_generator", False, "Evaluate G itself, not its EMA (for runs with --ema_decay)."
    )
    flags.DEFINE_integer(
        "standing_statistics",
        0,
        "Before evaluating, set the generator's batch-norm statistics to the average over N "
        "batches of 256 in training mode (BigGAN's standing statistics); 0: its own.",
        lower_bound=0,
    )
    flags.DEFINE_float(
        "truncation",
        None,
        "Sample z from the normal truncated at this threshold (BigGAN's truncation trick, "
        "Brock et al. 2019, sec. 3.1); unset: the model's own z.",
    )
    flags.mark_flag_as_required("workdir")


# Rows of the table: value key, label, key of its ± column.
ROWS = (
    ("fid", "FID", None),
    ("kid", "KID", "kid_std"),
    ("is", "Inception Score", "is_std"),
    ("precision", "precision", None),
    ("recall", "recall", None),
    ("cs", "classifier score", None),
    ("fcd", "Fréchet classifier distance", None),
    ("agreement", "class agreement", None),
)
# Which rows a requested metric produces.
METRIC_ROWS = {
    "fid": ("fid",),
    "kid": ("kid",),
    "is": ("is",),
    "pr": ("precision", "recall"),
    "cs": ("cs",),
    "fcd": ("fcd",),
    "agreement": ("agreement",),
}


def format_table(record: dict[str, Any]) -> str:
    """The evaluation as a plain-text table."""
    values, unavailable, reference = (
        record["metrics"],
        record["unavailable"],
        record["reference"],
    )
    lines = [
        f"{record['variant']} on {record['dataset']} ({record['split']} split), step "
        f"{record['step']}: {record['num_samples']} generated vs {record['num_real']} real "
        f"images, {record['seconds']:.1f} s",
        f"{'metric':<30} {'value':>12} {'± std':>10}  note",
    ]
    for metric in record["requested"]:
        if metric in unavailable:
            label = next(label for key, label, _ in ROWS if key == METRIC_ROWS[metric][0])
            lines.append(f"{label:<30} {'—':>12} {'':>10}  unavailable: {unavailable[metric]}")
            continue
        for key, label, std_key in ROWS:
            if key not in METRIC_ROWS[metric] or key not in values:
                continue
            std = f"{values[std_key]:.6g}" if std_key and std_key in values else ""
            note = f"real data: {reference[key]:.4g}" if key in reference else ""
            lines.append(f"{label:<30} {values[key]:>12.6g} {std:>10}  {note}".rstrip())
    return "\n".join(lines)


# What makes two evaluations the same: their metrics are merged into one record.
RECORD_KEY = ("step", "checkpoint", "generator", "split", "num_samples", "seed")


def read_records(path: pathlib.Path) -> list[dict[str, Any]]:
    """The evaluations in ``path`` (``{"evaluations": [...]}``; a file holding one record, as
    gan_tf wrote before keeping every evaluation, is that record); [] when there is none."""
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise UsageError(f"{path} is not valid JSON ({error}): repair or remove it") from None
    if "evaluations" in data:
        return list(data["evaluations"])
    return [{"generator": "raw", **data}]  # records without "generator" evaluated the raw G


def write_record(path: pathlib.Path, record: dict[str, Any]) -> dict[str, Any]:
    """Adds ``record`` to the evaluations in ``path`` and returns it as stored: an evaluation
    with the same step, checkpoint, generator, split, sample count and seed is merged into
    (a later ``--metrics=cs`` adds to a FID record), any other is kept beside it."""
    records = read_records(path)
    same = next(
        (i for i, old in enumerate(records) if all(old.get(k) == record[k] for k in RECORD_KEY)),
        None,
    )
    if same is None:
        records.append(record)
    else:
        old = records[same]
        now_unavailable = record["unavailable"]
        for field in ("metrics", "unavailable", "reference"):
            record[field] = {**old.get(field, {}), **record[field]}
        for metric in record["requested"]:  # Computed now: no longer unavailable.
            if metric not in now_unavailable:
                record["unavailable"].pop(metric, None)
        record["requested"] = list(dict.fromkeys(old.get("requested", []) + record["requested"]))
        records[same] = record
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")  # an interrupted write leaves path intact
    partial.write_text(json.dumps({"evaluations": records}, indent=2) + "\n")
    partial.replace(path)
    return record


def evaluate(
    workdir: str,
    metrics: str = "fid,kid,is,pr",
    num_samples: int = 10_000,
    checkpoint: str | None = None,
    seed: int = 0,
    split: str | None = None,
    inception_weights: str | None = None,
    data_dir: str | None = None,
    manual_dir: str | None = None,
    cache_dir: str | None = None,
    out: str | None = None,
    jit_compile: bool = True,
    command: str | None = None,
    raw_generator: bool = False,
    standing_statistics: int = 0,
    truncation: float | None = None,
) -> tuple[str, pathlib.Path]:
    """Evaluates a run (see the module docstring); returns (table, JSON path).

    Raises:
      UsageError: unknown metric, no run or checkpoint, missing Inception weights or data.
    """
    from gan_tf.metrics.evaluation import Evaluator, parse_metrics

    names = parse_metrics(metrics)  # Cheapest check first.
    if truncation is not None and truncation <= 0:
        raise UsageError(f"--truncation must be > 0, got {truncation}")

    import tensorflow as tf

    from gan_tf.training.checkpoints import load_run

    model, config, step = load_run(workdir, checkpoint)
    checkpoint = checkpoint or tf.train.latest_checkpoint(
        str(pathlib.Path(workdir) / "checkpoints")
    )
    evaluator = Evaluator(
        names,
        config.dataset,
        config.image_size,
        num_samples,
        split=split,
        data_dir=data_dir or config.data_dir,
        manual_dir=manual_dir or config.manual_dir,
        inception_weights=inception_weights,
        cache_dir=cache_dir,
        jit_compile=jit_compile,
        log_every_s=10.0,
    )
    logging.info("evaluating %s at step %d: %s on %d samples", workdir, step, names, num_samples)
    # The EMA generator when the run has one (`--ema_decay`), unless raw_generator.
    generator = "ema" if getattr(model, "ema", None) is not None and not raw_generator else "raw"
    if standing_statistics and hasattr(model, "standing_statistics"):
        model.standing_statistics(standing_statistics, ema=generator == "ema")
        generator += f"_standing{standing_statistics}"
    if truncation is not None:
        if getattr(config, "latent_distribution", "normal") != "normal":
            raise UsageError("--truncation truncates a normal z; this run's is uniform")
        generator += f"_truncation{truncation:g}"
    result = evaluator.evaluate_model(
        model, seed, raw_generator=raw_generator, truncation=truncation
    )
    networks = {}
    if evaluator.inception is not None:
        networks["inception"] = str(evaluator.inception.weights_path)
    if evaluator.classifier is not None:
        networks["classifier"] = evaluator.classifier.cache_id
    record = {
        "workdir": str(workdir),
        "variant": config.variant,
        "dataset": config.dataset,
        "split": evaluator.split,
        "step": step,
        "checkpoint": checkpoint,
        "generator": generator,
        "num_samples": result.num_fake,
        "num_real": result.num_real,
        "seed": seed,
        "requested": names,
        "metrics": result.values,
        "unavailable": result.unavailable,
        "reference": result.reference,
        "seconds": round(result.seconds, 1),
        "feature_networks": networks,
        "command": command,
    }
    # Every evaluation of the step goes into one file, the raw G's of an EMA run beside the EMA's.
    path = pathlib.Path(out or pathlib.Path(workdir) / "eval" / f"step_{step}.json")
    return format_table(write_record(path, record)), path


def main(argv: list[str]) -> None:
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    logging.set_verbosity(logging.INFO)
    try:
        table, path = evaluate(
            FLAGS.workdir,
            FLAGS.metrics,
            FLAGS.num_samples,
            checkpoint=FLAGS.checkpoint,
            seed=FLAGS.seed,
            split=FLAGS.split,
            inception_weights=FLAGS.inception_weights,
            data_dir=FLAGS.data_dir,
            manual_dir=FLAGS.manual_dir,
            cache_dir=FLAGS.cache_dir,
            out=FLAGS.out,
            jit_compile=FLAGS.jit_compile,
            raw_generator=FLAGS.raw_generator,
            standing_statistics=FLAGS.standing_statistics,
            truncation=FLAGS.truncation,
            command=shlex.join(["python", "-m", "gan_tf.evaluate", *sys.argv[1:]]),
        )
    except UsageError as error:
        print(f"evaluate: error: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    print(table)
    print(f"wrote {path}")


if __name__ == "__main__":
    define_flags()
    app.run(main)
