"""The conditional learning proof's plan: equal images per model, commands every experiment
accepts, the report before and after a run."""

import json

from absl import flags

from benchmarks import conditional
from gan_tf import configs
from gan_tf.experiments import common

SETTINGS = conditional.Settings(budget_images=64_000, manual_dir="archives")


def test_every_model_sees_the_same_real_images():
    for model in conditional.MODELS:
        steps = model.steps(SETTINGS.budget_images)
        assert steps * model.batch_size * model.d_steps == SETTINGS.budget_images


def test_the_commands_parse_with_each_models_batch_and_d_steps():
    for model in conditional.MODELS:
        command = conditional.train_command(SETTINGS, model)
        config_cls = configs.config_class(model.variant)
        values = flags.FlagValues()
        common.define_flags(config_cls, flag_values=values)
        common.parse_flags(config_cls, ["experiment", *command[3:]], values)
        config = common.config_from_flags(config_cls, values)
        assert (config.batch_size, config.d_steps) == (model.batch_size, model.d_steps)
        assert config.num_classes == 10 and config.image_size == 32
        assert config.train_steps == model.steps(SETTINGS.budget_images)


def test_the_report_lists_runs_not_yet_made_and_then_their_metrics(tmp_path):
    settings = conditional.Settings(budget_images=64_000, runs_root=str(tmp_path))
    text = conditional.render(settings, tmp_path / "out")
    with_ema = [m for m in conditional.MODELS if m.ema]  # a row for G itself too
    assert text.count("(not yet)") == 5 * (len(conditional.MODELS) + len(with_ema))
    model = conditional.MODELS[0]
    workdir = settings.workdir(model)
    (workdir / "checkpoints").mkdir(parents=True)
    step = model.steps(settings.budget_images)
    (workdir / "checkpoints" / "checkpoint").write_text(f'model_checkpoint_path: "ckpt-{step}"\n')
    metrics = {"fid": 41.234, "kid": 0.0123, "cs": 7.5, "fcd": 3.2, "agreement": 0.812}
    record = {"num_samples": 5_000, "metrics": metrics, "generator": "raw"}
    (workdir / "eval").mkdir()
    (workdir / "eval" / f"step_{step}.json").write_text(json.dumps({"evaluations": [record]}))
    text = conditional.render(settings, tmp_path / "out")
    assert "| cgan | 1,000 | 41.23 | 12.30 | 7.50 | 3.20 | 0.812 |" in text


def test_a_model_with_an_ema_generator_has_a_row_for_g_itself(tmp_path):
    settings = conditional.Settings(budget_images=64_000, runs_root=str(tmp_path))
    model = next(m for m in conditional.MODELS if m.ema)
    workdir = settings.workdir(model)
    (workdir / "checkpoints").mkdir(parents=True)
    step = model.steps(settings.budget_images)
    (workdir / "checkpoints" / "checkpoint").write_text(f'model_checkpoint_path: "ckpt-{step}"\n')
    records = [
        {"num_samples": 5_000, "generator": generator, "metrics": {
            "fid": fid, "kid": 0.01, "cs": 7.0, "fcd": 3.0, "agreement": 0.8}}
        for generator, fid in (("ema", 57.6), ("raw", 35.3))
    ]  # fmt: skip
    (workdir / "eval").mkdir()
    (workdir / "eval" / f"step_{step}.json").write_text(json.dumps({"evaluations": records}))
    text = conditional.render(settings, tmp_path / "out")
    assert f"| {model.name} | {step:,} | 57.60 |" in text
    assert f"| {model.name} (G itself, not its EMA) | {step:,} | 35.30 |" in text
    assert "--raw_generator" in text
