"""Learning proofs of the translation models on real Fashion-MNIST, where the right answer is
known, measured on held-out (test split) images against three baselines.

    python benchmarks/translation.py --manual_dir=<folder with the original archives> \
        --out=experiments/translation --nojit_compile              (make bench-translation)

Proofs (32x32, small networks, so each trains on a CPU; times in experiments/translation.md):
  pix2pix_edges     edges -> image (paired), cGAN + 100 L1
  pix2pix_inverted  inverted -> image (paired)
  cyclegan          two disjoint halves, B = inverted A (unpaired): G(a) vs the true -a, F(b) vs
                    the true -b, and the cycle errors; no identity loss (G(b) = b is wrong here)
  stargan           domains original / inverted / rotated 90 / colorized: every s -> t
                    translation vs the truth T_t(x), and per target domain
  stargan_pointwise the same without the rotation: original / inverted / colorized, three
                    per-pixel maps, none of them a geometric change (which this generator, like
                    CycleGAN's, is not built for: CycleGAN, Zhu et al. 2017, sec. 6)
  stargan_inverted  original / inverted only: the cyclegan proof's task, with one generator
  stargan_colorized original / colorized: two domains, every target drawn among both (the
                    authors' sampling), so the label must be read: keep, or colorize
  stargan_rotated   original / rotated 90: the same with the geometric map
  stargan_inverted_least_squares
                    the same with CycleGAN's least-squares adversarial loss in place of
                    WGAN-GP (an ablation: is it the conditioning or the WGAN-GP training?)
  stargan_inverted_modulated
                    the same with the label also scaling and shifting the generator's
                    normalized features (`domain_conditioning="input_and_norms"`, an ablation)
  stargan_inverted_cyclegan_schedule
                    the least-squares ablation trained on CycleGAN's schedule as well: one
                    discriminator update per generator update, Adam(2e-4, 0.5)
  stargan_inverted_batch8
                    the paper's losses and schedule with batch 8 (the cyclegan proof's)
                    instead of 16
  stargan_inverted_batch8_no_classification
                    batch 8 and no domain-classification loss (lambda_cls = 0)
  stargan_inverted_batch8_rec1
                    batch 8 and a reconstruction weight of 1 for 10
  stargan_inverted_other_target, stargan_pointwise_other_target, stargan_other_target
                    each training target drawn among the domains other than the source's
                    (`--target_domains=other`) where the authors' code permutes the batch's
                    labels (so that about 1/k of the targets are the source's own domain)
  stargan_inverted_modulated_random, stargan_pointwise_modulated_random,
  stargan_modulated_random
                    the label also scales and shifts the generator's normalized features, with
                    weights that start from N(0, 0.5) (`--modulation_stddev=0.5`), so that every
                    domain has its own from the first step; the authors' target sampling
  stargan_inverted_modulated_random_identity, stargan_pointwise_modulated_random_identity,
  stargan_modulated_random_identity
                    the same with CycleGAN's identity term, 5 |G(x, own domain) - x|_1 (not in
                    StarGAN, whose losses never ask G(x, c') to be x)
  stargan_pointwise_modulated_random_wide, stargan_modulated_random_wide
                    the random-start modulation with a larger generator: 32 filters for 16 and
                    the paper's 6 residual blocks for 3 (about 3x slower per step)
  stargan_inverted_patch
                    the paper's losses and schedule with a local critic: 2 stride-2 layers
                    (an 8x8 map of 18x18-pixel patches, near CycleGAN's 16) instead of 4
                    (a 2x2 map of patches that see the whole 32x32 image)

Each proof's config is its variant's paper config (`gan_tf.configs.get`) with the overrides of
`proof_config`; its training data is the config's own (`config.training_pipeline()`).

Baselines (gan_tf.metrics.reconstruction): the identity mapping (output = input), the
mean image (one constant output: the per-pixel mean of the held-out targets themselves) and
the untrained generator (the same networks and seed before the first step). A proof PASSES
when the trained model's held-out L1 is at most (1 - MARGIN) times the best baseline's and its
PSNR is above every baseline's. Held-out = Fashion-MNIST's test split, which no proof trains on
(its grids and errors are computed after training only).

Writes <out>/<proof>.png (held-out grid, 3x enlarged: see `truth_grid`) and prints one JSON
line per proof with the metrics, baselines, verdict, steps/s after the first step, the first
step's time (tracing and, with XLA, compilation) and the command; the line also goes into
<out>/results.jsonl (replacing that proof's earlier line for the same XLA setting), and
<out>/results.md holds all of them as Markdown tables. `--noevaluate --nogrids` measures speed
only. Each proof trains from scratch in <workdir_root>/<proof>_<xla|noxla> (removed first).
"""

