"""Run as a script (a fresh process, so it can split the CPU into two logical devices):
one WGAN-GP step on MirroredStrategy over 2 replicas vs one device, same global batch.
Prints a JSON line with both runs' logs and the largest weight difference."""

import json
import sys

import keras
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)

from gan_tf.models.wgan_gp import WGANGP  # noqa: E402

JIT = sys.argv[1] == "jit" if len(sys.argv) > 1 else True


def mlp(inputs, outputs, name):
    return keras.Sequential(
        [
            keras.Input((inputs,)),
            keras.layers.Dense(16, activation="tanh"),
            keras.layers.Dense(outputs),
        ],
        name=name,
    )


def run(strategy):
    with strategy.scope():
        keras.utils.set_random_seed(0)
        model = WGANGP(mlp(3, 4, "g"), mlp(4, 1, "d"), latent_dim=3, seed=0, d_steps=1, g_steps=1)
        model.compile(
            keras.optimizers.Adam(1e-2, 0.0, 0.9),
            keras.optimizers.Adam(1e-2, 0.0, 0.9),
            jit_compile=JIT,
        )
    data = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices(data).batch(16, drop_remainder=True)
    history = model.fit(ds, epochs=1, steps_per_epoch=2, verbose=0, shuffle=False)
    logs = {k: float(v[-1]) for k, v in history.history.items()}
    weights = [w.numpy() for w in model.generator.weights + model.discriminator.weights]
    return logs, weights


devices = [d.name for d in tf.config.list_logical_devices("CPU")]
mirrored_logs, mirrored_weights = run(tf.distribute.MirroredStrategy(devices[:2]))
single_logs, single_weights = run(tf.distribute.OneDeviceStrategy(devices[0]))
difference = max(
    float(np.max(np.abs(a - b))) for a, b in zip(mirrored_weights, single_weights, strict=True)
)
print(
    json.dumps(
        {
            "replicas": 2,
            "mirrored": mirrored_logs,
            "single": single_logs,
            "max_weight_difference": difference,
        }
    )
)
