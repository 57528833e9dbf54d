"""Smoke test of the translation learning proofs (benchmarks/translation.py).

The proofs train for minutes; here one trains for two steps on real Fashion-MNIST (prepared
from ../shared/data; skipped when it is absent), so only the plumbing is checked -- flags,
training, held-out evaluation with its baselines, the verdict, the grid, the JSON record --
not the numbers. The verdict and the grids are also checked without training.
"""

import dataclasses
import json
import signal

import numpy as np
import pytest
import tensorflow as tf
from absl import app, flags

from benchmarks import translation as bench
from gan_tf.configs.stargan import StarGANConfig
from tests.data.test_translation import prepared_fashion_mnist

FLAGS = flags.FLAGS


@pytest.fixture(scope="module")
def fashion_dir(tmp_path_factory):
    return prepared_fashion_mnist(tmp_path_factory)


@pytest.mark.long
@pytest.mark.timeout(300)  # the shared fixture may prepare Fashion-MNIST first
def test_one_proof_end_to_end(tmp_path, parse_flags, fashion_dir):
    out = tmp_path / "out"
    parse_flags(
        "--proofs=pix2pix_inverted",
        "--steps=2",
        "--eval_examples=20",
        f"--data_dir={fashion_dir}",
        f"--out={out}",
        f"--workdir_root={tmp_path / 'runs'}",
        "--nojit_compile",
    )
    [record] = bench.run_proofs()

    assert record["proof"] == "pix2pix_inverted" and record["step"] == 2
    assert record["steps_per_second"] > 0 and record["first_step_seconds"] > 0
    assert record["metrics"]["examples"] == record["untrained"]["examples"] == 20
    verdict = record["verdict"]
    assert set(verdict["baselines"]) == {"untrained", "identity", "mean"}
    assert verdict["l1"] == record["metrics"]["model_l1"]
    assert isinstance(verdict["passes"], bool)
    assert (out / "pix2pix_inverted.png").stat().st_size > 0
    assert "--proofs=pix2pix_inverted" in record["command"] and "--steps=2" in record["command"]
    # One strict-JSON line per proof in results.jsonl, equal to the returned record.
    [line] = (out / "results.jsonl").read_text().splitlines()
    assert json.loads(line) == record
    table = (out / "results.md").read_text()
    assert "| pix2pix_inverted | off | 2 |" in table


def test_results_keep_the_latest_run_of_each_proof(tmp_path):
    path = tmp_path / "results.jsonl"
    first = {"proof": "cyclegan", "jit_compile": False, "step": 1}
    other = {"proof": "stargan", "jit_compile": False, "step": 1}
    with_xla = {"proof": "cyclegan", "jit_compile": True, "step": 1}
    for record in (first, other, with_xla):
        bench.record_result(path, record)
    records = bench.record_result(path, {**first, "step": 2})
    assert records == [other, with_xla, {**first, "step": 2}]
    assert [json.loads(line) for line in path.read_text().splitlines()] == records
    # Another seed is another run: kept beside seed 0's (records without a seed are seed 0).
    seed_1 = {**first, "seed": 1, "step": 3}
    records = bench.record_result(path, seed_1)
    assert records == [other, with_xla, {**first, "step": 2}, seed_1]
    records = bench.record_result(path, {**first, "seed": 0, "step": 4})
    assert records == [other, with_xla, seed_1, {**first, "seed": 0, "step": 4}]


def test_seed_flag_reaches_every_proof_and_names_its_runs(parse_flags):
    parse_flags("--seed=3")
    for proof in ("pix2pix_edges", "cyclegan", "stargan_pointwise_modulated_random"):
        config = bench.proof_config(proof)
        assert config.seed == 3, proof
    assert bench.seeded_name("cyclegan", 3) == "cyclegan_seed3"
    assert bench.seeded_name("cyclegan", 0) == "cyclegan"
    table = bench.markdown_tables(
        [
            {
                "proof": "cyclegan",
                "variant": "cyclegan",
                "jit_compile": False,
                "seed": 3,
                "step": 5,
                "train_seconds": 1.0,
            }
        ]
    )
    assert "| cyclegan_seed3 | off | 5 |" in table


def test_unknown_proof_is_a_usage_error(tmp_path, parse_flags):
    parse_flags("--proofs=pix2pix_edges,dcgan", f"--out={tmp_path}")
    with pytest.raises(app.UsageError, match="unknown proof 'dcgan'"):
        bench.run_proofs()


