"""Peer benchmark: gan_tf's training steps against the same networks and steps in PyTorch.

    pip install -e '.[bench]'                       (torch: only this benchmark needs it)
    taskset -c 1 python -m benchmarks.peer_pytorch --out=experiments/peer_pytorch.md
    python -m benchmarks.peer_pytorch --workloads=dcgan28,wgan_gp --repeats=3

What is measured, per workload (`WORKLOADS`): images/s of full training steps of
  gan_tf   the library's own model built from its config (`benchmarks.train_speed.build`,
           exactly what `python -m gan_tf.experiments.<variant>` trains), its Keras train
           function (`make_train_function()`, what fit() calls) on a tf.data iterator of one
           synthetic in-memory batch, XLA off ("graph") and on ("xla");
  PyTorch  a twin in plain torch.nn (NCHW, eager, torch's default oneDNN/MKL CPU kernels): the
           same layers, parameter counts (checked exactly: a mismatch exits non-zero), losses,
           update order (k D updates, then G), Adam settings (Keras's epsilon 1e-7) and batch.
images = examples in a step's input: the batch (pairs for pix2pix), batch x n_critic for WGAN-GP.

Fairness. One parent and two persistent worker processes (torch; TF with both models), pinned
to the parent's CPU set and given the same threads (torch intra- and inter-op; TF intra- and
inter-op). The parent asks one worker at a time for a block of N steps, in turn torch, graph,
XLA, repeated --repeats times, so an idle worker waits on its pipe and never competes, and a
change of load hits all sides alike. A block ends by reading a loss back to the host. N is
chosen per side from its warm-up step so every block lasts about TARGET_BLOCK_SECONDS (at most
--max_block_seconds). Noise is drawn inside the step on both sides; gan_tf's step also logs
gradient norms and mean scores (reductions, no multiply-adds), which the twin skips. The twin
avoids redundant work as the reference PyTorch codes do: G's output detached (or made under
no_grad) for D's update, D's parameters frozen (requires_grad) for G's.

FLOPs. `torch.utils.flop_counter.FlopCounterMode` over one torch step counts the convolutions'
multiply-adds forward, backward and (WGAN-GP) double backward, as FLOPs = 2 x MACs. Beside it,
the forward MACs per image of each network from the Keras layers (conv: output elements x
kernel fan-in; transposed conv: input elements x kernel fan-out), which must equal the
counter's forward count of the twin. Both sides do the same work, so each side's FLOP/s =
counted FLOPs per step x steps/s; its share of the CPU set's peak is given (`cpu_peak`:
cores x "cpu MHz" x FP32 FLOP/cycle). "cpu MHz" is the nominal clock on a VM and turbo runs
above it, so the torch worker also reports what a 2048^3 sgemm reaches on the same CPUs (over
100% of the peak: the clock is higher). "cores busy" (process CPU / wall time of the blocks)
below the threads given means the CPUs were shared with other jobs during the run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import importlib.util
import itertools
import math
import multiprocessing
import os
import pathlib
import shlex
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

SIDES = ("torch", "graph", "xla")  # the order of the blocks within a round
JIT = {"graph": False, "xla": True}
TARGET_BLOCK_SECONDS = 5.0
KERAS_ADAM_EPSILON = 1e-7  # keras.optimizers.Adam's default (torch's is 1e-8)


@dataclasses.dataclass(frozen=True)
class Workload:
    """A variant's paper config (`train_speed.variant_config`) with these overrides."""

    variant: str
    overrides: dict[str, Any]
    about: str
    pairs: str | None = None  # pix2pix: how the input is derived from the target

    def config(self, jit_compile: bool):
        from benchmarks import train_speed

        config = train_speed.variant_config(self.variant, jit_compile=jit_compile, **self.overrides)
        return config.replace(pairs=self.pairs).resolve() if self.pairs else config


WORKLOADS: dict[str, Workload] = {
    "dcgan28": Workload("dcgan", {}, "DCGAN, config defaults: MNIST 28x28x1, batch 64"),
    "dcgan64": Workload(
        "dcgan",
        {"dataset": "celeb_a", "image_size": 64, "batch_size": 64},
        "DCGAN 64x64x3, base filters 128 (Radford et al. 2016, fig. 1), batch 64",
    ),
    "wgan_gp": Workload(
        "wgan_gp", {}, "WGAN-GP defaults: MNIST 28, layer-norm critic, n_critic 5, batch 64"
    ),
    "pix2pix32": Workload(
        "pix2pix", {}, "pix2pix defaults: Fashion-MNIST edges 32x32x1, U-Net, 70x70 PatchGAN"
    ),
    # No dataset is read: cycle_gan/facades only gives the paper's 256x256x3 (3 -> 3 channels).
    "pix2pix256": Workload(
        "pix2pix",
        {"dataset": "cycle_gan/facades", "image_size": 256, "batch_size": 1},
        "pix2pix 256x256x3 -> 3, batch 1 (Isola et al. 2017)",
        pairs="inverted",
    ),
}