from __future__ import annotations

import json
import pathlib
import shlex
import shutil
import sys
import time

import numpy as np
import tensorflow as tf
from absl import app, flags

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from gan_tf import configs
from gan_tf.configs.base import RunConfig
from gan_tf.data import translation as tr
from gan_tf.images import save_png

FLAGS = flags.FLAGS
# The label also scales and shifts the generator's normalized features, from a random start.
MODULATED_RANDOM = {"domain_conditioning": "input_and_norms", "modulation_stddev": 0.5}
# Ablations of the StarGAN proofs that change the paper's settings, by proof: model settings
# and training settings (both config fields, kept apart to say which is which).
STARGAN_OPTIONS = {
    "stargan_inverted_least_squares": {"adversarial_loss": "least_squares"},
    "stargan_inverted_modulated": {"domain_conditioning": "input_and_norms"},
    "stargan_inverted_cyclegan_schedule": {"adversarial_loss": "least_squares"},
    "stargan_inverted_patch": {"d_layers": 2},
    "stargan_inverted_batch8_no_classification": {"lambda_cls": 0.0},
    "stargan_inverted_batch8_rec1": {"lambda_rec": 1.0},
    # Every target another domain than the source (the authors' code permutes the labels).
    "stargan_inverted_other_target": {"target_domains": "other"},
    "stargan_pointwise_other_target": {"target_domains": "other"},
    "stargan_other_target": {"target_domains": "other"},
    **{
        f"{base}_modulated_random": dict(MODULATED_RANDOM)
        for base in ("stargan_inverted", "stargan_pointwise", "stargan")
    },
    # ... and CycleGAN's identity term (weight half the reconstruction's), not in StarGAN.
    **{
        f"{base}_modulated_random_identity": {**MODULATED_RANDOM, "lambda_id": 5.0}
        for base in ("stargan_inverted", "stargan_pointwise", "stargan")
    },
    # ... with a generator of twice the width (base_filters, in STARGAN_TRAINING) and the
    # paper's 6 residual blocks (sec. 4.4 / appendix: 64 filters, 6 blocks at 128 px): does the
    # proof's small generator hold only some of the maps?
    **{
        f"{base}_modulated_random_wide": {**MODULATED_RANDOM, "num_residual_blocks": 6}
        for base in ("stargan_pointwise", "stargan")
    },
}
STARGAN_TRAINING = {
    **{
        f"{base}_modulated_random_wide": {"base_filters": 32}
        for base in ("stargan_pointwise", "stargan")
    },
    "stargan_inverted_batch8": {"batch_size": 8},  # the cyclegan proof's batch
    # Ablations of stargan_inverted_batch8 (batch 8 runs ~1.5x faster and fails alike).
    "stargan_inverted_batch8_no_classification": {"batch_size": 8},
    "stargan_inverted_batch8_rec1": {"batch_size": 8},
    "stargan_inverted_cyclegan_schedule": {
        "d_steps": 1,
        "d_learning_rate": 2e-4,
        "g_learning_rate": 2e-4,
    },
}
# Training steps of the StarGAN proofs that `make bench-translation` runs (1,000 otherwise): the
# two-domain proofs' records were made with the ablations' budget.
STARGAN_STEPS = {"stargan_colorized": 2000, "stargan_rotated": 2000}
ABLATIONS = tuple(dict.fromkeys([*STARGAN_OPTIONS, *STARGAN_TRAINING]))
# StarGAN proofs: their domains (all are known transforms of the same images).
PAPER_PROOFS = {
    "stargan": tr.DERIVED_DOMAINS,
    "stargan_pointwise": ("original", "inverted", "colorized"),
    "stargan_inverted": ("original", "inverted"),
    # Two domains each, the source's own domain a target too (the authors' sampling), so the
    # label must be read: one polarity-keeping per-pixel map, and the geometric one.
    "stargan_colorized": ("original", "colorized"),
    "stargan_rotated": ("original", "rotated"),
}


