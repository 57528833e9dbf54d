"""Tests of the PyTorch peer benchmark: each twin has gan_tf's networks (parameters, forward
MACs, output shapes, normalisation settings), its step trains, a tiny comparison runs end to
end, and bad requests exit with status 2. torch is the optional `bench` extra: the tests that
need it are skipped without it."""

import math
import os
import pathlib
import subprocess
import sys

import pytest
from absl import flags

from benchmarks import peer_pytorch, train_speed

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
NETWORKS = ("generator", "discriminator")


def twin_and_keras(name: str):
    config = peer_pytorch.WORKLOADS[name].config(jit_compile=False)
    model = train_speed.build(config)
    twin_config = config.to_dict()
    return model, twin_config, peer_pytorch.torch_networks(twin_config)


def norm_settings_keras(network) -> list[tuple]:
    import keras

    settings = []
    for layer in network.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            settings.append(("batch", layer.epsilon, round(1 - layer.momentum, 6)))
        elif isinstance(layer, keras.layers.LayerNormalization):
            settings.append(("layer", layer.epsilon, None))
        elif isinstance(layer, keras.layers.Dropout):
            settings.append(("dropout", layer.rate, None))
    return settings


def norm_settings_torch(network) -> list[tuple]:
    from torch import nn

    settings = []
    for module in network.modules():
        if isinstance(module, nn.BatchNorm2d):
            settings.append(("batch", module.eps, round(module.momentum, 6)))
        elif isinstance(module, nn.LayerNorm):
            settings.append(("layer", module.eps, None))
        elif isinstance(module, nn.Dropout):
            settings.append(("dropout", module.p, None))
    return settings


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", list(peer_pytorch.WORKLOADS))
def test_twin_has_the_networks_of_gan_tf(name):
    pytest.importorskip("torch")
    model, config, nets = twin_and_keras(name)
    inputs = peer_pytorch.example_inputs(config, 1)
    keras_info = {n: peer_pytorch.keras_network_info(getattr(model, n)) for n in NETWORKS}
    torch_info = {n: peer_pytorch.torch_network_info(nets[n], inputs[n]) for n in NETWORKS}
    peer_pytorch.check_twin(name, keras_info, torch_info)  # raises on any difference
    assert keras_info == torch_info
    assert all(keras_info[n]["params"] > 0 and keras_info[n]["forward_macs"] > 0 for n in NETWORKS)
    for n in NETWORKS:  # epsilon, momentum (Keras m = 1 - torch's), dropout, in layer order
        assert norm_settings_keras(getattr(model, n)) == norm_settings_torch(nets[n]), n


def test_a_twin_that_differs_is_refused():
    same = {"params": 10, "forward_macs": 20, "output_shape": (4, 4, 1)}
    peer_pytorch.check_twin("x", {"generator": same}, {"generator": dict(same)})
    with pytest.raises(
        peer_pytorch.TwinMismatchError, match="generator params: gan_tf 10, torch 11"
    ):
        peer_pytorch.check_twin("x", {"generator": same}, {"generator": {**same, "params": 11}})


@pytest.mark.parametrize("name", ["dcgan28", "wgan_gp", "pix2pix32"])
def test_twin_step_trains_both_networks(name):
    torch = pytest.importorskip("torch")
    config = peer_pytorch.WORKLOADS[name].config(jit_compile=False).to_dict()
    config["batch_size"] = 2
    nets = peer_pytorch.torch_networks(config)
    before = {n: [p.detach().clone() for p in nets[n].parameters()] for n in NETWORKS}
    step = peer_pytorch.torch_train_step(config, nets)
    with peer_pytorch.flop_counter() as counter:
        loss = step()
    assert math.isfinite(loss.item())
    for n in NETWORKS:
        after = list(nets[n].parameters())
        assert all(p.requires_grad for p in after), n  # D unfrozen after G's update
        assert any(not torch.equal(a, b) for a, b in zip(after, before[n], strict=True)), n
    # Forward and backward of both networks at least: more than 2 x 2 x forward MACs.
    inputs = peer_pytorch.example_inputs(config, 1)
    forward = sum(
        peer_pytorch.torch_network_info(nets[n], inputs[n])["forward_macs"] for n in NETWORKS
    )
    assert counter.get_total_flops() > 4 * forward * config["batch_size"]


def test_cpu_peak_states_how_it_was_obtained():
    peak = peer_pytorch.cpu_peak(sorted(os.sched_getaffinity(0)))
    assert peak.cores >= 1 and peak.ghz > 0 and peak.flops_per_cycle in (8, 16, 32, 64)
    assert peak.flops == pytest.approx(peak.cores * peak.ghz * 1e9 * peak.flops_per_cycle)
    for words in ("core", "GHz", "cpu MHz", "FLOP/cycle", "family"):
        assert words in peak.how


def test_steps_per_block_aims_at_the_target_within_the_limit():
    assert peer_pytorch.steps_per_block(0.1, 8.0) == 50  # 5 s
    assert peer_pytorch.steps_per_block(0.1, 2.0) == 20
    assert peer_pytorch.steps_per_block(20.0, 8.0) == 1  # at least one


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_compare_runs_interleaved_blocks_end_to_end():
    pytest.importorskip("torch")
    messages, about = [], {}
    (result,) = peer_pytorch.compare(
        ["dcgan28"], 1, warmup=1, max_block_seconds=0.01, progress=messages.append, about=about
    )
    assert result.workload == "dcgan28" and result.examples_per_step == 64
    assert result.steps_per_block == {"torch": 1, "graph": 1, "xla": 1}
    assert all(len(result.block_seconds[s]) == 1 for s in peer_pytorch.SIDES)
    assert all(result.images_per_second(s) > 0 for s in peer_pytorch.SIDES)
    assert result.ratio("torch") == 1.0 and 0 < result.flops_share("xla") < 10
    assert result.networks["generator"]["params"] == 759_681
    # One step: D (G forward, D forward x 2, backward) and G; about 4 G + 8 D forwards.
    forward = sum(result.networks[n]["forward_macs"] for n in NETWORKS) * 2 * 64
    assert 3 * forward < result.flops_per_step < 8 * forward
    assert [m.split(":")[0] for m in messages[1:]] == [
        f"dcgan28 round 1/1 {s}" for s in peer_pytorch.SIDES
    ]
    threads = len(os.sched_getaffinity(0))  # each framework: the CPUs of the affinity
    for worker in ("torch worker", "tf worker"):
        assert f"{threads} intra-op / {threads} inter-op threads" in about[worker]
    assert "GFLOP/s" in about["Peak"]
    report = peer_pytorch.markdown_report([result], about)
    assert "| dcgan28 |" in report and "759,681 + 138,817" in report


def test_unknown_workload_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "peer.md"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.peer_pytorch",
            "--workloads=dcgan28,stylegan",
            f"--out={out}",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().count("\n") == 0 and "stylegan" in run.stderr
    assert not out.exists()


def test_missing_torch_exits_2_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(peer_pytorch, "torch_available", lambda: False)
    fv = flags.FlagValues()
    peer_pytorch.define_flags(fv)
    out = tmp_path / "peer.md"
    fv(["peer_pytorch", "--workloads=dcgan28", f"--out={out}"])
    with pytest.raises(SystemExit) as exit_info:
        peer_pytorch.main(["peer_pytorch"], fv)
    assert exit_info.value.code == 2
    assert "torch is not installed" in capsys.readouterr().err
    assert not out.exists()