class UsageError(ValueError):
    """An unknown workload, or no torch: one line on stderr, exit status 2."""


class TwinMismatchError(RuntimeError):
    """The PyTorch twin is not the gan_tf network: parameters, MACs or output shapes differ."""


class WorkerError(RuntimeError):
    """A worker process failed (its traceback in the message)."""


def torch_available() -> bool:
    """Whether torch can be imported (the `bench` extra)."""
    return importlib.util.find_spec("torch") is not None


# --- The PyTorch twins ---------------------------------------------------------------------------


def torch_networks(config: dict[str, Any]) -> dict[str, Any]:
    """{"generator": ..., "discriminator": ...} as torch modules, layer for layer those gan_tf
    builds from `config` (`config.to_dict()`): gan_tf.networks.dcgan / unet / patchgan, with
    their init (kernels N(0, 0.02), biases zero, batch norm scale N(1, 0.02))."""
    from torch import nn

    def conv(cin, cout, k, s, p, bias=True, transposed=False):
        layer = (nn.ConvTranspose2d if transposed else nn.Conv2d)(cin, cout, k, s, p, bias=bias)
        nn.init.normal_(layer.weight, 0.0, 0.02)
        if bias:
            nn.init.zeros_(layer.bias)
        return layer

    def batch_norm(channels, eps, keras_momentum):
        norm = nn.BatchNorm2d(channels, eps=eps, momentum=1.0 - keras_momentum)
        nn.init.normal_(norm.weight, 1.0, 0.02)
        return norm

    variant = config["variant"]
    if variant in ("dcgan", "wgan_gp"):
        unsupported = [k for k in ("num_classes", "ema_decay", "r1_gamma") if config.get(k)]
        if unsupported or config["architecture"] != "dcgan" or config["init"] != "normal":
            raise ValueError(f"no twin for {variant} with {unsupported or config['architecture']}")
        return _dcgan_twin(config, conv, batch_norm)
    if variant != "pix2pix" or config["loss"] != "l1_cgan":
        raise ValueError(f"no twin for {variant} (loss {config.get('loss')})")
    return _pix2pix_twin(config, conv, batch_norm)


