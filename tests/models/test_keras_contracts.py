"""The private Keras behaviour gan_tf relies on, pinned so that a Keras upgrade fails loudly.

Issue 19: no override of a private Keras method where a public way exists; where none does, a
test pins the behaviour. gan_tf uses one private Keras API: `gan_tf.models.replicas.
BuiltBeforeFit` overrides `keras.Model._maybe_symbolic_build(iterator=None, data_batch=None)`
with a no-op. Under a tf.distribute strategy Keras 3's `fit` calls it first; it makes a fresh
iterator of the training data and takes a batch to build the model symbolically, even when
everything is already built, so a reshuffling dataset starts training on its second order
instead of its first, and `--strategy=mirrored` would train on other batches than the same run
without a strategy. There is no public way around this: being built, a distributed dataset,
`distribute_datasets_from_function` and `steps_per_execution` all still lose that first order.

These tests fail if:
- Keras renames the method or changes its signature (the override would do nothing);
- a gan_tf model no longer resolves the method to the override;
- Keras stops taking that batch (the override is no longer needed: delete it);
- the override no longer stops it (the first order is lost again under a strategy);
- a private name that gan_tf uses on its Keras or TF subclasses also turns up in Keras or TF
  (gan_tf would shadow or read their internals without meaning to).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import pkgutil
import re
import subprocess
import sys

import keras
import pytest

import gan_tf
from gan_tf.models import replicas
from tests.conftest import REPO_ROOT
from tests.experiments.cli import cli_env

# The one private Keras name gan_tf defines on purpose.
OVERRIDDEN = "_maybe_symbolic_build"

# Run in a fresh process: the CPU is split into two logical devices before TensorFlow starts.
# Records the global batches the first STEPS train steps see: without a strategy, under
# MirroredStrategy, and under MirroredStrategy with gan_tf's override. Prints one JSON line.
FIT_UNDER_MIRRORED = r"""
import json

import keras
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from gan_tf.models.replicas import BuiltBeforeFit

STEPS = 3


def dataset():
    return tf.data.Dataset.range(100).shuffle(100, seed=1, reshuffle_each_iteration=True).batch(4)


def recorder_variable(value):
    # Each replica keeps its own copy (written inside the step without cross-replica
    # aggregation); reading it outside the step takes the first replica's.
    return keras.Variable(
        value, trainable=False, synchronization="on_read", aggregation="only_first_replica"
    )


class Recorder(keras.Model):
    # Built like the gan_tf models: every variable and the optimizer exist before fit.
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)
        self.seen = recorder_variable(tf.fill((STEPS, 4), tf.constant(-1, tf.int64)))
        self.count = recorder_variable(tf.constant(0, tf.int64))

    def train_step(self, data):
        context = tf.distribute.get_replica_context()
        batch = context.all_gather(data, axis=0) if context.num_replicas_in_sync > 1 else data
        rows = [[self.count.value]]
        self.seen.assign(tf.tensor_scatter_nd_update(self.seen.value, rows, [batch]))
        self.count.assign_add(1)
        return {"count": tf.cast(self.count.value, "float32")}


class BuiltRecorder(BuiltBeforeFit, Recorder):
    pass


def seen(cls, strategy):
    with strategy.scope():
        model = cls()
        model.dense.build((None, 1))
        model.built = True
        model.compile(optimizer="sgd")
        model.optimizer.build(model.trainable_variables)
    model.fit(dataset(), epochs=1, steps_per_epoch=STEPS, verbose=0, shuffle=False)
    return model.seen.numpy().tolist()