def ablated_proof(name: str) -> str:
    """The paper-setting StarGAN proof an ablation changes: the longest one its name starts
    with (`stargan_pointwise_other_target` -> `stargan_pointwise`)."""
    return max((p for p in PAPER_PROOFS if name.startswith(p)), key=len)


STARGAN_DOMAINS = {
    **PAPER_PROOFS,
    **{name: PAPER_PROOFS[ablated_proof(name)] for name in ABLATIONS},
}
PROOFS = ("pix2pix_edges", "pix2pix_inverted", "cyclegan", *STARGAN_DOMAINS)
# The ablations run only when named: `make bench-translation` runs the proofs.
flags.DEFINE_list(
    "proofs",
    [p for p in PROOFS if p not in ABLATIONS],
    f"Which proofs to run (the ablations {', '.join(ABLATIONS)} only when named).",
)
flags.DEFINE_integer("steps", None, "Override every proof's training steps.", lower_bound=1)
# `out` and `jit_compile` are also flags of benchmarks/toy_mixture.py; the tests import both
# benchmarks into one process, so either may define them (same types; the tests pass values).
flags.DEFINE_string(
    "out", "experiments/translation", "Grids and results.jsonl go here.", allow_override=True
)
flags.DEFINE_string("workdir_root", "/tmp/gan_tf_translation_bench", "Run workdirs.")
flags.DEFINE_string("data_dir", None, "TFDS data dir.")
flags.DEFINE_string("manual_dir", None, "Folder with the original Fashion-MNIST archives.")
flags.DEFINE_bool("jit_compile", True, "XLA-compile the training steps.", allow_override=True)
flags.DEFINE_integer("eval_examples", 2000, "Held-out images evaluated.", lower_bound=1)
flags.DEFINE_bool("evaluate", True, "Held-out errors of the trained and untrained models.")
flags.DEFINE_bool("grids", True, "Write the held-out grid of each proof.")
flags.DEFINE_integer(
    "seed",
    0,
    "Seed of every proof (network initialization, data order, random draws). A proof run with "
    "another seed than 0 is kept apart: its workdir, grid and record are named <proof>_seed<N>.",
    lower_bound=0,
)
flags.DEFINE_bool(
    "resume",
    False,
    "Continue each proof from its workdir's checkpoint up to --steps instead of training from "
    "scratch (a long proof can be stopped with Ctrl-C and continued); train s and steps/s then "
    "cover this session only.",
)

# A proof passes when its L1 is at most (1 - MARGIN) x the best baseline's (and its PSNR higher).
MARGIN = 0.25
GRID_ROWS = 8
GRID_SCALE = 3
GRID_PAD = 2
BENCH_FLAGS = (
    "proofs",
    "steps",
    "out",
    "workdir_root",
    "data_dir",
    "manual_dir",
    "jit_compile",
    "eval_examples",
    "evaluate",
    "grids",
    "seed",
    "resume",
)