def _dcgan_twin(config: dict[str, Any], conv, batch_norm) -> dict[str, Any]:
    """gan_tf.networks.dcgan; its batch norm is Keras's default (epsilon 1e-3, momentum 0.99)."""
    from torch import nn

    size, channels, latent = config["image_size"], config["channels"], config["latent_dim"]
    start = 7 if size == 28 else 4  # dcgan_layout
    levels = int(math.log2(size // start))
    base = config["base_filters"] or (128 if size >= 64 else 64)
    widths = [base * 2**i for i in range(levels - 1, -1, -1)]
    # The projection of z: a "valid" transposed conv from a 1x1 map to start x start.
    g = [nn.Unflatten(1, (latent, 1, 1)), conv(latent, widths[0], start, 1, 0, False, True)]
    g += [batch_norm(widths[0], 1e-3, 0.99), nn.ReLU(True)]
    for cin, cout in itertools.pairwise(widths):  # 4x4 stride 2 "same" = padding 1
        g += [conv(cin, cout, 4, 2, 1, False, True), batch_norm(cout, 1e-3, 0.99), nn.ReLU(True)]
    g += [conv(widths[-1], channels, 4, 2, 1, transposed=True), nn.Tanh()]
    d, cin, norm = [], channels, config.get("critic_norm", "batch")
    use_bias = config.get("critic_bias", True)
    for i in range(levels):  # no normalisation on the input layer
        d.append(conv(cin, base * 2**i, 4, 2, 1, bias=use_bias))
        cin, side = base * 2**i, size // 2 ** (i + 1)
        if i and norm == "batch":
            d.append(batch_norm(cin, 1e-3, 0.99))
        elif i and norm == "layer":  # LayerNormalization(axis=(1, 2, 3)), epsilon 1e-3
            d.append(nn.LayerNorm([cin, side, side], eps=1e-3))
        d.append(nn.LeakyReLU(0.2, True))
    d += [conv(cin, 1, start, 1, 0, bias=use_bias), nn.Flatten()]
    return {"generator": nn.Sequential(*g), "discriminator": nn.Sequential(*d)}


def _pix2pix_twin(config: dict[str, Any], conv, batch_norm) -> dict[str, Any]:
    """gan_tf.networks.unet and .patchgan; batch norm is layers.batch_norm (1e-5, 0.9)."""
    from torch import nn

    from gan_tf.networks.options import PATCHGAN_STRIDED_CONVS  # imports no Keras

    size, channels, base = config["image_size"], config["channels"], config["base_filters"] or 64
    levels = config["unet_levels"] or (size & -size).bit_length() - 1  # factors of 2 in size
    filters = [min(base * 2**i, 512) for i in range(levels)]
    down, up, cin = [], [], config["input_channels"]
    for i, f in enumerate(filters):  # no batch norm on the first and innermost levels
        bn = [batch_norm(f, 1e-5, 0.9)] if 0 < i < levels - 1 else []
        down.append(nn.Sequential(conv(cin, f, 4, 2, 1, bias=not bn), *bn, nn.LeakyReLU(0.2, True)))
        cin = f
    for block in range(levels - 1):  # dropout in the first three decoder blocks
        f = filters[levels - 2 - block]
        dropout = [nn.Dropout(0.5)] if block < 3 else []
        up.append(nn.Sequential(conv(cin, f, 4, 2, 1, False, True), batch_norm(f, 1e-5, 0.9),
                                *dropout, nn.ReLU(True)))  # fmt: skip
        cin = 2 * f  # after the skip concatenation
    out = nn.Sequential(conv(cin, channels, 4, 2, 1, transposed=True), nn.Tanh())
    d, cin = [], config["input_channels"] + channels
    n = PATCHGAN_STRIDED_CONVS[config["receptive_field"]]
    for i in range(n + 1):  # ZeroPadding2D(1) + a "valid" 4x4 conv = padding 1
        f = base * min(2**i, 8)
        d += [conv(cin, f, 4, 2 if i < n else 1, 1, bias=i == 0)]
        d += ([batch_norm(f, 1e-5, 0.9)] if i else []) + [nn.LeakyReLU(0.2, True)]
        cin = f
    d.append(conv(cin, 1, 4, 1, 1))
    unet, conditional = _modules()
    return {"generator": unet(down, up, out), "discriminator": conditional(nn.Sequential(*d))}


def _modules():
    """The twins' two modules with more than one path (made on first use, so that this file
    imports without torch)."""
    import torch
    from torch import nn

    class UNet(nn.Module):
        def __init__(self, down, up, out) -> None:
            super().__init__()
            self.down, self.up, self.out = nn.ModuleList(down), nn.ModuleList(up), out

        def forward(self, x):
            skips = []
            for block in self.down:
                skips.append(x := block(x))
            for block, skip in zip(self.up, reversed(skips[:-1]), strict=True):
                x = torch.cat([block(x), skip], 1)  # Keras: Concatenate()([x, skip])
            return self.out(x)

    class Conditional(nn.Module):  # D(condition, image) on their channel concatenation
        def __init__(self, body) -> None:
            super().__init__()
            self.body = body

        def forward(self, condition, image):
            return self.body(torch.cat([condition, image], 1))

    return UNet, Conditional


def example_inputs(config: dict[str, Any], batch: int) -> dict[str, tuple]:
    """Random inputs of each twin network, NCHW."""
    import torch

    s, c = config["image_size"], config["channels"]
    if config["variant"] == "pix2pix":
        x = torch.rand(batch, config["input_channels"], s, s) * 2 - 1
        return {"generator": (x,), "discriminator": (x, torch.rand(batch, c, s, s) * 2 - 1)}
    z = torch.randn(batch, config["latent_dim"])
    return {"generator": (z,), "discriminator": (torch.rand(batch, c, s, s) * 2 - 1,)}


def torch_train_step(config: dict[str, Any], nets: dict[str, Any]) -> Callable[[], Any]:
    """One training iteration of the twin, gan_tf's train_step in PyTorch; returns G's loss."""
    import torch
    import torch.nn.functional as F

    g, d = nets["generator"], nets["discriminator"]
    opt = {
        role: torch.optim.Adam(
            nets[name].parameters(),
            config[f"{role}_learning_rate"],
            betas=(config["beta_1"], config["beta_2"]),
            eps=KERAS_ADAM_EPSILON,
        )
        for role, name in (("d", "discriminator"), ("g", "generator"))
    }

    def update(role, loss):
        opt[role].zero_grad()
        loss.backward()
        opt[role].step()

    def frozen(net, flag):
        for p in net.parameters():
            p.requires_grad_(not flag)

    def bce(logits, real):
        return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, float(real)))

    batch = config["batch_size"]
    if config["variant"] == "pix2pix":  # models/pix2pix.py
        x, y = example_inputs(config, batch)["discriminator"]  # (input, target) pairs

        def pix2pix_step():
            fakes = g(x)  # once, for both updates (gan_tf records it on G's tape)
            update("d", 0.5 * (bce(d(x, y), True) + bce(d(x, fakes.detach()), False)))
            frozen(d, True)
            loss = bce(d(x, fakes), True) + config["lambda_l1"] * (y - fakes).abs().mean()
            update("g", loss)
            frozen(d, False)
            return loss

        return pix2pix_step

    wasserstein, k = config["variant"] == "wgan_gp", config["d_steps"]
    (reals,) = example_inputs(config, batch * k)["discriminator"]  # a slice per critic update

    def noise_to_image_step():  # models/noise_to_image.py (+ wgan_gp.py, regularizers.py)
        for i in range(k):
            real = reals[i * batch : (i + 1) * batch]
            with torch.no_grad():
                fake = g(torch.randn(batch, config["latent_dim"]))
            real_s, fake_s = d(real), d(fake)
            if wasserstein:
                eps = torch.rand(batch, 1, 1, 1)
                points = (eps * real + (1 - eps) * fake).requires_grad_(True)
                (grad,) = torch.autograd.grad(d(points).sum(), points, create_graph=True)
                norms = torch.sqrt(grad.square().sum((1, 2, 3)) + 1e-12)
                penalty = (norms - 1).square().mean()
                update("d", fake_s.mean() - real_s.mean() + config["gp_weight"] * penalty)
            else:
                update("d", bce(real_s, True) + bce(fake_s, False))
        frozen(d, True)
        for _ in range(config["g_steps"]):
            scores = d(g(torch.randn(batch, config["latent_dim"])))
            if wasserstein:
                loss = -scores.mean()
            elif config["g_loss"] == "minimax":
                loss = -F.softplus(scores).mean()
            else:  # non-saturating
                loss = bce(scores, True)
            update("g", loss)
        frozen(d, False)
        return loss

    return noise_to_image_step


