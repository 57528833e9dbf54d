"""FusedAdam: Keras's Adam formula in TensorFlow's one fused kernel, with and without XLA."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.models.fused_adam import FusedAdam


def _train(optimizer_cls, jit: bool, steps: int = 10, **settings):
    start = np.linspace(-1.0, 1.0, 120, dtype="float32").reshape(12, 10)
    variable = keras.Variable(start)
    optimizer = optimizer_cls(1e-2, beta_1=0.5, beta_2=0.99, **settings)
    optimizer.build([variable])

    @tf.function(jit_compile=jit)
    def step(gradient):
        optimizer.apply_gradients([(gradient, variable)])

    for i in range(steps):
        step(tf.constant(np.sin(start * (i + 1))))
    slots = [v.numpy() for v in optimizer.variables]
    return variable.numpy(), slots, [v.path for v in optimizer.variables]


@pytest.mark.parametrize("jit", [False, True])
def test_fused_adam_follows_keras_adam(jit):
    weights, slots, paths = _train(FusedAdam, jit)
    keras_weights, keras_slots, keras_paths = _train(keras.optimizers.Adam, jit)
    assert not np.allclose(weights, np.linspace(-1.0, 1.0, 120).reshape(12, 10))  # it moved
    np.testing.assert_allclose(weights, keras_weights, atol=1e-6)
    for slot, keras_slot in zip(slots, keras_slots, strict=True):
        np.testing.assert_allclose(slot, keras_slot, rtol=1e-5, atol=1e-7)

    def kinds(names):  # "fused_adam/variable_3_momentum" -> "momentum"
        return [name.rsplit("/", 1)[-1].rsplit("_", 1)[-1] for name in names]

    assert kinds(paths) == kinds(keras_paths)  # the same slots as Keras's Adam


def test_fused_adam_runs_one_kernel_per_variable():
    variable = keras.Variable(np.zeros((3, 3), "float32"))
    optimizer = FusedAdam(1e-3)
    optimizer.build([variable])
    graph = (
        tf.function(lambda g: optimizer.apply_gradients([(g, variable)]))
        .get_concrete_function(tf.TensorSpec((3, 3), tf.float32))
        .graph
    )
    ops = [op.type for op in graph.get_operations()]
    assert ops.count("ResourceApplyAdam") == 1 and "Sqrt" not in ops


def test_amsgrad_keeps_keras_ops():
    weights, _, _ = _train(FusedAdam, False, amsgrad=True)
    keras_weights, _, _ = _train(keras.optimizers.Adam, False, amsgrad=True)
    np.testing.assert_array_equal(weights, keras_weights)
