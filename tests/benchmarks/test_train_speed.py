"""Tests of the training-speed benchmark on tiny configurations: it measures what it says and
reports sane fields; the timings themselves are not checked (they depend on the machine)."""

import json

import pytest
from absl import flags

from benchmarks import train_speed
from gan_tf import configs
from gan_tf.configs.base import RunConfig


def tiny_config(**overrides) -> RunConfig:
    values = {"dataset": "mnist_demo", "base_filters": 8, "batch_size": 8, "jit_compile": False}
    return configs.get("dcgan", **{**values, **overrides})


def test_variant_configs_are_the_paper_configs_in_one_process():
    # No flags are parsed: every variant's config in the same process, overrides by name.
    for variant in train_speed.ALL_VARIANTS:
        config = train_speed.variant_config(variant, batch_size=3, jit_compile=False)
        assert config == configs.get(variant, batch_size=3, jit_compile=False), variant
        assert config.variant == variant and config.image_size and config.channels
    wgan_gp = train_speed.variant_config("wgan_gp")
    assert (wgan_gp.d_steps, wgan_gp.beta_1, wgan_gp.batch_size) == (5, 0.0, 64)
    stargan = train_speed.variant_config("stargan")
    assert (stargan.dataset, stargan.image_size, stargan.multi_label) == ("celeb_a", 128, True)
    with pytest.raises(ValueError, match="unknown variant"):
        train_speed.variant_config("stylegan")


@pytest.mark.parametrize(
    "variant,overrides,shapes",
    [
        ("cgan", {"dataset": "mnist_demo"}, [(8, 28, 28, 1), (8,)]),
        ("wgan", {"dataset": "mnist_demo"}, [(40, 28, 28, 1)]),  # batch x n_critic
        ("pix2pix", {"image_size": 32}, [(8, 32, 32, 1), (8, 32, 32, 1)]),
        ("stargan", {"dataset": "fashion_mnist", "image_size": 32}, [(40, 32, 32, 3), (40, 4)]),
        ("stargan", {"image_size": 32}, [(40, 32, 32, 3), (40, 5)]),  # CelebA: multi-hot
    ],
)
def test_synthetic_batches_have_the_pipelines_shapes(variant, overrides, shapes):
    import tensorflow as tf

    config = train_speed.variant_config(variant, batch_size=8, **overrides)
    batch = tf.nest.flatten(train_speed.synthetic_batch(config))
    assert [tuple(t.shape) for t in batch] == shapes


