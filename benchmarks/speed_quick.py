"""Quick train-step speed table of every variant (make bench-quick: minutes, not hours).

    python -m benchmarks.speed_quick          (writes experiments/speed_quick.md)
    taskset -c 1 python -m benchmarks.speed_quick --variants=dcgan,pix2pix

The measurement of `benchmarks.train_speed` (its docstring: per variant, two fresh worker
processes, XLA and graph, timed in alternating blocks), with short blocks and small sizes,
all set here: the MNIST variants and pix2pix at their configs' defaults (28x28 batch 64, 32x32
batch 1), CycleGAN and StarGAN at QUICK_IMAGE_SIZE / QUICK_BATCH_SIZE instead of their papers'
256x256 and 128x128 (the table names each size). Then, when PyTorch is installed, the same
networks and steps in PyTorch against gan_tf's (`benchmarks.peer_pytorch.compare` on
PEER_WORKLOADS, one round); without it the report says how to install it.

Flags: those of train_speed, with the defaults below, and --peer_workloads (empty: no PyTorch
part). Measured on this project's 2-core machine (AMD EPYC), nothing else running: 5 min 5 s in
all, the PyTorch part included (experiments/speed.md).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import shlex
import sys
from collections.abc import Sequence

from benchmarks import train_speed

MODULE = "benchmarks.speed_quick"
OUT = "experiments/speed_quick.md"
QUICK_IMAGE_SIZE = {"cyclegan": 64, "stargan": 64}
QUICK_BATCH_SIZE = {"stargan": 1}
QUICK = {
    "steps": 20,
    "repeats": 3,
    "warmup": 1,
    "max_block_seconds": 1.5,
    "image_size": ",".join(f"{v}:{n}" for v, n in QUICK_IMAGE_SIZE.items()),
    "batch_size": ",".join(f"{v}:{n}" for v, n in QUICK_BATCH_SIZE.items()),
}
PEER_WORKLOADS = ("dcgan28", "wgan_gp", "pix2pix32")
PEER_TIMING = {"repeats": 3, "warmup": 3, "max_block_seconds": 2.0}
TORCH_MISSING = "torch not installed: pip install -e '.[bench]'"


def say(message: str) -> None:
    print(f"speed_quick: {message}", file=sys.stderr, flush=True)


def peer_section(workloads: Sequence[str]) -> list[str]:
    """The report's PyTorch section: gan_tf's images/s over PyTorch's on `workloads`, or why
    there is none."""
    if not workloads:
        return []
    head = ["## PyTorch", ""]
    try:
        peer_pytorch = importlib.import_module("benchmarks.peer_pytorch")
    except ImportError as error:
        say(f"no PyTorch comparison: benchmarks.peer_pytorch does not import ({error})")
        return [*head, f"No comparison: `benchmarks.peer_pytorch` does not import ({error})."]
    if not peer_pytorch.torch_available():
        say(TORCH_MISSING)
        return [*head, TORCH_MISSING]
    lines = [
        *head,
        "The same networks and training steps in plain PyTorch and in gan_tf, timed in turn "
        "(`benchmarks.peer_pytorch`, its docstring says how; "
        f"{', '.join(f'{k}={v}' for k, v in PEER_TIMING.items())}). *ratio*: gan_tf's "
        "images/s over PyTorch's (> 1: gan_tf is faster).",
        "",
        "| workload | PyTorch images/s | gan_tf images/s graph / XLA | ratio graph / XLA |",
        "|---|---|---|---|",
    ]
    say(f"PyTorch comparison: {', '.join(workloads)}")
    try:  # all at once (one start of its workers); if that fails, one at a time
        results = {r.workload: r for r in peer_pytorch.compare(list(workloads), **PEER_TIMING)}
    except Exception as error:  # the gan_tf table stands without it
        say(f"PyTorch comparison failed ({brief(error)}): again one workload at a time")
        results = {}
        for workload in workloads:
            try:
                (results[workload],) = peer_pytorch.compare([workload], **PEER_TIMING)
            except Exception as error:
                results[workload] = error
                say(f"PyTorch comparison of {workload} failed: {brief(error)}")
    for workload, r in results.items():
        if isinstance(r, Exception):
            lines.append(f"| {workload} | **failed**: {brief(r)} | | |")
            continue
        lines.append(
            f"| {workload} | {r.images_per_second('torch'):.4g} "
            f"| {r.images_per_second('graph'):.4g} / {r.images_per_second('xla'):.4g} "
            f"| {r.ratio('graph'):.2f} / {r.ratio('xla'):.2f} |"
        )
    return lines


def brief(error: Exception) -> str:
    """The error's type and the last line of its message (a worker's traceback ends there)."""
    return f"{type(error).__name__}: {(str(error).strip().splitlines() or [''])[-1]}"


def parser_for_quick() -> argparse.ArgumentParser:
    """train_speed's flags with the QUICK defaults, and --peer_workloads."""
    parser = train_speed.parser(MODULE, out=OUT, defaults=QUICK)
    help_text = "benchmarks.peer_pytorch workloads, comma-separated (empty: none)."
    parser.add_argument("--peer_workloads", default=",".join(PEER_WORKLOADS), help=help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """make bench-quick; exit status 2 for bad flags (nothing measured or written)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = train_speed.parse(parser_for_quick(), argv)
        workloads = [w for w in args.peer_workloads.split(",") if w]
        with contextlib.suppress(ImportError):  # peer_section says so in the report
            from benchmarks.peer_pytorch import WORKLOADS

            if unknown := [w for w in workloads if w not in WORKLOADS]:
                raise train_speed.UsageError(
                    f"--peer_workloads: unknown {unknown}: of {list(WORKLOADS)}"
                )
    except train_speed.UsageError as error:
        print(f"{MODULE}: {error}", file=sys.stderr)
        return 2
    return train_speed.run(
        args,
        "Training speed, quick (make bench-quick)",
        shlex.join(["python", "-m", MODULE, *argv]),
        extra=lambda: peer_section(workloads),
    )


if __name__ == "__main__":
    sys.exit(main())
