"""CycleGAN: cycle and identity loss formulas, the history pool (also under XLA), the
learning-rate schedule and one training step."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf import configs, losses
from gan_tf.models.cyclegan import ImagePool
from gan_tf.models.zoo import build_model


def test_cycle_and_identity_losses():
    rng = np.random.default_rng(0)
    a, ra, b, rb = (rng.uniform(-1, 1, (2, 4, 4, 3)).astype(np.float32) for _ in range(4))
    expected = np.mean(np.abs(a - ra)) + np.mean(np.abs(b - rb))
    assert float(losses.cycle_consistency_loss(a, ra, b, rb)) == pytest.approx(expected, 1e-6)
    assert float(losses.identity_loss(a, ra, b, rb)) == pytest.approx(expected, 1e-6)
    assert float(losses.cycle_consistency_loss(a, a, b, b)) == 0.0


def images(start, n=10):
    # Image i is filled with the value i, so identities can be read back.
    values = tf.range(start, start + n, dtype=tf.float32)
    return tf.broadcast_to(values[:, None, None, None], (n, 2, 2, 1))


def ids(batch):
    return batch.numpy()[:, 0, 0, 0].astype(int).tolist()


@pytest.mark.parametrize("jit", [False, True])
def test_pool_fills_to_50_then_swaps_half(jit):
    pool = ImagePool((2, 2, 1), 50)
    query = tf.function(pool.query, jit_compile=jit)
    seen = []
    for k in range(5):  # 5 x 10 images fill the pool; each is returned as is
        out = query(images(10 * k), tf.constant([0, k], tf.int64))
        assert ids(out) == list(range(10 * k, 10 * k + 10))
        seen += ids(out)
    assert int(pool.count.numpy()) == 50
    assert sorted(ids(pool.images)) == list(range(50))

    swapped = 0
    for k in range(5, 25):
        stored_before = set(ids(pool.images))
        new = images(10 * k)
        out = ids(query(new, tf.constant([0, k], tf.int64)))
        stored_after = set(ids(pool.images))
        for i, value in zip(range(10 * k, 10 * k + 10), out, strict=True):
            if value == i:  # returned the new image: not stored
                assert i not in stored_after
            else:  # returned a stored image and stored the new one in its place
                swapped += 1
                assert value in stored_before and value not in stored_after
                assert i in stored_after
        assert len(stored_after) == 50 and int(pool.count.numpy()) == 50
    assert 0.35 < swapped / 200 < 0.65  # probability 1/2


def test_pool_partial_fill_in_one_batch():
    pool = ImagePool((2, 2, 1), 50)
    pool.query(images(0, 45), tf.constant([1, 1], tf.int64))
    out = pool.query(images(100, 10), tf.constant([1, 2], tf.int64))
    assert ids(out)[:5] == list(range(100, 105))  # fill the 5 free slots
    assert int(pool.count.numpy()) == 50
    assert set(range(100, 105)) <= set(ids(pool.images))


def test_training_step_and_checkpoint_objects():
    config = configs.get(
        "cyclegan",
        dataset="fashion_mnist",
        image_size=32,
        base_filters=4,
        batch_size=2,
        train_steps=10,
        jit_compile=False,
        num_residual_blocks=1,
    )
    assert config.channels == 1
    model = build_model(config)
    assert model.lambda_id == 5.0 and model.lambda_cyc == 10.0
    a = tf.random.stateless_uniform((2, 32, 32, 1), [0, 1], -1, 1)
    history = model.fit(
        tf.data.Dataset.from_tensors((a, -a)).repeat(), steps_per_epoch=2, verbose=0
    )
    logs = {k: v[-1] for k, v in history.history.items()}
    assert {"g_loss", "cycle", "identity", "d_loss_a", "d_loss_b"} <= set(logs)
    assert int(model.step.numpy()) == 2 and int(model.pool_a.count.numpy()) == 4
    objects = model.checkpoint_objects()
    assert {
        "generator_ab",
        "generator_ba",
        "discriminator_a",
        "discriminator_b",
        "pool_a",
        "pool_b",
        "g_optimizer",
        "d_optimizer",
        "step",
    } <= set(objects)
    a3 = a.numpy()[:1]
    model.set_samples((a3, -a3))
    assert model.sample_grid().shape == (34, 6 * 33 + 1, 1)