def proof_config(name: str) -> RunConfig:
    """The config of one proof: its variant's paper config with the proof's overrides."""
    common = {
        "dataset": "fashion_mnist",
        "image_size": 32,
        "data_dir": FLAGS.data_dir,
        "manual_dir": FLAGS.manual_dir,
        "jit_compile": FLAGS.jit_compile,
        "sample_every": 10**9,
        "checkpoint_every": 10**9,
        "log_every": 200,
        "seed": FLAGS.seed,
    }
    if name.startswith("pix2pix"):
        config = configs.get(
            "pix2pix",
            base_filters=32,
            batch_size=16,
            train_steps=600,
            pairs=name.split("_")[1],
            loss="l1_cgan",
            receptive_field=16,
            lambda_l1=100.0,
            jitter=True,
            **common,
        )
    elif name == "cyclegan":
        config = configs.get(
            "cyclegan",
            base_filters=16,
            batch_size=8,
            # 500 steps (the first budget) left G(a) worse than the untrained generator.
            train_steps=1500,
            domain_b="inverted",
            num_residual_blocks=3,
            receptive_field=16,
            # No identity loss (sec. 5.2): it asks G(b) = b, while the known right answer
            # here is G(x) = -x for every x; the paper adds it for color-preserving tasks.
            lambda_id=0.0,
            **common,
        )
    elif name in STARGAN_DOMAINS:
        settings = {
            # The derived domains (RGB with colorized); one-hot labels, one exclusive group.
            "domains": list(STARGAN_DOMAINS[name]),
            # 300 steps (the first budget) were not enough to beat the mean-image baseline.
            "train_steps": STARGAN_STEPS.get(name, 1000),
            "d_steps": 5,
            "d_learning_rate": 1e-4,
            "g_learning_rate": 1e-4,
            "batch_size": 16,
            "base_filters": 16,
            "num_residual_blocks": 3,
            **STARGAN_TRAINING.get(name, {}),
            **STARGAN_OPTIONS.get(name, {}),  # an ablation's settings override the proof's
        }
        config = configs.get("stargan", **settings, **common)
    else:
        raise app.UsageError(f"unknown proof {name!r}: choose from {', '.join(PROOFS)}")
    if FLAGS.steps:
        config = config.replace(train_steps=FLAGS.steps)
    return config


# --- Verdict ----------------------------------------------------------------------------------


def headline(variant: str, metrics: dict, baseline: str = "") -> tuple[float, float] | None:
    """(L1, PSNR) of the proof's main task -- G(a) vs T(a) for CycleGAN, the mean over all
    pairs for StarGAN -- for the model, or for `baseline` (identity, mean); None when the
    metrics have no such entry (no identity baseline when input and output channels differ)."""
    prefix = {"pix2pix": "model", "cyclegan": "a_to_b", "stargan": "model"}[variant]
    if baseline:
        prefix = f"{baseline}_a_to_b" if variant == "cyclegan" else baseline
    if f"{prefix}_l1" not in metrics:
        return None
    return metrics[f"{prefix}_l1"], metrics[f"{prefix}_psnr"]


def verdict(variant: str, trained: dict, untrained: dict) -> dict:
    """The headline errors of the model and of each baseline, and whether the model passes."""
    model_l1, model_psnr = headline(variant, trained)
    baselines = {"untrained": headline(variant, untrained)}
    for name in ("identity", "mean"):
        baselines[name] = headline(variant, trained, name)
    baselines = {k: v for k, v in baselines.items() if v is not None}
    best_l1 = min(l1 for l1, _ in baselines.values())
    best_psnr = max(p for _, p in baselines.values())
    return {
        "l1": model_l1,
        "psnr": model_psnr,
        "baselines": {k: {"l1": l1, "psnr": p} for k, (l1, p) in baselines.items()},
        "l1_vs_best_baseline": model_l1 / best_l1,
        "passes": bool(model_l1 <= (1 - MARGIN) * best_l1 and model_psnr > best_psnr),
    }


# --- Held-out grids ------------------------------------------------------------------------------