# --- Counting: parameters, MACs, peak FLOP/s -----------------------------------------------------


def keras_network_info(network) -> dict[str, Any]:
    """Trainable parameters, forward MACs per image (conv and dense layers) and output shape
    (NHWC, no batch) of a Keras network."""
    import keras

    macs = 0
    for layer in network.layers:
        if isinstance(layer, keras.layers.Conv2DTranspose):  # kernel (kh, kw, out, in)
            kh, kw, out, _ = layer.kernel.shape
            macs += math.prod(layer.input.shape[1:]) * kh * kw * out
        elif isinstance(layer, keras.layers.Conv2D):  # kernel (kh, kw, in, out)
            kh, kw, cin, _ = layer.kernel.shape
            macs += math.prod(layer.output.shape[1:]) * kh * kw * cin
        elif isinstance(layer, keras.layers.Dense):
            macs += math.prod(layer.output.shape[1:-1]) * math.prod(layer.kernel.shape)
    return {
        "params": sum(math.prod(w.shape) for w in network.trainable_weights),
        "forward_macs": int(macs),
        "output_shape": tuple(network.output.shape[1:]),
    }


def flop_counter():
    """torch's FlopCounterMode (FLOPs = 2 x MACs), counting the whole program only: its
    per-module tracker hooks break autograd.grad on a leaf (WGAN-GP's interpolates), so it
    gets a stand-in tracker always at the top ("Global"). Its module imports triton, whose
    native library crashes (SIGSEGV) a process that loaded TensorFlow first (torch 2.14
    cu130, TF 2.21): such a process (the tests) gets no triton, which counts GPU kernels only."""
    if "tensorflow" in sys.modules:
        sys.modules.setdefault("triton", None)  # `import triton` raises ImportError
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    counter.mod_tracker = _GlobalOnly()
    return counter


class _GlobalOnly(contextlib.nullcontext):
    parents = frozenset({"Global"})


def torch_network_info(network, inputs: tuple) -> dict[str, Any]:
    """The same for a torch module, its MACs counted by FlopCounterMode on one image."""
    import torch

    network.eval()
    with torch.no_grad(), flop_counter() as counter:
        out = network(*(t[:1] for t in inputs))
    network.train()
    shape = tuple(out.shape[1:])
    return {
        "params": sum(p.numel() for p in network.parameters() if p.requires_grad),
        "forward_macs": counter.get_total_flops() // 2,
        "output_shape": (*shape[1:], shape[0]) if len(shape) == 3 else shape,  # as NHWC
    }