# The time limits are generous: they include the session's first TensorFlow import (the
# autouse fixtures), which takes a minute on a machine busy with other jobs.
@pytest.mark.timeout(180)
def test_measure_train_step_reports_sane_fields():
    m = train_speed.measure_train_step(
        tiny_config(), steps=2, warmup=1, repeats=2, max_run_seconds=60
    )
    assert (m.variant, m.batch_size, m.examples_per_step, m.jit_compile) == ("dcgan", 8, 8, False)
    assert m.steps_per_run == 2 and len(m.run_seconds) == 2 and not m.budget_limited
    assert m.steps_per_second > 0
    assert m.images_per_second == pytest.approx(8 * m.steps_per_second)
    assert m.first_step_seconds > 0 and m.build_seconds > 0
    # First step, one warm-up step and four timed steps, all from one trace.
    assert m.traces == 1 and m.traced_once
    assert m.tracing_counts and all(c == 1 for c in m.tracing_counts)
    assert m.host_ops == []
    assert m.peak_rss_mib >= m.rss_before_build_mib > 0
    train_speed.check_traced_once([m])  # does not raise

    report = train_speed.markdown_report(
        machine={"CPU": "test"},
        command="python -m benchmarks.train_speed",
        settings={"steps": 2},
        loads=("0", "0"),
        total_seconds=1.0,
        steps=[m],
        step_failures=[],
        pipeline=None,
        feeds=[],
        overheads=[],
        shapes=None,
        other_failures=[],
    )
    row = next(line for line in report.splitlines() if line.startswith("| dcgan |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:5] == ["mnist_demo 28x28x1", "8", "8", "off"]
    assert float(cells[6]) > 0 and float(cells[9]) > 0  # steps/s, CPU s/step
    assert cells[10] == "2 × 2" and cells[11] == "1" and cells[13] == "none"


def test_a_retraced_step_fails_loudly():
    traced_twice = train_speed.StepMeasurement(
        variant="dcgan",
        dataset="mnist",
        image_size=28,
        channels=1,
        batch_size=64,
        examples_per_step=64,
        jit_compile=True,
        build_seconds=1.0,
        first_step_seconds=2.0,
        warmup_steps=1,
        steps_per_run=5,
        run_seconds=[1.0],
        run_cpu_seconds=[2.0],
        traces=2,
        tracing_counts=[1, 2],
        host_ops=[],
        peak_rss_mib=900.0,
        rss_before_build_mib=700.0,
        budget_limited=False,
    )
    assert not traced_twice.traced_once
    with pytest.raises(train_speed.RetraceError, match=r"dcgan batch 64 XLA on \(traces 2"):
        train_speed.check_traced_once([traced_twice])


@pytest.mark.timeout(180)
def test_a_smaller_batch_would_retrace_the_step():
    # The finding behind drop_remainder=True: a smaller last batch makes Keras retrace with a
    # relaxed batch dimension, which the adversarial train_step cannot take.
    outcome = train_speed.smaller_batch_probe(tiny_config())
    assert outcome.startswith("a batch of 5 after 8: retraced (2 traces)"), outcome


def test_budget_steps_fit_the_time_limit():
    assert train_speed.budget_steps(0.1, 20, 30.0) == 20
    assert train_speed.budget_steps(5.0, 20, 30.0) == 6
    assert train_speed.budget_steps(100.0, 20, 30.0) == 1
    assert train_speed.budget_steps(100.0, 20, 30.0, minimum=10) == 10


def test_default_plan_covers_every_variant_batch_and_xla_setting():
    fv = flags.FlagValues()
    train_speed.define_flags(fv)
    fv(["train_speed"])
    specs = list(train_speed.plan(fv))
    steps = [s for s in specs if s["kind"] == "step"]
    assert {s["variant"] for s in steps} == set(train_speed.ALL_VARIANTS)
    assert len(steps) == 9 * 2 * 2
    assert {s["batch_size"] for s in steps if s["variant"] == "dcgan"} == {32, 64}
    assert {s["batch_size"] for s in steps if s["variant"] == "stargan"} == {8, 16}
    assert [s["kind"] for s in specs if s["kind"] != "step"] == [
        "pipeline",
        "feed",
        "feed",
        "overhead",
        "overhead",
        "shapes",
    ]
    assert train_speed.invocation(fv) == "python -m benchmarks.train_speed"
    # The report is its own file: experiments/speed.md holds hand-written sections too.
    assert fv.out == "experiments/speed_table.md"


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_a_child_process_measures_the_experiments_default_model(monkeypatch):
    monkeypatch.setenv("GAN_TF_OFFLINE", "1")
    spec = {
        "kind": "step",
        "variant": "dcgan",
        "dataset": "mnist_demo",
        "batch_size": 4,
        "jit_compile": False,
        "steps": 1,
        "warmup": 0,
        "repeats": 1,
        "max_run_seconds": 60,
    }
    child = train_speed.run_child(spec, timeout=400)
    assert child.error is None, child.error
    m = train_speed.step_from_dict(child.result)
    # The experiment's defaults (DCGAN networks at 28x28), with the given batch and dataset.
    assert (m.variant, m.dataset, m.image_size, m.batch_size) == ("dcgan", "mnist_demo", 28, 4)
    assert m.traces == 1 and m.steps_per_second > 0
    assert json.dumps(child.result)  # a plain JSON record


def test_an_interrupted_run_resumes_from_its_journal(tmp_path, monkeypatch):
    # Every finished measurement is journaled and the report rewritten after each one; with
    # --resume a second run measures only what the first did not finish.
    from absl import flags

    specs = [{"kind": "pipeline", "n": i} for i in range(3)]
    measured = []

    stop_at_third = True

    class StoppedError(Exception):
        pass

    def fake_child(spec, timeout):
        if spec["n"] == 2 and stop_at_third:
            raise StoppedError  # the first run is stopped during its third measurement
        measured.append(spec["n"])
        result = {
            "dataset": "mnist",
            "batch_size": 64,
            "batches": 10,
            "static_shape": True,
            "first_batch_seconds": 1.0,
            "first_epoch_images_per_second": 100.0,
            "cached_images_per_second": 1000.0,
        }
        return train_speed.ChildResult(spec, result, 0.1)

    monkeypatch.setattr(train_speed, "plan", lambda fv: specs)
    monkeypatch.setattr(train_speed, "run_child", fake_child)
    monkeypatch.setattr(train_speed, "machine_description", lambda: {"CPU": "test"})
    out = tmp_path / "speed.md"

    def run(*args):
        fv = flags.FlagValues()
        train_speed.define_flags(fv)
        fv(["train_speed", f"--out={out}", *args])
        train_speed.main(["train_speed"], fv)

    with pytest.raises(StoppedError):
        run()
    assert measured == [0, 1]
    assert "Partial: 2 measurements" in out.read_text()
    assert len(train_speed.read_journal(train_speed.journal_path(out))) == 2
    stop_at_third = False
    run("--resume")
    assert measured == [0, 1, 2]  # only the missing one was measured again
    assert "Partial" not in out.read_text()