def test_verdict_needs_a_clear_margin_over_every_baseline():
    def metrics(model_l1, model_psnr):
        return {
            "model_l1": model_l1,
            "model_psnr": model_psnr,
            "identity_l1": 0.7,
            "identity_psnr": 2.0,
            "mean_l1": 0.2,
            "mean_psnr": 12.0,
        }

    untrained = {"model_l1": 0.4, "model_psnr": 8.0}
    good = bench.verdict("pix2pix", metrics(0.1, 15.0), untrained)
    assert good["passes"] and good["l1_vs_best_baseline"] == pytest.approx(0.5)
    assert set(good["baselines"]) == {"untrained", "identity", "mean"}
    # Better than the mean image, but not by the margin: no pass.
    assert not bench.verdict("pix2pix", metrics(0.19, 13.0), untrained)["passes"]
    # L1 by the margin but PSNR below a baseline's: no pass.
    assert not bench.verdict("pix2pix", metrics(0.1, 11.0), untrained)["passes"]
    # CycleGAN's headline is G(a) against the truth of a.
    cycle = {"a_to_b_l1": 0.05, "a_to_b_psnr": 20.0, "mean_a_to_b_l1": 0.2}
    cycle["mean_a_to_b_psnr"] = 12.0
    verdict = bench.verdict("cyclegan", cycle, {"a_to_b_l1": 0.4, "a_to_b_psnr": 7.0})
    assert verdict["passes"] and set(verdict["baselines"]) == {"untrained", "mean"}


class Negate:
    def translate(self, images, to_b=True):
        return -tf.convert_to_tensor(images)


class Identity:
    def translate(self, images, domains):
        return tf.convert_to_tensor(images)


@pytest.mark.parametrize(
    "proof,columns,rows",
    [
        ("pix2pix_edges", 3, 8),
        ("cyclegan", 5, 8),
        ("stargan", 5, 16),
        ("stargan_pointwise", 4, 16),  # no rotated domain
        ("stargan_inverted", 3, 16),
        ("stargan_colorized", 3, 16),  # RGB: the colorized domain's channels
        ("stargan_rotated", 3, 16),
    ],
)
def test_truth_grids(proof, columns, rows, parse_flags, fashion_dir):
    parse_flags(f"--data_dir={fashion_dir}")
    config = bench.proof_config(proof)
    model = Identity() if proof.startswith("stargan") else Negate()
    grid = bench.truth_grid(model, config)
    size = (32 + bench.GRID_PAD) * bench.GRID_SCALE
    pad = bench.GRID_PAD * bench.GRID_SCALE
    assert grid.dtype == np.uint8
    assert grid.shape == (rows * size + pad, columns * size + pad, config.channels)
    if proof == "cyclegan":
        # -a is the truth: the G(a) column equals the T(a) column.
        cell = slice(pad, pad + 32 * bench.GRID_SCALE)
        g_a = grid[cell, size + pad : 2 * size]
        truth = grid[cell, 2 * size + pad : 3 * size]
        np.testing.assert_array_equal(g_a, truth)


def test_stargan_proof_budgets(parse_flags):
    parse_flags()
    assert bench.proof_config("stargan").train_steps == 1000
    assert bench.proof_config("stargan_colorized").train_steps == 2000
    flags.FLAGS.unparse_flags()
    parse_flags("--steps=30")  # --steps overrides every proof's budget
    assert bench.proof_config("stargan_colorized").train_steps == 30