def check_twin(workload: str, keras_info: dict, torch_info: dict) -> None:
    """Raises TwinMismatchError unless every network's parameters, forward MACs and output shape
    agree exactly."""
    diffs = [
        f"{net} {key}: gan_tf {keras_info[net][key]}, torch {torch_info[net][key]}"
        for net in keras_info
        for key in ("params", "forward_macs", "output_shape")
        if keras_info[net][key] != torch_info[net][key]
    ]
    if diffs:
        raise TwinMismatchError(f"{workload}: the PyTorch twin differs: {'; '.join(diffs)}")


@dataclasses.dataclass
class CpuPeak:
    """Peak FP32 FLOP/s of a CPU set: cores x clock x FLOPs per cycle per core."""

    cores: int
    ghz: float
    flops_per_cycle: int
    how: str

    @property
    def flops(self) -> float:
        return self.cores * self.ghz * 1e9 * self.flops_per_cycle


def cpu_peak(cpus: Sequence[int]) -> CpuPeak:
    """From /proc/cpuinfo (vendor, family/model, flags, "cpu MHz") and the cores' topology."""
    blocks = pathlib.Path("/proc/cpuinfo").read_text().strip().split("\n\n")
    info = [dict(ln.split(":", 1) for ln in b.splitlines() if ":" in ln) for b in blocks]
    info = [{k.strip(): v.strip() for k, v in i.items()} for i in info]
    mine = [i for i in info if int(i["processor"]) in cpus] or info
    first = mine[0]
    flags, family = set(first.get("flags", "").split()), int(first["cpu family"])
    model = int(first.get("model", "0"))
    amd = first.get("vendor_id") == "AuthenticAMD"
    if amd and family == 25 and model >= 0x10 and "avx512f" in flags:
        per_cycle, why = 32, "AMD Zen 4: AVX-512 on 256-bit datapaths, 2 FMA x 8 FP32 x 2"
    elif amd and family in (23, 25):
        per_cycle, why = 32, "AMD Zen 2/3: 2 x 256-bit FMA"
    elif "avx512f" in flags:
        per_cycle, why = 64, "avx512f: 2 x 512-bit FMA units assumed (1-FMA parts: half)"
    elif {"avx2", "fma"} <= flags:
        per_cycle, why = 32, "AVX2 + FMA: 2 x 256-bit FMA"
    else:
        per_cycle, why = 8, "no AVX2/FMA: SSE, 4 FP32 x 2 assumed"
    ghz = statistics.mean(float(i["cpu MHz"]) for i in mine) / 1000
    topology = pathlib.Path("/sys/devices/system/cpu")
    try:
        ids = ("physical_package_id", "core_id")
        cores = len(
            {tuple((topology / f"cpu{c}/topology" / n).read_text() for n in ids) for c in cpus}
        )
        counted = "distinct (package, core) in /sys/devices/system/cpu/cpu*/topology"
    except OSError:
        cores, counted = len(cpus), "one core per CPU assumed"
    how = (
        f"{cores} core(s) (CPUs {','.join(map(str, cpus))} of the affinity set, {counted}) x "
        f"{ghz:.2f} GHz ('cpu MHz' of /proc/cpuinfo) x {per_cycle} FP32 FLOP/cycle ("
        f"{first.get('model name', '?')}, family {family} model {model:#x}, {why})"
    )
    return CpuPeak(cores, ghz, per_cycle, how)


# --- Workers: one torch, one TF, each asked for one block at a time ---------------------------


class _TorchSide:
    def __init__(self, threads: int) -> None:
        import torch

        torch.set_num_threads(threads)
        torch.set_num_interop_threads(threads)
        a = torch.rand(2048, 2048)
        a @ a
        wall, _ = _timed(lambda: a @ a, lambda c: c[0, 0].item(), 5)
        self.step, self.hello = (
            None,
            (
                f"PyTorch {torch.__version__} (oneDNN {torch.backends.mkldnn.is_available()}), "
                f"{torch.get_num_threads()} intra-op / {torch.get_num_interop_threads()} inter-op "
                f"threads; its 2048^3 sgemm: {5 * 2 * 2048**3 / wall / 1e9:.0f} GFLOP/s"
            ),
        )

    def build(self, workload: str, warmup: int, config: dict[str, Any]) -> dict[str, Any]:
        import torch

        torch.manual_seed(config["seed"])
        nets = torch_networks(config)
        inputs = example_inputs(config, 1)
        info = {name: torch_network_info(net, inputs[name]) for name, net in nets.items()}
        self.step = torch_train_step(config, nets)
        first, estimate = _warm_up(lambda: self.run("torch", 1)[0], warmup)
        with flop_counter() as counter:
            self.step()
        return {"networks": info, "flops_per_step": counter.get_total_flops(),
                "first_step": {"torch": first}, "step_seconds": {"torch": estimate}}  # fmt: skip

    def run(self, side: str, steps: int) -> tuple[float, float]:
        return _timed(self.step, lambda loss: loss.item(), steps)

    def drop(self) -> None:
        self.step = None


