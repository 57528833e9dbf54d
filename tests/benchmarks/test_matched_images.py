"""The learning proofs at matched images (PGGAN's, StyleGAN2's): measuring points, commands
every experiment accepts with the same images for each model, the report before any run."""

import pytest
from absl import flags

from benchmarks import matched_images
from benchmarks import pggan as proof
from gan_tf import configs
from gan_tf.experiments import common


@pytest.fixture
def proof_flags(monkeypatch, tmp_path):
    values = flags.FlagValues()
    matched_images.define_flags(proof.PROOF, values)
    values(["proof", f"--runs_root={tmp_path}", "--manual_dir=archives"])
    monkeypatch.setattr(matched_images, "FLAGS", values)
    return values


def test_measuring_points_end_each_stable_phase_of_the_small_preset():
    assert proof.measuring_points() == [
        (30_016, "4x4"), (90_048, "8x8"), (150_016, "16x16"), (210_048, "32x32"),
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
        command = matched_images.train_command(model, "mnist", 90_048, tmp_path / model.name)
        config = parsed(command)
        assert config.image_size == 32 and config.manual_dir == "archives"
        if model.variant == "pggan":
            assert config.total_images == 90_048
            assert config.progressive == (model.name == "pggan")
        else:
            assert config.train_steps * config.batch_size == 90_048 // 64 * 64


def test_the_report_lists_points_not_yet_measured(proof_flags, tmp_path):
    text = matched_images.render(proof.PROOF, "benchmarks.pggan")
    assert (
        text.count("(not yet)") == 3 * len(proof.MODELS) * 4 * 2
    )  # 3 columns, 4 points, 2 datasets
    assert "--noprogressive" in text and "--total_images=210048" in text


def test_stylegan2_proof_matches_images_across_batches(monkeypatch, tmp_path):
    from benchmarks import stylegan2

    values = flags.FlagValues()
    matched_images.define_flags(stylegan2.PROOF, values)
    values(["proof", f"--runs_root={tmp_path}"])
    monkeypatch.setattr(matched_images, "FLAGS", values)
    for model in stylegan2.MODELS:
        config = parsed(matched_images.train_command(model, "fashion_mnist", 150_000, tmp_path))
        per_step = config.batch_size * getattr(config, "d_steps", 1)
        assert per_step == model.batch and config.image_size == 32
        assert config.train_steps * per_step == 150_000 // model.batch * model.batch


def test_the_report_data_holds_each_measured_point(proof_flags, tmp_path):
    import json

    result = {"step": 469, "metrics": {"fid": 3.5, "fcd": 1.0}, "steps_per_second": 2.0}
    run = tmp_path / "mnist" / "pggan"
    run.mkdir(parents=True)
    (run / "proof_points.json").write_text(json.dumps({"30016": result}))
    out = tmp_path / "report"
    matched_images.write_report(proof.PROOF, "benchmarks.pggan", out)
    data = json.loads(out.with_suffix(".json").read_text())
    assert data["mnist"]["pggan"] == {"30016": result}
    assert data["fashion_mnist"]["dcgan"] == {}
    assert "| 30,016 | 4x4 | 3.50 | 1.00 | 2.00 |" in out.with_suffix(".md").read_text()
    assert (out / "fid.png").is_file() and "![FID against images](report/fid.png)" in (
        out.with_suffix(".md").read_text()
    )


def test_no_figure_before_any_point_is_measured(proof_flags, tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    assert matched_images.plot_fid(matched_images.collect(proof.PROOF), out) is None
    assert not (out / "fid.png").exists()


def test_fixed_points_are_labelled_in_thousands():
    from benchmarks import limited_data

    assert limited_data.PROOF.points() == [
        (100_000, "100k"),
        (200_000, "200k"),
        (300_000, "300k"),
        (450_000, "450k"),
        (600_000, "600k"),
    ]


def test_a_model_is_measured_up_to_its_last_point(proof_flags, tmp_path, monkeypatch):
    from benchmarks import limited_data

    measured = []
    monkeypatch.setattr(matched_images, "measure", lambda m, d, images, o: measured.append(images))
    proof_flags["out"].value = str(tmp_path / "report")
    short = next(m for m in limited_data.MODELS if m.name == "none_2000")
    extended = next(m for m in limited_data.MODELS if m.name == "none_500")
    for model in (short, extended):
        proof_flags["models"].value = [model.name]
        proof_flags["datasets"].value = ["fashion_mnist"]
        matched_images.run(limited_data.PROOF, "benchmarks.limited_data")
    assert measured == [100_000, 200_000, 300_000, *limited_data.POINTS]
    text = (tmp_path / "report.md").read_text()
    assert "none_2000" in text and text.count("--train_steps=9375") == 2  # 600k: 500-image runs