reference = dataset()
mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
report = {
    "first_order": [b.numpy().tolist() for b in reference.take(STEPS)],
    "second_order": [b.numpy().tolist() for b in reference.take(STEPS)],
    "replicas": mirrored.num_replicas_in_sync,
    "no_strategy": seen(Recorder, tf.distribute.get_strategy()),
    "mirrored": seen(Recorder, mirrored),
    "mirrored_built_before_fit": seen(BuiltRecorder, mirrored),
}
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def fit_report() -> dict:
    """FIT_UNDER_MIRRORED's report, run once for the module (about 10 s)."""
    result = subprocess.run(
        [sys.executable, "-c", FIT_UNDER_MIRRORED],
        cwd=REPO_ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    # The probe only means something if a fresh iterator really gives another order.
    assert report["first_order"] != report["second_order"]
    return report


def _parameters(function) -> list[tuple[str, object, object]]:
    """Name, kind and default of each parameter (annotations aside)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_keras_model_still_has_maybe_symbolic_build_with_the_overridden_signature() -> None:
    """The override only works while Keras calls a method of that name with those arguments
    (`_maybe_symbolic_build(iterator=epoch_iterator)` in fit/evaluate, `data_batch=...` in
    train_on_batch/test_on_batch); a renamed hook would leave it dead code, silently."""
    assert hasattr(keras.Model, OVERRIDDEN), (
        f"keras.Model.{OVERRIDDEN} is gone: find what fit calls now under a strategy before "
        "its first step, and whether it still iterates the data (see gan_tf.models.replicas)"
    )
    keras_parameters = _parameters(getattr(keras.Model, OVERRIDDEN))
    assert keras_parameters == _parameters(replicas.BuiltBeforeFit._maybe_symbolic_build)
    assert [name for name, _, _ in keras_parameters] == ["self", "iterator", "data_batch"]


def test_gan_tf_models_resolve_maybe_symbolic_build_to_built_before_fit() -> None:
    """Every gan_tf model with its own `train_step` (so trained by `fit`, possibly under a
    strategy) must find the no-op before Keras's method in its MRO: without the mixin, with it
    listed after keras.Model, or with a variant overriding it again, the extra batch is back."""
    models = [
        c
        for c in _external_subclasses_in_gan_tf()
        if issubclass(c, keras.Model) and c.train_step is not keras.Model.train_step
    ]
    assert models, "found no keras.Model subclass with a train_step in gan_tf"
    override = replicas.BuiltBeforeFit.__dict__[OVERRIDDEN]
    wrong = [c.__qualname__ for c in models if getattr(c, OVERRIDDEN) is not override]
    assert not wrong, f"{wrong}: {OVERRIDDEN} does not resolve to BuiltBeforeFit's no-op"


def test_fit_under_mirrored_strategy_without_the_override_trains_on_the_second_order(
    fit_report: dict,
) -> None:
    """The reason for the override: a built model under MirroredStrategy still has `fit` take
    a batch from an iterator of its own first, so training starts on the dataset's second
    shuffle. If this fails, Keras no longer does that: delete BuiltBeforeFit's override."""
    assert fit_report["no_strategy"] == fit_report["first_order"]
    assert fit_report["mirrored"] == fit_report["second_order"], (
        "fit under MirroredStrategy no longer skips the first shuffle of the data: "
        f"BuiltBeforeFit.{OVERRIDDEN} may no longer be needed"
    )


def test_fit_under_mirrored_strategy_with_built_before_fit_trains_on_the_first_order(
    fit_report: dict,
) -> None:
    """With the override, a run under MirroredStrategy sees the same batches, in the same
    order, as the same run without a strategy: what `--strategy=mirrored` promises."""
    assert fit_report["mirrored_built_before_fit"] == fit_report["no_strategy"], (
        "BuiltBeforeFit no longer stops fit from consuming the data before training under a "
        "strategy: Keras builds through another path now"
    )
    assert fit_report["mirrored_built_before_fit"] == fit_report["first_order"]


# --- Private names on gan_tf's Keras subclasses ----------------------------------------------

_SELF_PRIVATE = re.compile(r"\bself\.(_[A-Za-z]\w*)")
_SETATTR_PRIVATE = re.compile(r"""setattr\(\s*self\s*,\s*["'](_[A-Za-z]\w*)["']""")


def _private(names) -> set[str]:
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def _is_external(cls: type) -> bool:
    """A Keras or TensorFlow class (not tensorflow_datasets: a tfds builder's `_info`,
    `_split_generators` and `_generate_examples` are that library's documented hooks)."""
    module = cls.__module__ or ""
    return module == "keras" or module.startswith(("keras.", "tensorflow.", "tf_keras."))


def _names_in_source(cls: type) -> set[str]:
    """Private names `cls`'s source reads, writes or sets with setattr on `self`."""
    source = inspect.getsource(cls)
    return set(_SELF_PRIVATE.findall(source)) | set(_SETATTR_PRIVATE.findall(source))


@functools.cache
def _external_subclasses_in_gan_tf() -> tuple[type, ...]:
    """Every class defined in gan_tf with a Keras or TF class among its bases (models, layers,
    callbacks, schedules, tf.Modules). The experiment entry points are skipped: they define
    absl flags and cannot be imported together."""
    classes = []
    for info in pkgutil.walk_packages(gan_tf.__path__, "gan_tf."):
        if info.name.startswith("gan_tf.experiments"):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and any(map(_is_external, cls.__mro__)):
                classes.append(cls)
    return tuple(classes)


def test_gan_tf_shares_no_private_name_with_keras_but_the_one_override() -> None:
    """A private name gan_tf uses on a Keras or TF subclass (a helper like `_next_seed`, state
    like `_trace_state`) that Keras or TF also uses on that class would override or clobber
    their internals without anyone noticing; an upgrade can add such a name at any time. On
    their side: every private name on the external classes of the MRO, and every `self._x` in
    those classes' source files (attributes set lazily, e.g. by fit)."""
    classes = _external_subclasses_in_gan_tf()
    shared: dict[str, set[str]] = {}
    for cls in classes:
        external_names: set[str] = set()
        own_names: set[str] = set()
        for klass in cls.__mro__:
            if _is_external(klass):
                external_names |= _private(dir(klass))
                source_file = inspect.getsourcefile(klass)
                if source_file:
                    with open(source_file, encoding="utf-8") as f:
                        external_names |= set(_SELF_PRIVATE.findall(f.read()))
            elif (klass.__module__ or "").startswith("gan_tf"):
                own_names |= _private(vars(klass)) | _names_in_source(klass)
        if own_names & external_names:
            shared[f"{cls.__module__}.{cls.__qualname__}"] = own_names & external_names
    # FusedAdam reads Adam's slots as Adam's own update_step does (pinned by
    # tests/models/test_fused_adam.py, which fails if they change).
    reads = {
        "gan_tf.models.fused_adam.FusedAdam": {"_get_variable_index", "_momentums", "_velocities"}
    }
    unexpected = {
        name: names - {OVERRIDDEN} - reads.get(name, set()) for name, names in shared.items()
    }
    unexpected = {name: names for name, names in unexpected.items() if names}
    assert not unexpected, (
        f"gan_tf uses private names that Keras/TF also use: {unexpected}; rename gan_tf's, or "
        "pin the dependency in this file"
    )
    # The override itself is found this way too: if not, the check above is not looking.
    assert any(OVERRIDDEN in names for names in shared.values())