class _TFSide:
    def __init__(self, threads: int) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        threading, self.functions = tf.config.threading, {}
        self.hello = (
            f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
            f"{threading.get_intra_op_parallelism_threads()} intra-op / "
            f"{threading.get_inter_op_parallelism_threads()} inter-op threads"
        )

    def build(self, workload: str, warmup: int) -> dict[str, Any]:
        from benchmarks import train_speed

        reply: dict[str, Any] = {"first_step": {}, "step_seconds": {}}
        for side in ("graph", "xla"):
            config = WORKLOADS[workload].config(jit_compile=JIT[side])
            timer = train_speed.StepTimer(config)  # the model, its batch and train function
            model, batch = timer.model, timer.batch
            self.functions[side] = (model.train_function, timer.iterator)
            times = _warm_up(lambda side=side: self.run(side, 1)[0], warmup)
            reply["first_step"][side], reply["step_seconds"][side] = times
        nets = {"generator": model.generator, "discriminator": model.discriminator}
        reply["networks"] = {name: keras_network_info(net) for name, net in nets.items()}
        reply["config"] = {**config.to_dict(), "jit_compile": None}  # for the torch twin
        reply["examples_per_step"] = train_speed.examples_in(batch)
        return reply

    def run(self, side: str, steps: int) -> tuple[float, float]:
        function, iterator = self.functions[side]
        return _timed(lambda: function(iterator), lambda logs: float(logs[min(logs)]), steps)

    def drop(self) -> None:
        import keras

        self.functions = {}
        keras.backend.clear_session()


def _timed(step: Callable[[], Any], read: Callable[[Any], Any], steps: int) -> tuple[float, float]:
    """(wall, process CPU) seconds of `steps` steps, ending with a loss read back to the host."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        out = step()
    read(out)
    return time.perf_counter() - wall, time.process_time() - cpu


def _warm_up(one_step: Callable[[], float], warmup: int) -> tuple[float, float]:
    """(time to the first step, time of the last): `warmup` (>= 1) steps, one at a time."""
    times = [one_step() for _ in range(max(1, warmup))]
    return times[0], times[-1]


def worker_main(side: str, conn, cpus: Sequence[int], threads: int) -> None:
    """A worker's loop: pinned to `cpus`; one reply ("ok" | "error", value) per message."""
    os.sched_setaffinity(0, cpus)
    try:
        runner = _TorchSide(threads) if side == "torch" else _TFSide(threads)
        conn.send(("ok", runner.hello))
    except Exception:
        return conn.send(("error", traceback.format_exc()))
    while (message := conn.recv())[0] != "stop":
        try:
            conn.send(("ok", getattr(runner, message[0])(*message[1:])))
        except Exception:
            conn.send(("error", traceback.format_exc()))