def test_stargan_ablations_change_only_what_they_name(parse_flags):
    parse_flags()
    inverted = "stargan_inverted"
    other = {"target_domains": "other"}
    expected = {
        "stargan_inverted_least_squares": (inverted, {"adversarial_loss": "least_squares"}, {}),
        "stargan_inverted_modulated": (inverted, {"domain_conditioning": "input_and_norms"}, {}),
        "stargan_inverted_cyclegan_schedule": (
            inverted,
            {"adversarial_loss": "least_squares"},
            {"d_steps": 1, "d_learning_rate": 2e-4, "g_learning_rate": 2e-4},
        ),
        "stargan_inverted_patch": (inverted, {"d_layers": 2}, {}),
        "stargan_inverted_batch8": (inverted, {}, {"batch_size": 8}),
        "stargan_inverted_batch8_no_classification": (
            inverted,
            {"lambda_cls": 0.0},
            {"batch_size": 8},
        ),
        "stargan_inverted_batch8_rec1": (inverted, {"lambda_rec": 1.0}, {"batch_size": 8}),
        "stargan_inverted_other_target": (inverted, other, {}),
        "stargan_pointwise_other_target": ("stargan_pointwise", other, {}),
        "stargan_other_target": ("stargan", other, {}),
        **{
            f"{base}_modulated_random": (
                base,
                {"domain_conditioning": "input_and_norms", "modulation_stddev": 0.5},
                {},
            )
            for base in ("stargan", "stargan_pointwise", inverted)
        },
        **{
            f"{base}_modulated_random_identity": (
                base,
                {
                    "domain_conditioning": "input_and_norms",
                    "modulation_stddev": 0.5,
                    "lambda_id": 5.0,
                },
                {},
            )
            for base in ("stargan", "stargan_pointwise", inverted)
        },
        **{
            f"{base}_modulated_random_wide": (
                base,
                {
                    "domain_conditioning": "input_and_norms",
                    "modulation_stddev": 0.5,
                    "num_residual_blocks": 6,
                },
                {"base_filters": 32},
            )
            for base in ("stargan", "stargan_pointwise")
        },
    }
    assert set(expected) == set(bench.ABLATIONS)
    paper_defaults = StarGANConfig()
    for base in ("stargan", "stargan_pointwise", inverted):
        paper = bench.proof_config(base)
        assert paper.d_steps == 5 and paper.d_learning_rate == paper.g_learning_rate == 1e-4
        # The model's settings are the paper's (lambda_cls 1, lambda_rec 10, no identity term).
        for option in (
            "adversarial_loss",
            "domain_conditioning",
            "modulation_stddev",
            "target_domains",
            "lambda_cls",
            "lambda_rec",
            "lambda_gp",
            "lambda_id",
            "d_layers",
        ):
            assert getattr(paper, option) == getattr(paper_defaults, option), (base, option)
        assert paper.num_residual_blocks == 3 and paper.base_filters == 16
        assert paper.domain_names == list(bench.STARGAN_DOMAINS[base])
        assert paper.derived_domains == paper.domain_names and not paper.multi_label
        assert paper.exclusive_groups == [list(range(len(paper.domain_names)))]
    for proof, (base, options, training) in expected.items():
        paper = dataclasses.asdict(bench.proof_config(base))
        config = dataclasses.asdict(bench.proof_config(proof))
        changed = {k: v for k, v in config.items() if v != paper[k]}
        assert changed == {**options, **training}, proof


def test_proofs_are_the_paper_configs_with_their_overrides(parse_flags):
    parse_flags()
    pix2pix = bench.proof_config("pix2pix_edges")
    assert (pix2pix.variant, pix2pix.pairs, pix2pix.receptive_field) == ("pix2pix", "edges", 16)
    assert (pix2pix.channels, pix2pix.input_channels, pix2pix.image_size) == (1, 1, 32)
    assert (pix2pix.loss, pix2pix.lambda_l1, pix2pix.jitter) == ("l1_cgan", 100.0, True)
    assert bench.proof_config("pix2pix_inverted").pairs == "inverted"
    cyclegan = bench.proof_config("cyclegan")
    assert (cyclegan.domain_b, cyclegan.lambda_id, cyclegan.lambda_cyc) == ("inverted", 0.0, 10.0)
    assert (cyclegan.num_residual_blocks, cyclegan.receptive_field) == (3, 16)
    assert (cyclegan.batch_size, cyclegan.base_filters, cyclegan.train_steps) == (8, 16, 1500)
    assert bench.proof_config("stargan").channels == 3  # colorized is RGB
    assert bench.proof_config("stargan_inverted").channels == 1


def test_ablations_run_only_when_named(parse_flags):
    parse_flags()
    assert set(FLAGS.proofs) == set(bench.PROOFS) - set(bench.ABLATIONS)
    assert {"pix2pix_edges", "cyclegan", "stargan", "stargan_inverted"} <= set(FLAGS.proofs)
    assert set(bench.ABLATIONS) == set(bench.STARGAN_OPTIONS) | set(bench.STARGAN_TRAINING)
    assert bench.ABLATIONS


def test_main_makes_sigterm_stop_a_proof_like_ctrl_c(parse_flags, monkeypatch):
    # The runner saves a checkpoint on KeyboardInterrupt; main must turn SIGTERM into one.
    parse_flags()
    previous = {n: signal.getsignal(n) for n in (signal.SIGTERM, signal.SIGINT)}
    seen = []
    monkeypatch.setattr(bench, "run_proofs", lambda: seen.append(signal.getsignal(signal.SIGTERM)))
    try:
        bench.main(["translation"])
        [handler] = seen
        with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
            handler(signal.SIGTERM, None)

        # A stopped run ends with one line saying how to continue, not a traceback.
        def stopped():
            raise KeyboardInterrupt("signal SIGTERM")

        monkeypatch.setattr(bench, "run_proofs", stopped)
        with pytest.raises(SystemExit, match="--resume to continue"):
            bench.main(["translation"])
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def test_the_recorded_tables_render_from_their_records_unchanged():
    # experiments/translation holds records measured on earlier code; the tables must still
    # render from them byte for byte (no recorded number is rewritten by a code change).
    from tests.conftest import REPO_ROOT

    recorded = sorted((REPO_ROOT / "experiments" / "translation").rglob("results.jsonl"))
    assert recorded
    for path in recorded:
        records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        table = path.with_name("results.md").read_text()
        assert bench.markdown_tables(records) == table, path
