"""PGGAN's learning proof's plan: measuring points at the ends of the stable phases, commands
every experiment accepts with the same images for each model, the report before any run."""

import pytest
from absl import flags

from benchmarks import pggan as proof
from gan_tf import configs
from gan_tf.experiments import common


@pytest.fixture
def proof_flags(monkeypatch, tmp_path):
    values = flags.FlagValues()
    proof.define_flags(values)
    values(["proof", f"--runs_root={tmp_path}", "--manual_dir=archives"])
    monkeypatch.setattr(proof, "FLAGS", values)
    return values


def test_measuring_points_end_each_stable_phase_of_the_small_preset():
    assert proof.measuring_points() == [
        (30_016, 4), (90_048, 8), (150_016, 16), (210_048, 32), (300_032, 32)
    ]  # fmt: skip


def parsed(command):
    variant = command[2].rsplit(".", 1)[1]
    config_cls = configs.config_class(variant)
    values = flags.FlagValues()
    common.define_flags(config_cls, flag_values=values)
    common.parse_flags(config_cls, ["experiment", *command[3:]], values)
    return common.config_from_flags(config_cls, values)


def test_each_model_is_trained_to_the_same_images(proof_flags, tmp_path):
    for model in proof.MODELS:
        config = parsed(proof.train_command(model, "mnist", 90_048, tmp_path / model.name))
        assert config.image_size == 32 and config.manual_dir == "archives"
        if model.variant == "pggan":
            assert config.total_images == 90_048
            assert config.progressive == (model.name == "pggan")
        else:
            assert config.train_steps * config.batch_size == 90_048 // 64 * 64


def test_the_report_lists_points_not_yet_measured(proof_flags, tmp_path):
    text = proof.render(tmp_path / "out")
    assert (
        text.count("(not yet)") == 3 * len(proof.MODELS) * 5 * 2
    )  # 3 columns, 5 points, 2 datasets
    assert "--noprogressive" in text and "--total_images=210048" in text
