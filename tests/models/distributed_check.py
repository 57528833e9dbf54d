"""Run as a script (a fresh process, so it can split the CPU into two logical devices).

    distributed_check.py nojit|jit   one WGAN-GP step on MirroredStrategy over 2 replicas vs
                                     one device, same global batch: both runs' logs and the
                                     largest weight difference
    distributed_check.py nonfinite   one loss-scaled step on 2 replicas where only the second
                                     replica's data overflows: the critic's update must be
                                     skipped on both (weights unchanged, scale halved)
    distributed_check.py translation pix2pix, CycleGAN and StarGAN (float16) train a step on 2
                                     replicas: their logs, steps and optimizer iterations
    distributed_check.py ada         DCGAN with ADA in float16 trains on 2 replicas: p on each
                                     replica, the steps, the logs finite

Prints one JSON line.
"""

import json
import sys

import keras
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)

from gan_tf import configs, losses  # noqa: E402
from gan_tf.models.noise_to_image import NoiseToImageGAN  # noqa: E402
from gan_tf.models.wgan_gp import WGANGP  # noqa: E402
from gan_tf.models.zoo import build_model  # noqa: E402

MODE = sys.argv[1] if len(sys.argv) > 1 else "jit"


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
        model = WGANGP(
            mlp(3, 4, "g"),
            mlp(4, 1, "d"),
            latent_dim=3,
            seed=0,
            d_steps=1,
            g_steps=1,
            gp_weight=10.0,
        )
        model.compile(
            d_optimizer=keras.optimizers.Adam(1e-2, 0.0, 0.9),
            g_optimizer=keras.optimizers.Adam(1e-2, 0.0, 0.9),
            jit_compile=MODE == "jit",
        )
    data = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices(data).batch(16, drop_remainder=True)
    history = model.fit(ds, epochs=1, steps_per_epoch=2, verbose=0, shuffle=False)
    logs = {k: float(v[-1]) for k, v in history.history.items()}
    weights = [w.numpy() for w in model.generator.weights + model.discriminator.weights]
    return logs, weights


def compare_with_one_device(devices):
    mirrored_logs, mirrored_weights = run(tf.distribute.MirroredStrategy(devices[:2]))
    single_logs, single_weights = run(tf.distribute.OneDeviceStrategy(devices[0]))
    difference = max(
        float(np.max(np.abs(a - b))) for a, b in zip(mirrored_weights, single_weights, strict=True)
    )
    return {
        "replicas": 2,
        "mirrored": mirrored_logs,
        "single": single_logs,
        "max_weight_difference": difference,
    }


def overflow_on_one_replica(devices):
    strategy = tf.distribute.MirroredStrategy(devices[:2])
    with strategy.scope():
        keras.utils.set_random_seed(0)
        model = NoiseToImageGAN(
            mlp(3, 4, "g"), mlp(4, 1, "d"), latent_dim=3, d_steps=1, g_steps=1, seed=0
        )

        def loss_scaled_sgd():
            sgd = keras.optimizers.SGD(0.1)
            return keras.optimizers.LossScaleOptimizer(sgd, initial_scale=16.0)

        model.compile(
            d_optimizer=loss_scaled_sgd(),
            g_optimizer=loss_scaled_sgd(),
            d_loss_fn=losses.minimax_discriminator_loss,
            g_loss_fn=losses.non_saturating_generator_loss,
            jit_compile=False,
        )
        model.build_optimizers()
    before = [w.numpy() for w in model.discriminator.weights]
    data = np.ones((16, 4), np.float32)
    data[8:] = np.inf  # the second replica's half of the global batch
    model.fit(tf.data.Dataset.from_tensors(data), epochs=1, steps_per_epoch=1, verbose=0)
    after = [w.numpy() for w in model.discriminator.weights]
    return {
        "replicas": strategy.num_replicas_in_sync,
        "d_weights_finite": bool(all(np.all(np.isfinite(w)) for w in after)),
        "d_weights_unchanged": bool(
            all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
        ),
        "d_scale": float(model.d_optimizer.dynamic_scale.numpy()),
        "d_updates": int(model.d_optimizer.iterations.numpy()),
        "g_updates": int(model.g_optimizer.iterations.numpy()),
    }


