"""Tests of the training-speed benchmarks (`make bench`, `make bench-quick`): the plans, the
step timer's trace count, the report, resume, bad flags and the PyTorch section; one run of
one variant end to end. The timings themselves are not checked (they depend on the machine)."""

import contextlib
import json
import sys
import types

import pytest

from benchmarks import speed_quick, train_speed
from gan_tf import configs


def measurement(variant="dcgan", default_xla=False, traces=1, ratio=2.0):
    def setting(rate, traces):
        return train_speed.Setting(3.0, 10, [10 / rate, 10 / rate], traces, 900.0)

    return train_speed.Measurement(
        variant, "mnist 28x28x1, batch 64", 64, default_xla, setting(ratio, traces), setting(1, 1)
    )


def test_variant_configs_are_the_paper_configs_in_one_process():
    for variant in train_speed.ALL_VARIANTS:
        config = train_speed.variant_config(variant, batch_size=3, jit_compile=False)
        assert config == configs.get(variant, batch_size=3, jit_compile=False), variant
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
        ("stargan", {"image_size": 32}, [(40, 32, 32, 3), (40, 5)]),  # CelebA: multi-hot
    ],
)
def test_synthetic_batches_have_the_pipelines_shapes(variant, overrides, shapes):
    import tensorflow as tf

    config = train_speed.variant_config(variant, batch_size=8, **overrides)
    batch = train_speed.synthetic_batch(config)
    assert [tuple(t.shape) for t in tf.nest.flatten(batch)] == shapes
    assert train_speed.examples_in(batch) == shapes[0][0]


def test_the_quick_plan_covers_every_variant_at_small_sizes():
    args = train_speed.parse(speed_quick.parser_for_quick(), [])
    assert args.variants == list(train_speed.ALL_VARIANTS)
    assert args.image_size == {v: speed_quick.QUICK_IMAGE_SIZE.get(v) for v in args.variants}
    assert args.batch_size == {v: speed_quick.QUICK_BATCH_SIZE.get(v) for v in args.variants}
    assert args.image_size["cyclegan"] <= 64 and args.image_size["stargan"] <= 64
    assert args.out.parts[-2:] == ("experiments", "speed_quick.md")
    full = train_speed.parse(train_speed.parser("x", out="o.md", defaults=train_speed.FULL), [])
    assert set(full.image_size.values()) == set(full.batch_size.values()) == {None}
    given = ["--variants=gan,stargan", "--image_size=32,stargan:16", "--batch_size=gan:2"]
    args = train_speed.parse(speed_quick.parser_for_quick(), given)
    assert (args.image_size, args.batch_size) == (
        {"gan": 32, "stargan": 16},
        {"gan": 2, "stargan": None},
    )


