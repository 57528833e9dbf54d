"""Mixed precision: the policy reaches every layer, a few steps in each policy give finite
losses, a float16 gradient-penalty step matches a float32 one, checkpoints cross precisions,
and the translation models train under float16 with loss scaling."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf import configs
from gan_tf.configs.base import RunConfig
from gan_tf.errors import UsageError
from gan_tf.models import precision
from gan_tf.models.zoo import build_model
from gan_tf.training.checkpoints import checkpoint_manager, restore_latest
from tests.models.test_stargan import tiny_config as tiny_stargan_config


def skipped_updates(optimizer: keras.optimizers.LossScaleOptimizer) -> float:
    """Updates a loss-scaled optimizer skipped: each overflow halves the scale from Keras's
    initial 2^15 (it grows again only after 2,000 good steps, more than any test runs)."""
    return float(np.log2(2.0**15 / float(optimizer.dynamic_scale.numpy())))


def wgan_gp_config(mixed_precision: str, **overrides) -> RunConfig:
    values = dict(
        dataset="mnist",
        image_size=28,
        base_filters=4,
        latent_dim=8,
        batch_size=4,
        d_steps=2,
        jit_compile=False,
        mixed_precision=mixed_precision,
        gp_weight=10.0,
        critic_norm="layer",
    )
    values.update(overrides)
    return configs.get("wgan_gp", **values)


def images(n: int, seed: int = 0) -> tf.Tensor:
    return tf.random.stateless_uniform((n, 28, 28, 1), [seed, 7], -1, 1)


def test_precision_names():
    assert precision.canonical_precision(None) == "float32"
    assert precision.canonical_precision("none") == "float32"
    assert precision.canonical_precision("BFloat16") == "bfloat16"
    with pytest.raises(UsageError, match="float16, bfloat16 or float32"):
        precision.canonical_precision("float8")


@pytest.mark.parametrize(
    "name,compute,scaled",
    [("float16", "float16", True), ("bfloat16", "bfloat16", False), ("float32", "float32", False)],
)
def test_build_model_puts_every_layer_under_the_policy(name, compute, scaled):
    model = build_model(wgan_gp_config(name))
    for network in (model.generator, model.discriminator):
        convolutions = [
            layer
            for layer in precision.nested_layers(network)
            if isinstance(layer, keras.layers.Conv2D | keras.layers.Conv2DTranspose)
        ]
        assert convolutions and all(c.compute_dtype == compute for c in convolutions)
        assert all(v.dtype == "float32" for v in network.weights)  # float32 master weights
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer) is scaled
    # Outputs in float32 whatever the policy; the global policy is restored after the build.
    assert model.generate(tf.zeros([2, 8])).dtype == tf.float32
    assert model.discriminate(images(2)).dtype == tf.float32
    assert keras.config.dtype_policy().name == "float32"


@pytest.mark.parametrize(
    "name,jit", [("float32", False), ("float16", False), ("float16", True), ("bfloat16", False)]
)
def test_a_few_steps_in_each_policy_give_finite_losses(name, jit):
    model = build_model(wgan_gp_config(name, jit_compile=jit))
    data = tf.data.Dataset.from_tensors(images(8)).repeat()  # batch 4 x d_steps 2
    history = model.fit(data, steps_per_epoch=5, epochs=1, verbose=0)
    for key in ("d_loss", "g_loss", "gradient_penalty", "wasserstein_estimate"):
        assert np.all(np.isfinite(history.history[key])), key
    assert int(model.step.numpy()) == 5
    if name != "float16":
        assert np.isfinite(history.history["d_grad_norm"][-1])
        return
    # Dynamic loss scaling: starting at 2^15, every overflowing update is skipped and halves
    # the scale (it grows again only after 2,000 good steps), so applied + skipped updates
    # account for every update of the 5 steps, and some were applied.
    for optimizer, updates in ((model.d_optimizer, 10), (model.g_optimizer, 5)):
        assert int(optimizer.iterations.numpy()) + skipped_updates(optimizer) == updates
    assert int(model.d_optimizer.iterations.numpy()) >= 1


def test_float16_gradient_penalty_step_matches_float32():
    """One WGAN-GP critic + generator step from the same weights and data: float16 (loss
    scaled, penalty in float32) gives the float32 losses and weight updates to float16
    accuracy. The loss scale starts at 2^6, where this tiny critic's step does not overflow
    (from 2^15 the first updates would be skipped while the scale comes down)."""

    def sgd(name):
        if name == "float32":
            return keras.optimizers.SGD(1e-2)
        return keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(1e-2), initial_scale=64)

    models = {}
    for name in ("float32", "float16"):
        model = build_model(wgan_gp_config(name, d_steps=1))
        model.compile(d_optimizer=sgd(name), g_optimizer=sgd(name), jit_compile=False)
        model.build_optimizers()
        models[name] = model
    reference, mixed = models["float32"], models["float16"]
    mixed.generator.set_weights(reference.generator.get_weights())
    mixed.discriminator.set_weights(reference.discriminator.get_weights())
    before = [w.numpy().copy() for w in reference.discriminator.weights]

    batch = images(4, seed=3)
    logs = {name: m.train_step(batch) for name, m in models.items()}
    for key in ("d_loss", "gradient_penalty", "gradient_norm", "wasserstein_estimate", "g_loss"):
        np.testing.assert_allclose(
            float(logs["float16"][key]), float(logs["float32"][key]), rtol=2e-2, atol=2e-3
        )
    for optimizer in (mixed.d_optimizer, mixed.g_optimizer):
        assert int(optimizer.iterations.numpy()) == 1  # applied, not skipped

    # The critic's update agrees to float16 accuracy (measured: 0.5-3% per variable, the same
    # with the penalty as without it; the fakes themselves come from a float16 generator).
    def update(model):
        weights = model.discriminator.weights
        return np.concatenate(
            [(w.numpy() - w0).ravel() for w, w0 in zip(weights, before, strict=True)]
        )

    delta32, delta16 = update(reference), update(mixed)
    assert np.linalg.norm(delta32) > 0
    assert np.linalg.norm(delta16 - delta32) <= 0.05 * np.linalg.norm(delta32)


@pytest.mark.parametrize("saved,restored", [("float16", "float32"), ("float32", "float16")])
def test_a_checkpoint_resumes_under_another_precision(saved, restored, tmp_path):
    keras.utils.set_random_seed(1)
    writer = build_model(wgan_gp_config(saved))
    writer.step.assign(5)
    checkpoint_manager(writer, tmp_path).save(checkpoint_number=5)

    keras.utils.set_random_seed(2)  # other initial weights, which the restore must replace
    reader = build_model(wgan_gp_config(restored))
    assert restore_latest(checkpoint_manager(reader, tmp_path)) == 5
    for a, b in zip(writer.generator.weights, reader.generator.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    if restored == "float16":  # no loss scale state in a float32 checkpoint: the initial scale
        assert float(reader.d_optimizer.dynamic_scale.numpy()) == 2.0**15


def test_stargan_trains_under_float16_with_its_penalty_in_float32():
    model = build_model(tiny_stargan_config(mixed_precision="float16"))
    assert isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert set(model.checkpoint_objects()) >= {"d_optimizer_loss_scale", "g_optimizer_loss_scale"}
    x = tf.random.stateless_uniform((2, 16, 16, 1), [0, 1], -1, 1)
    # Dynamic loss scaling starts at 2^15, so the first updates may overflow (whether they do
    # depends on the CPU's float16 arithmetic): such an update is skipped, its gradient norm
    # is logged as not finite and the scale halves. The losses are finite on every step.
    for _ in range(5):
        applied = {name: int(getattr(model, f"{name}_optimizer").iterations) for name in "dg"}
        logs = model.train_step((x, tf.one_hot([0, 1], 2)))
        assert logs["gradient_penalty"].dtype == tf.float32
        for key, value in logs.items():
            if not key.endswith("grad_norm"):
                assert np.isfinite(float(value)), key
        for name in "dg":
            done = int(getattr(model, f"{name}_optimizer").iterations) - applied[name]
            assert done == int(np.isfinite(float(logs[f"{name}_grad_norm"]))), name
    for name in "dg":
        optimizer = getattr(model, f"{name}_optimizer")
        assert int(optimizer.iterations.numpy()) + skipped_updates(optimizer) == 5, name
    assert int(model.d_optimizer.iterations.numpy()) >= 1
    assert int(model.g_optimizer.iterations.numpy()) >= 1
    assert model.translate(x, tf.one_hot([1, 0], 2)).dtype == tf.float32