def translation_models(devices):
    strategy = tf.distribute.MirroredStrategy(devices[:2])
    # jit_compile is asked for and turned off (with a warning) on 2 replicas.
    tiny = dict(
        dataset="fashion_mnist", image_size=16, base_filters=4, batch_size=2, jit_compile=True
    )
    variant_configs = {
        "pix2pix": configs.get("pix2pix", **tiny, receptive_field=16),
        "cyclegan": configs.get("cyclegan", **tiny, num_residual_blocks=1, receptive_field=16),
        "stargan": configs.get(
            "stargan",
            **tiny,
            d_steps=2,
            mixed_precision="float16",
            domains=["original", "inverted"],
            num_residual_blocks=1,
            d_layers=2,
        ),
    }
    images = tf.random.stateless_uniform((4, 16, 16, 1), [0, 1], -1, 1)
    batches = {
        "pix2pix": (images[:2], -images[:2]),
        "cyclegan": (images[:2], -images[:2]),
        "stargan": (images, tf.one_hot([0, 1, 1, 0], 2)),  # batch 2 x d_steps 2
    }
    # StarGAN's float16 updates may overflow while the loss scale falls from 2^15 (skipped
    # updates, non-finite gradient norms): it takes steps until the scale has settled.
    steps = {"pix2pix": 1, "cyclegan": 1, "stargan": 5}
    report = {}
    for variant, config in variant_configs.items():
        model = build_model(config, strategy)
        data = tf.data.Dataset.from_tensors(batches[variant]).repeat()
        history = model.fit(data, epochs=1, steps_per_epoch=steps[variant], verbose=0)
        losses_finite = all(
            np.all(np.isfinite(v)) for k, v in history.history.items() if "grad_norm" not in k
        )
        skipped = 0
        if isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer):
            skipped = round(np.log2(2.0**15 / float(model.d_optimizer.dynamic_scale.numpy())))
        report[variant] = {
            "replicas": model.distribute_strategy.num_replicas_in_sync,
            "finite": bool(losses_finite),
            "step": int(model.step.numpy()),
            "steps": steps[variant],
            "d_calls": int(model.d_optimizer.iterations.numpy()) + skipped,
            "d_applied": int(model.d_optimizer.iterations.numpy()),
            "loss_scaled": isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer),
            "jit_compile": bool(model.jit_compile),
        }
    return report


def ada_in_float16(devices):
    strategy = tf.distribute.MirroredStrategy(devices[:2])
    # Every r_t is above the target -1, so p rises at each step by the reals of both replicas.
    config = configs.get(
        "dcgan", dataset="mnist", batch_size=4, base_filters=4, mixed_precision="float16",
        augment="ada", ada_target=-1.0, ada_interval=1, ada_images=1000,
    )  # fmt: skip
    model = build_model(config, strategy)
    images = tf.random.stateless_uniform((4, 28, 28, 1), [0, 1], -1, 1)
    history = model.fit(
        tf.data.Dataset.from_tensors(images).repeat(), epochs=1, steps_per_epoch=3, verbose=0
    )
    finite = all(np.all(np.isfinite(v)) for k, v in history.history.items() if "grad_norm" not in k)
    return {
        "replicas": model.distribute_strategy.num_replicas_in_sync,
        "p": [float(p) for p in strategy.experimental_local_results(model.augmentation.p.value)],
        "step": int(model.step.numpy()),
        "finite": bool(finite),
        "loss_scaled": isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer),
    }


devices = [d.name for d in tf.config.list_logical_devices("CPU")]
if MODE == "nonfinite":
    print(json.dumps(overflow_on_one_replica(devices)))
elif MODE == "translation":
    print(json.dumps(translation_models(devices)))
elif MODE == "ada":
    print(json.dumps(ada_in_float16(devices)))
else:
    print(json.dumps(compare_with_one_device(devices)))