def columns_grid(columns: list) -> np.ndarray:
    """uint8 grid of same-sized image columns (each (rows, h, w, c) in [-1, 1]; gray ones are
    repeated to RGB beside color ones) on a mid-gray ground, so that white backgrounds
    (inverted images) stay visible, enlarged GRID_SCALE times (nearest neighbour)."""
    columns = [np.asarray(c, np.float32) for c in columns]
    channels = max(c.shape[-1] for c in columns)
    columns = [np.repeat(c, channels, -1) if c.shape[-1] != channels else c for c in columns]
    rows, h, w, _ = columns[0].shape
    pad = GRID_PAD
    grid = np.full((rows * (h + pad) + pad, len(columns) * (w + pad) + pad, channels), 128)
    for j, column in enumerate(columns):
        pixels = np.clip(np.round((column + 1.0) * 127.5), 0, 255)
        for i in range(rows):
            top, left = pad + i * (h + pad), pad + j * (w + pad)
            grid[top : top + h, left : left + w] = pixels[i]
    grid = np.repeat(np.repeat(grid, GRID_SCALE, axis=0), GRID_SCALE, axis=1)
    return grid.astype(np.uint8)


def truth_grid(model, config) -> np.ndarray:
    """Held-out test images, each row a translation beside its known truth.

    pix2pix:  input | G(input) | truth
    CycleGAN: a | G(a) | truth T(a) | F(G(a)) (cycle, ~a) | F(T(a)) (B -> A, truth: column 1)
    StarGAN:  rows in pairs: T_s(x) | G(T_s(x), t) for every domain t (s = row mod k), and
              under it an empty (gray) cell | the truth T_t(x) for every t.
    """
    held_out = {
        "dataset": config.dataset,
        "batch_size": GRID_ROWS,
        "image_size": config.image_size,
        "data_dir": config.data_dir,
        "manual_dir": config.manual_dir,
    }
    if config.variant == "pix2pix":
        pairs = tr.paired_pipeline(**held_out, task=config.pairs, train=False)
        inputs, targets = next(iter(pairs))
        return columns_grid([inputs, model.translate(inputs), targets])
    if config.variant == "cyclegan":
        pairs = tr.unpaired_truth_pairs(**held_out, domain_b=config.domain_b)
        a, b = next(iter(pairs))
        fake_b = model.translate(a)
        return columns_grid(
            [a, fake_b, b, model.translate(fake_b, to_b=False), model.translate(b, to_b=False)]
        )
    stack = next(iter(tr.multi_domain_truth(**held_out, domains=config.derived_domains)))
    k = stack.shape[0]
    blank = np.zeros(stack.shape[2:], np.float32)  # mid-gray, the grid's ground
    rows = []
    for i in range(GRID_ROWS):
        source = stack[i % k, i : i + 1]
        translated = [model.translate(source, tf.one_hot([t], k))[0] for t in range(k)]
        rows.append([source[0], *translated])
        rows.append([blank, *(stack[t, i] for t in range(k))])
    return columns_grid([np.stack([row[c] for row in rows]) for c in range(k + 1)])


# --- Running a proof -----------------------------------------------------------------------------


def command_line() -> str:
    """The command that reproduces this run (the benchmark flags given explicitly)."""
    given = [FLAGS[n].serialize() for n in BENCH_FLAGS if FLAGS[n].present]
    return shlex.join(["python", "benchmarks/translation.py", *given])


