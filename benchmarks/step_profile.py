"""Where a train step's time goes: op-level CPU time of one step, with XLA and without.

    python -m benchmarks.step_profile --variant=pix2pix --jit=off,on

Builds the variant at its config's defaults on a synthetic in-memory batch (as
`benchmarks.train_speed` does), warms the step up, records --steps steps with the TensorFlow
profiler (`tf.profiler.experimental`) and sums the duration of every op the trace holds, per
kind of op, divided by the number of steps:

  graph (no XLA)  TensorFlow's kernels, named by op type (`_MklNativeConv2DBackpropInput`: the
                  oneDNN kernels TensorFlow uses on x86 CPUs), from the executor's threads;
  XLA             XLA:CPU's thunks, named by HLO instruction with its number dropped
                  (`convolution`, `copy_reverse_fusion`, ...), from the thread pool running them.

Times are summed over threads, so with N threads busy the sum can exceed the wall time. The
trace itself is left in --logdir for TensorBoard's profile plugin. Reads the trace's XPlane
protobuf directly: the only reader TensorFlow ships without the profile plugin installed.
"""

from __future__ import annotations

import collections
import pathlib
import re
import sys
import tempfile
from collections.abc import Sequence

from absl import app, flags

from benchmarks import train_speed

FLAGS = flags.FLAGS


def define_flags() -> None:
    """The command line (defined only when run, so tests can import the module)."""
    flags.DEFINE_string("variant", "pix2pix", "The variant to profile (at its config's defaults).")
    flags.DEFINE_list("jit", ["off", "on"], "XLA settings to profile: off, on.")
    flags.DEFINE_integer("batch_size", None, "Batch size; default: the config's.")
    flags.DEFINE_integer("image_size", None, "Image size; default: the config's.")
    flags.DEFINE_integer("steps", 3, "Profiled steps (after --warmup).", lower_bound=1)
    flags.DEFINE_integer("warmup", 3, "Steps before profiling.", lower_bound=1)
    flags.DEFINE_integer("top", 12, "Op kinds listed per setting.", lower_bound=1)
    flags.DEFINE_string("logdir", None, "Where the trace goes; default: a temporary folder.")


# Events that contain ops rather than being one: the runtime's C++ scopes (`Class::Method`),
# eager dispatch of the step function, and the wait for XLA's result.
_CONTAINERS = re.compile(
    r"::|^(TFE_|Eager|FunctionRun|BlockUntilReady|multi_step_on_iterator|ExecutorDoneCallback)"
    r"|__inference_"
)


def op_kind(event_name: str) -> str | None:
    """The kind of op an event is, or None for a container event: a TensorFlow op event is
    `scope/name:Type` (-> Type), an XLA thunk `convolution.26` (-> convolution)."""
    if _CONTAINERS.search(event_name):
        return None
    if ":" in event_name:
        return event_name.rsplit(":", 1)[1]
    return re.sub(r"[.]\d+$", "", event_name)


def op_times(xplane_path: pathlib.Path) -> collections.Counter:
    """Seconds per op kind summed over the host plane's threads."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    space = xplane_pb2.XSpace()
    space.ParseFromString(xplane_path.read_bytes())
    totals: collections.Counter = collections.Counter()
    for plane in space.planes:
        if plane.name != "/host:CPU":
            continue
        for line in plane.lines:
            if line.name.startswith("tf_data"):  # the input pipeline, not the step
                continue
            for event in line.events:
                kind = op_kind(plane.event_metadata[event.metadata_id].name)
                if kind is not None:
                    totals[kind] += event.duration_ps * 1e-12
    return totals


def profile(variant: str, jit: bool, steps: int, warmup: int, logdir: pathlib.Path, **sizes):
    """(wall seconds per step, op seconds per step by kind) of `variant`'s train step."""
    import tensorflow as tf

    timer = train_speed.StepTimer(train_speed.variant_config(variant, jit_compile=jit, **sizes))
    timer.run(warmup)
    tf.profiler.experimental.start(str(logdir))
    wall = timer.run(steps) / steps
    tf.profiler.experimental.stop()
    (trace,) = sorted(logdir.glob("**/*.xplane.pb"))
    return wall, {kind: seconds / steps for kind, seconds in op_times(trace).items()}


def report(variant: str, jit: bool, wall: float, times: dict[str, float], top: int) -> str:
    """A markdown table of the `top` op kinds by time per step."""
    total = sum(times.values())
    lines = [
        f"{variant}, XLA {'on' if jit else 'off'}: {wall * 1e3:.1f} ms wall per step (profiled), "
        f"{total * 1e3:.1f} ms of ops summed over threads",
        "",
        "| op | ms/step | share |",
        "|---|---|---|",
    ]
    for kind, seconds in sorted(times.items(), key=lambda kv: -kv[1])[:top]:
        lines.append(f"| `{kind}` | {seconds * 1e3:.1f} | {seconds / total:.0%} |")
    return "\n".join(lines)


def _fail(message: str) -> None:
    print(f"step_profile: {message}", file=sys.stderr)
    sys.exit(2)


def main(argv: Sequence[str]) -> None:
    del argv
    from gan_tf import configs

    if FLAGS.variant not in configs.VARIANTS:
        _fail(f"unknown variant {FLAGS.variant!r}: choose from {', '.join(configs.VARIANTS)}")
    settings = {"on": True, "off": False}
    if any(j not in settings for j in FLAGS.jit):
        _fail(f"--jit takes off and on, got {','.join(FLAGS.jit)}")
    root = pathlib.Path(FLAGS.logdir or tempfile.mkdtemp(prefix="step_profile_"))
    sizes = {"batch_size": FLAGS.batch_size, "image_size": FLAGS.image_size}
    for name in FLAGS.jit:
        logdir = root / f"{FLAGS.variant}_xla_{name}"
        wall, times = profile(
            FLAGS.variant, settings[name], FLAGS.steps, FLAGS.warmup, logdir, **sizes
        )
        print(report(FLAGS.variant, settings[name], wall, times, FLAGS.top), "\n", flush=True)
    print(f"traces: {root} (tensorboard --logdir={root}, Profile tab)")


if __name__ == "__main__":
    define_flags()
    app.run(main)
