"""pix2pix: shapes, the three losses, the PatchGAN receptive field of every setting, one
compiled training step and the sample grid."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf import configs
from gan_tf.models.zoo import build_model
from gan_tf.networks.patchgan import receptive_field


def config(**overrides):
    cfg = configs.get(
        "pix2pix",
        **{
            "dataset": "fashion_mnist",
            "image_size": 32,
            "base_filters": 4,
            "batch_size": 2,
            "jit_compile": True,
            "receptive_field": 16,
            **overrides,
        },
    )
    assert (cfg.input_channels, cfg.channels) == (1, 1)  # edges of grayscale images
    return cfg


def pairs(n=2, seed=0):
    a = tf.random.stateless_uniform((n, 32, 32, 1), [seed, 1], -1, 1)
    return a, -a


@pytest.mark.parametrize("field,size", [(1, 32), (16, 32), (70, 256), (286, 256)])
def test_receptive_field_of_each_setting(field, size):
    model = build_model(config(receptive_field=field, image_size=size))
    assert receptive_field(model.discriminator) == field
    if field == 70 and size == 256:
        assert model.discriminator.output_shape == (None, 30, 30, 1)


def test_compiled_step_trains_both_networks_and_counts_steps():
    model = build_model(config())
    g_before = [v.numpy().copy() for v in model.generator.trainable_variables]
    d_before = [v.numpy().copy() for v in model.discriminator.trainable_variables]
    ds = tf.data.Dataset.from_tensors(pairs()).repeat()
    history = model.fit(ds, steps_per_epoch=2, epochs=1, verbose=0)
    assert int(model.step.numpy()) == 2
    logs = {k: v[-1] for k, v in history.history.items()}
    assert {"d_loss", "g_loss", "g_l1", "g_gan"} <= set(logs)
    assert all(np.isfinite(v) for v in logs.values())
    # g_loss = g_gan + 100 * g_l1 (eq. 4).
    changed = lambda vs, before: any(  # noqa: E731
        not np.allclose(v.numpy(), b) for v, b in zip(vs, before, strict=True)
    )
    assert changed(model.generator.trainable_variables, g_before)
    assert changed(model.discriminator.trainable_variables, d_before)


def test_loss_variants():
    a, b = pairs()
    l1_only = build_model(config(loss="l1"))
    d_before = [v.numpy().copy() for v in l1_only.discriminator.trainable_variables]
    logs = l1_only.train_step((a, b))
    assert "d_loss" not in logs and float(logs["g_loss"]) == pytest.approx(
        100 * float(logs["g_l1"]), rel=1e-5
    )
    for v, before in zip(l1_only.discriminator.trainable_variables, d_before, strict=True):
        np.testing.assert_array_equal(v.numpy(), before)  # D is not trained for --loss=l1
    cgan = build_model(config(loss="cgan")).train_step((a, b))
    assert float(cgan["g_loss"]) == pytest.approx(float(cgan["g_gan"]), rel=1e-5)
    both = build_model(config(lambda_l1=10.0)).train_step((a, b))
    assert float(both["g_loss"]) == pytest.approx(
        float(both["g_gan"]) + 10 * float(both["g_l1"]), rel=1e-4
    )


def test_sample_grid_and_checkpoint_objects():
    model = build_model(config())
    a, b = pairs(3)
    model.set_samples((a.numpy(), b.numpy()))
    grid = model.sample_grid()
    assert grid.dtype == np.uint8 and grid.shape == (3 * 33 + 1, 3 * 33 + 1, 1)
    objects = model.checkpoint_objects()
    assert objects["step"] is model.step
    assert {"generator", "discriminator", "g_optimizer", "d_optimizer"} <= set(objects)