def run_proof(name: str, out: pathlib.Path) -> dict:
    from gan_tf import api
    from gan_tf.metrics.reconstruction import evaluate_translation
    from gan_tf.training.checkpoints import checkpoint_manager, restore_latest

    config = proof_config(name)
    suffix = "xla" if config.jit_compile else "noxla"
    run_name = seeded_name(name, config.seed)
    workdir = pathlib.Path(FLAGS.workdir_root) / f"{run_name}_{suffix}"
    if workdir.exists() and not FLAGS.resume:  # a proof trains from scratch unless --resume
        shutil.rmtree(workdir)
    record = {"proof": name, "variant": config.variant, "seed": config.seed}
    begin = time.perf_counter()

    # Baseline: the untrained generator, built as `run` builds it (same seed).
    untrained = None
    if FLAGS.evaluate:
        untrained = evaluate_translation(api.build(config), config, FLAGS.eval_examples)

    # Train.
    result = api.run(config, workdir)
    model = api.build(config)
    step = restore_latest(checkpoint_manager(model, workdir))
    record.update(
        resumed_from=result.start_step,  # 0 unless --resume found a checkpoint
        step=step,
        batch_size=config.batch_size,
        jit_compile=config.jit_compile,
        steps_per_second=result.steps_per_second,
        first_step_seconds=result.first_step_seconds,
        train_seconds=round(result.seconds, 1),
    )

    # Evaluate on held-out images.
    if FLAGS.evaluate:
        trained = evaluate_translation(model, config, FLAGS.eval_examples)
        record.update(verdict=verdict(config.variant, trained, untrained))
        record.update(metrics=trained, untrained=untrained)
    if FLAGS.grids:
        path = out / f"{run_name}.png"
        save_png(path, truth_grid(model, config))
        record["grid"] = str(path)
    record["wall_seconds"] = round(time.perf_counter() - begin, 1)
    record["command"] = command_line()
    return record


def seeded_name(name: str, seed: int) -> str:
    """A proof's run name: the proof itself for seed 0, <proof>_seed<N> for another seed."""
    return f"{name}_seed{seed}" if seed else name


def record_seed(record: dict) -> int:
    """A record's seed; records made before --seed existed are seed 0's."""
    return record.get("seed", 0)


def record_name(record: dict) -> str:
    """The run name a record is shown under: its proof, with _seed<N> for another seed."""
    return seeded_name(record["proof"], record_seed(record))


def record_result(path: pathlib.Path, record: dict) -> list[dict]:
    """Writes `record` into the JSON-lines file `path`, replacing an earlier record of the same
    proof, XLA setting and seed (so the file holds each proof's latest run); returns all
    records."""
    records = []
    if path.exists():
        records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def key(r: dict) -> tuple:
        return r["proof"], r["jit_compile"], record_seed(r)

    records = [r for r in records if key(r) != key(record)] + [record]
    path.write_text("".join(json.dumps(r, allow_nan=False) + "\n" for r in records))
    return records


def _cell(l1: float, psnr: float) -> str:
    return f"{l1:.3f} / {psnr:.1f}"