@pytest.mark.parametrize("module", [train_speed, speed_quick])
@pytest.mark.parametrize(
    "flag",
    [
        "--variants=dcgan,stylegan",
        "--steps=0",
        "--image_size=cyclegan:big",
        "--nope",
        "--peer_workloads=x",
    ],
)
def test_bad_flags_exit_2_with_one_line_and_write_nothing(module, flag, tmp_path, capsys):
    assert module.main([flag, f"--out={tmp_path}/speed.md"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_the_step_is_traced_once_and_a_retrace_fails():
    import tensorflow as tf

    config = configs.get(
        "dcgan", dataset="mnist_demo", base_filters=8, batch_size=8, jit_compile=False
    )
    timer = train_speed.StepTimer(config)
    assert timer.run(1) > 0 and timer.run(2) > 0
    assert timer.traces == 1
    # A batch of another shape makes Keras trace the step again.
    timer.iterator = iter(train_speed.memory_dataset(timer.batch[:5]))
    with contextlib.suppress(Exception):  # today the retraced adversarial step fails too
        timer.run(1)
    assert timer.traces == 2 and isinstance(timer.batch, tf.Tensor)
    train_speed.check_traced_once([measurement()])  # does not raise
    with pytest.raises(train_speed.RetraceError, match=r"dcgan XLA \(traces 2\)"):
        train_speed.check_traced_once([measurement(traces=2)])


def test_budget_steps_fit_the_block():
    assert train_speed.budget_steps(0.1, 20, 30.0) == 20
    assert train_speed.budget_steps(5.0, 20, 30.0) == 6
    assert train_speed.budget_steps(100.0, 20, 30.0) == 1


def test_the_report_table():
    report = train_speed.markdown_report(
        "T", {"Command": "`x`"}, [measurement(ratio=2.0)], ["cyclegan **failed**: boom"], 3
    )
    assert "**Partial: 2 of 3 variants measured so far.**" in report
    rows = [line for line in report.splitlines() if line.startswith("|")]
    head, _, row, failed = ([c.strip() for c in r.strip("|").split("|")] for r in rows)
    assert len(head) == len(row) == len(failed) == 11
    cells = dict(zip(head, row, strict=True))
    assert cells["default"] == "graph"
    assert cells["steps/s XLA / graph"] == "2 / **1**"  # the default in bold
    assert cells["images/s XLA / graph"] == "128 / **64**"
    assert cells["XLA ÷ graph"] == "2.00" and cells["traces"] == "1 / 1"
    assert cells["first step (s) XLA / graph"] == "3.0 / 3.0"
    assert cells["steps × blocks XLA / graph"] == "10 × 2 / 10 × 2"
    assert failed[0] == "cyclegan **failed**: boom"


def test_a_stopped_run_resumes_from_its_journal(tmp_path, monkeypatch, capsys):
    measured = []

    def fake_measure(variant, size, timing, timeout):
        if variant == "wgan" and not measured[1:]:
            raise KeyboardInterrupt  # the first run is stopped during its second variant
        if variant == "gan":
            raise train_speed.WorkerError("exit status 1: boom")
        measured.append(variant)
        return measurement(variant)

    monkeypatch.setattr(train_speed, "measure", fake_measure)
    monkeypatch.setattr(train_speed, "machine_description", lambda: {"CPU": "test"})
    out = tmp_path / "speed.md"
    argv = ["--variants=dcgan,wgan,gan", f"--out={out}"]
    with pytest.raises(KeyboardInterrupt):
        train_speed.main(argv)
    assert measured == ["dcgan"] and "Partial: 1 of 3" in out.read_text()
    measured.append("(stopped)")
    assert train_speed.main([*argv, "--resume"]) == 1  # gan failed
    assert measured == ["dcgan", "(stopped)", "wgan"]  # dcgan was not measured again
    report = out.read_text()
    assert "Partial" not in report and "| gan **failed**: exit status 1: boom |" in report
    journal = out.with_suffix(".measurements.jsonl").read_text().splitlines()
    assert [json.loads(line)[1]["variant"] for line in journal] == ["dcgan", "wgan"]
    assert "| wgan | mnist 28x28x1, batch 64 |" in capsys.readouterr().out  # the printed table


def test_the_pytorch_section(monkeypatch):
    monkeypatch.setitem(sys.modules, "benchmarks.peer_pytorch", None)  # does not import
    assert "does not import" in speed_quick.peer_section(["dcgan28"])[-1]
    fake = types.SimpleNamespace(torch_available=lambda: False)
    monkeypatch.setitem(sys.modules, "benchmarks.peer_pytorch", fake)
    assert speed_quick.peer_section(["dcgan28"])[-1] == speed_quick.TORCH_MISSING
    assert speed_quick.peer_section([]) == []

    class Result:
        workload = "dcgan28"

        def images_per_second(self, side):
            return {"torch": 100.0, "graph": 150.0, "xla": 50.0}[side]

        def ratio(self, side):
            return self.images_per_second(side) / 100.0

    def compare(workloads, **timing):
        if "wgan_gp" in workloads:
            raise RuntimeError("the torch worker failed:\nTraceback ...\nRuntimeError: boom")
        return [Result() for _ in workloads]

    fake.torch_available, fake.compare = (lambda: True), compare
    assert speed_quick.peer_section(["dcgan28", "wgan_gp"])[-2:] == [
        "| dcgan28 | 100 | 150 / 50 | 1.50 / 0.50 |",
        "| wgan_gp | **failed**: RuntimeError: RuntimeError: boom | | |",
    ]


@pytest.mark.long
@pytest.mark.timeout(120)
def test_one_variant_end_to_end(tmp_path, capsys):
    # Two real worker processes (XLA and graph) for the MLP GAN, one step per block.
    out = tmp_path / "quick.md"
    argv = ["--variants=gan", "--steps=1", "--repeats=2", "--peer_workloads=", f"--out={out}"]
    assert speed_quick.main(argv) == 0
    report = out.read_text()
    row = next(line for line in report.splitlines() if line.startswith("| gan |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "mnist 28x28x1, batch 64" and cells[2] == "64"
    assert cells[-2:] == ["1 × 2 / 1 × 2", "1 / 1"]
    assert "python -m benchmarks.speed_quick --variants=gan" in report
    assert "TensorFlow 2." in report and "Commit:" in report
    assert row in capsys.readouterr().out