class _Worker:
    """A worker process (spawned: a fresh interpreter, so torch's holds no TF and back)."""

    def __init__(self, side: str, cpus: Sequence[int], threads: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.side, (self.conn, child) = side, context.Pipe()
        self.process = context.Process(
            target=worker_main, args=(side, child, list(cpus), threads), daemon=True
        )
        self.process.start()
        child.close()
        self.hello = self.call()

    def call(self, *message: Any) -> Any:
        try:
            if message:
                self.conn.send(message)
            status, value = self.conn.recv()
        except (EOFError, OSError) as error:
            raise WorkerError(f"the {self.side} worker died ({error!r})") from None
        if status == "error":
            raise WorkerError(f"the {self.side} worker failed:\n{value}")
        return value

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(("stop",))
        self.process.join(30)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


# --- The comparison ------------------------------------------------------------------------------


@dataclasses.dataclass
class PeerResult:
    """One workload: timed blocks of each side (torch, graph, xla) and the counted work."""

    workload: str
    examples_per_step: int
    networks: dict[str, dict[str, Any]]  # params, forward MACs per image, output shape
    flops_per_step: int  # FlopCounterMode over one torch step (2 x MACs)
    peak_flops: float
    first_step_seconds: dict[str, float]
    steps_per_block: dict[str, int]
    block_seconds: dict[str, list[float]]
    block_cpu_seconds: dict[str, list[float]]

    def rates(self, side: str) -> list[float]:
        n = self.steps_per_block[side] * self.examples_per_step
        return [n / s for s in self.block_seconds[side]]

    def images_per_second(self, side: str) -> float:
        return statistics.median(self.rates(side))

    def ratio(self, side: str) -> float:
        """gan_tf's images/s over PyTorch's (> 1: gan_tf is faster)."""
        return self.images_per_second(side) / self.images_per_second("torch")

    def flops_share(self, side: str) -> float:
        """Achieved FLOP/s (counted FLOPs x steps/s) over the CPU set's peak."""
        steps_per_second = self.images_per_second(side) / self.examples_per_step
        return self.flops_per_step * steps_per_second / self.peak_flops

    def cores_busy(self, side: str) -> float:
        return sum(self.block_cpu_seconds[side]) / sum(self.block_seconds[side])


def steps_per_block(step_seconds: float, max_block_seconds: float) -> int:
    """Steps for a block of about TARGET_BLOCK_SECONDS, at most max_block_seconds; >= 1."""
    step_seconds = max(step_seconds, 1e-6)
    target = min(TARGET_BLOCK_SECONDS, max_block_seconds)
    return max(1, min(round(target / step_seconds), int(max_block_seconds / step_seconds)))


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def compare(
    workloads: Sequence[str],
    repeats: int = 3,
    *,
    warmup: int = 2,
    threads: int | None = None,
    max_block_seconds: float = 8.0,
    progress: Callable[[str], None] = _progress,
    about: dict[str, str] | None = None,
) -> list[PeerResult]:
    """Times each workload's full training step in PyTorch and in gan_tf (XLA off and on),
    interleaved block by block (see the module docstring), each framework with `threads`
    threads (default: the CPUs of this process's affinity). `about` gets the run's settings
    (workers' software and threads, CPUs, peak). Raises UsageError (unknown workload, no
    torch), TwinMismatchError, WorkerError."""
    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown or not workloads:
        raise UsageError(f"unknown workload(s) {', '.join(unknown) or '(none given)'}: "
                         f"choose from {', '.join(WORKLOADS)}")  # fmt: skip
    if not torch_available():
        raise UsageError("torch is not installed: pip install -e '.[bench]' (the bench extra)")
    cpus = sorted(os.sched_getaffinity(0))
    peak = cpu_peak(cpus)
    workers: dict[str, _Worker] = {}
    results = []
    try:
        for side in ("torch", "tf"):
            workers[side] = _Worker(side, cpus, threads or len(cpus))
        if about is not None:
            about.update({f"{side} worker": w.hello for side, w in workers.items()})
            about["CPUs"] = f"{','.join(map(str, cpus))} (this process's affinity; both workers)"
            about["Peak"] = f"{peak.flops / 1e9:.0f} GFLOP/s = {peak.how}"
        for name in workloads:
            progress(f"{name}: building and warming up ({WORKLOADS[name].about})")
            tf_info = workers["tf"].call("build", name, warmup)
            torch_info = workers["torch"].call("build", name, warmup, tf_info["config"])
            check_twin(name, tf_info["networks"], torch_info["networks"])
            estimate = {**torch_info["step_seconds"], **tf_info["step_seconds"]}
            steps = {s: steps_per_block(estimate[s], max_block_seconds) for s in SIDES}
            result = PeerResult(
                name, tf_info["examples_per_step"], tf_info["networks"],
                torch_info["flops_per_step"], peak.flops,
                {**torch_info["first_step"], **tf_info["first_step"]}, steps,
                {s: [] for s in SIDES}, {s: [] for s in SIDES},
            )  # fmt: skip
            for r in range(repeats):
                for side in SIDES:
                    worker = workers["torch" if side == "torch" else "tf"]
                    wall, cpu = worker.call("run", side, steps[side])
                    result.block_seconds[side].append(wall)
                    result.block_cpu_seconds[side].append(cpu)
                    rate = steps[side] * result.examples_per_step / wall
                    progress(f"{name} round {r + 1}/{repeats} {side}: {rate:.1f} images/s")
            for worker in workers.values():
                worker.call("drop")
            results.append(result)
    finally:
        for worker in workers.values():
            worker.close()
    return results


# --- Report and command line ---------------------------------------------------------------------


def _rate(result: PeerResult, side: str) -> str:
    rates = result.rates(side)
    return f"{result.images_per_second(side):.1f} ({min(rates):.1f}-{max(rates):.1f})"


def markdown_report(results: Sequence[PeerResult], header: dict[str, str]) -> str:
    """The results table (median images/s, min-max over the rounds) with the run's header."""
    lines = ["# gan_tf vs PyTorch: the same networks and training steps", ""]
    lines += [f"- {key}: {value}" for key, value in header.items()]
    lines += [
        "",
        "| workload | PyTorch img/s | gan_tf graph img/s | gan_tf XLA img/s | graph/torch "
        "| XLA/torch | GFLOP/step | FLOP/s share torch / graph / XLA | parameters G + D |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        shares = " / ".join(f"{100 * r.flops_share(s):.1f}%" for s in SIDES)
        params = " + ".join(f"{r.networks[n]['params']:,}" for n in ("generator", "discriminator"))
        lines.append(
            f"| {r.workload} | {_rate(r, 'torch')} | {_rate(r, 'graph')} | {_rate(r, 'xla')} "
            f"| {r.ratio('graph'):.2f} | {r.ratio('xla'):.2f} | {r.flops_per_step / 1e9:.2f} "
            f"| {shares} | {params} |"
        )
    lines += ["", "Per workload (torch / graph / XLA):", ""]
    for r in results:
        macs = ", ".join(f"{n} {i['forward_macs'] / 1e6:.1f}" for n, i in r.networks.items())
        lines.append(
            f"- {r.workload} ({WORKLOADS[r.workload].about}; {r.examples_per_step} images/step): "
            f"first step {' / '.join(f'{r.first_step_seconds[s]:.1f}' for s in SIDES)} s; "
            f"steps per block {' / '.join(str(r.steps_per_block[s]) for s in SIDES)}; cores "
            f"busy (CPU/wall) {' / '.join(f'{r.cores_busy(s):.2f}' for s in SIDES)}; forward "
            f"MMAC per image (Keras layers = torch counter) {macs}"
        )
    return "\n".join(lines) + "\n"


def define_flags(flag_values=None) -> None:
    """The benchmark's flags (defined by ``__main__`` only: other benchmarks share names)."""
    from absl import flags

    fv = flags.FLAGS if flag_values is None else flag_values
    flags.DEFINE_list("workloads", list(WORKLOADS), f"Of {', '.join(WORKLOADS)}.", flag_values=fv)
    flags.DEFINE_integer("repeats", 3, "Rounds of blocks (torch, graph, XLA).", 1, flag_values=fv)
    flags.DEFINE_integer("warmup", 2, "Untimed steps per side, the first timed.", 1, flag_values=fv)
    flags.DEFINE_integer(
        "threads", None, "Threads per framework; default: CPUs of the affinity.", 1, flag_values=fv
    )
    flags.DEFINE_float(
        "max_block_seconds", 8.0, "Longest timed block (target 5 s).", 0.0, flag_values=fv
    )
    flags.DEFINE_string("out", None, "Markdown report (written atomically).", flag_values=fv)


def main(argv: Sequence[str], flag_values=None) -> None:
    """Prints the report (and writes --out); exit status 2 for a usage error, 1 for a twin
    that differs from gan_tf's networks."""
    from absl import flags

    fv = flags.FLAGS if flag_values is None else flag_values
    about: dict[str, str] = {}
    try:
        if len(argv) > 1:
            raise UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
        results = compare(
            fv.workloads, fv.repeats, warmup=fv.warmup, threads=fv.threads,
            max_block_seconds=fv.max_block_seconds, about=about,
        )  # fmt: skip
    except (UsageError, TwinMismatchError) as error:
        print(f"peer_pytorch: {error}", file=sys.stderr)
        raise SystemExit(2 if isinstance(error, UsageError) else 1) from None
    own = ("workloads", "repeats", "warmup", "threads", "max_block_seconds", "out")
    command = ["python", "-m", "benchmarks.peer_pytorch"]
    header = {
        "Command": shlex.join(command + [fv[n].serialize() for n in own if fv[n].present]),
        "Date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        **about,
        "Timing": f"{fv.repeats} rounds of blocks torch, graph, XLA; median (min-max) images/s",
    }
    report = markdown_report(results, header)
    print(report)
    if fv.out:  # atomically: a temporary file beside it, renamed
        out = pathlib.Path(fv.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=out.parent, delete=False) as f:
            f.write(report)
        os.replace(f.name, out)


if __name__ == "__main__":
    from absl import app

    define_flags()
    app.run(main)