def markdown_tables(records: list[dict]) -> str:
    """The records as Markdown tables: L1 / PSNR (dB) of the model and its baselines on the
    held-out images, the verdict and the speed; then CycleGAN's four errors and StarGAN's
    errors per target domain and per (source, target) pair."""
    lines = [
        "| proof | XLA | steps | model | untrained G | identity | mean image | model L1 / best "
        "baseline L1 | passes | train s | steps/s | first step s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        speed = f"{r['steps_per_second']:.2f}" if r.get("steps_per_second") else "-"
        first = f"{r['first_step_seconds']:.1f}" if r.get("first_step_seconds") else "-"
        steps = f"{r['step']}" + (
            f" (resumed at {r['resumed_from']})" if r.get("resumed_from") else ""
        )
        common = f"| {record_name(r)} | {'on' if r['jit_compile'] else 'off'} | {steps} |"
        timing = f"{r['train_seconds']} | {speed} | {first} |"
        if "verdict" not in r:
            lines.append(f"{common} - | - | - | - | - | - | {timing}")
            continue
        v, b = r["verdict"], r["verdict"]["baselines"]
        base = [_cell(**b[k]) if k in b else "n/a" for k in ("untrained", "identity", "mean")]
        lines.append(
            f"{common} **{_cell(v['l1'], v['psnr'])}** | {' | '.join(base)} | "
            f"{v['l1_vs_best_baseline']:.2f} | {'yes' if v['passes'] else 'NO'} | {timing}"
        )
    for r in records:
        if r["variant"] == "cyclegan" and "metrics" in r:
            m, u = r["metrics"], r["untrained"]
            lines += [
                "",
                f"CycleGAN ({r['proof']}, step {r['step']}), L1 / PSNR on held-out images:",
                "",
                "| error | model | untrained | identity | mean image |",
                "|---|---|---|---|---|",
            ]
            for key, label in (
                ("a_to_b", "G(a) vs truth T(a)"),
                ("b_to_a", "F(b) vs truth a, b = T(a)"),
                ("cycle_a", "cycle F(G(a)) vs a"),
                ("cycle_b", "cycle G(F(b)) vs b"),
            ):
                cells = [_cell(d[f"{key}_l1"], d[f"{key}_psnr"]) for d in (m, u)]
                for baseline in ("identity", "mean"):
                    k = f"{baseline}_{key}"
                    cells.append(_cell(m[f"{k}_l1"], m[f"{k}_psnr"]) if f"{k}_l1" in m else "-")
                lines.append(f"| {label} | {' | '.join(cells)} |")
        if r["variant"] == "stargan" and "metrics" in r:
            m, u = r["metrics"], r["untrained"]
            lines += [
                "",
                f"StarGAN ({record_name(r)}, step {r['step']}), "
                "L1 / PSNR per target domain t (mean over the other source domains):",
                "",
                "| target | model | untrained | identity | mean image |",
                "|---|---|---|---|---|",
            ]
            for name, t in m["per_target"].items():
                ut = u["per_target"][name]
                lines.append(
                    f"| {name} | **{_cell(t['model_l1'], t['model_psnr'])}** | "
                    f"{_cell(ut['model_l1'], ut['model_psnr'])} | "
                    f"{_cell(t['identity_l1'], t['identity_psnr'])} | "
                    f"{_cell(t['mean_l1'], t['mean_psnr'])} |"
                )
            names = m["domains"]
            lines += [
                "",
                "L1 of G(T_s(x), t) against T_t(x), source s (rows) to target t (columns); "
                "on the diagonal G(T_s(x), s) against its input T_s(x) (own domain; '-' in "
                "records made before it was measured):",
                "",
                f"| s \\ t | {' | '.join(names)} |",
                "|---" * (len(names) + 1) + "|",
            ]
            for name, row in zip(names, m["l1_matrix"], strict=True):
                cells = ["-" if v is None else f"{v:.3f}" for v in row]
                lines.append(f"| {name} | {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def run_proofs() -> list[dict]:
    """Runs the proofs of --proofs in turn; returns their records. Each is printed as it
    finishes and written into <out>/results.jsonl (replacing the same proof's earlier record),
    and <out>/results.md is rewritten from all of them."""
    unknown = [p for p in FLAGS.proofs if p not in PROOFS]
    if unknown:
        raise app.UsageError(f"unknown proof {unknown[0]!r}: choose from {', '.join(PROOFS)}")
    out = pathlib.Path(FLAGS.out)
    out.mkdir(parents=True, exist_ok=True)
    records = []
    for name in FLAGS.proofs:
        record = run_proof(name, out)
        print(json.dumps(record, allow_nan=False), flush=True)
        everything = record_result(out / "results.jsonl", record)
        (out / "results.md").write_text(markdown_tables(everything))
        records.append(record)
    return records


def main(argv):
    from gan_tf.experiments.common import interrupt_on_signals

    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    # `kill` (SIGTERM), and Ctrl-C also in a backgrounded run, saves the proof's checkpoint at
    # the current step, as the experiments do, so that --resume continues from there.
    interrupt_on_signals()
    try:
        run_proofs()
    except KeyboardInterrupt as stop:
        sys.exit(f"stopped ({stop}): run the same command with --resume to continue")


if __name__ == "__main__":
    app.run(main)
