"""StarGAN: the domain classification loss, target labels, and one training step with
n_critic critic updates."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf import losses
from gan_tf.config import RunConfig
from gan_tf.models.stargan import target_labels
from gan_tf.models.zoo import build_model


def test_domain_classification_loss_formulas():
    logits = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]], np.float32)
    multi = np.array([[1, 0, 1], [0, 1, 0]], np.float32)
    sigmoid = 1 / (1 + np.exp(-logits))
    bce = -(multi * np.log(sigmoid) + (1 - multi) * np.log(1 - sigmoid))
    assert float(losses.domain_classification_loss(logits, multi)) == pytest.approx(
        bce.sum(-1).mean(), 1e-5
    )
    onehot = np.array([[1, 0, 0], [0, 0, 1]], np.float32)
    softmax = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    ce = -np.log((softmax * onehot).sum(-1))
    assert float(losses.domain_classification_loss(logits, onehot, multi_label=False)) == (
        pytest.approx(ce.mean(), 1e-5)
    )


def test_target_labels_keep_hair_exclusive_and_flip_others():
    labels = np.array([[1, 0, 0, 1, 0]], np.float32)  # black hair, male, not young
    groups = [[0, 1, 2]]
    np.testing.assert_array_equal(target_labels(labels, 1, groups), [[0, 1, 0, 1, 0]])
    np.testing.assert_array_equal(target_labels(labels, 3, groups), [[1, 0, 0, 0, 0]])
    np.testing.assert_array_equal(target_labels(labels, 4, groups), [[1, 0, 0, 1, 1]])
    np.testing.assert_array_equal(target_labels([[0, 1, 0]], 2, [[0, 1, 2]]), [[0, 0, 1]])


def test_training_step_runs_n_critic_updates():
    config = RunConfig(
        variant="stargan",
        dataset="fashion_mnist",
        image_size=16,
        channels=1,
        base_filters=4,
        batch_size=2,
        d_steps=3,
        jit_compile=False,
        extra={
            "domains": ["original", "inverted"],
            "multi_label": False,
            "exclusive_groups": [[0, 1]],
            "num_residual_blocks": 1,
        },
    )
    model = build_model(config)
    x = tf.random.stateless_uniform((6, 16, 16, 1), [0, 1], -1, 1)
    labels = tf.one_hot([0, 1, 0, 1, 0, 1], 2)
    logs = model.train_step((x, labels))
    assert {"d_loss", "gradient_penalty", "d_cls", "g_loss", "g_cls", "g_rec"} <= set(logs)
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert int(model.step.numpy()) == 1
    assert int(model.d_optimizer.iterations.numpy()) == 3
    assert int(model.g_optimizer.iterations.numpy()) == 1
    model.set_samples((x.numpy()[:2], labels.numpy()[:2]))
    assert model.sample_grid().shape == (2 * 17 + 1, 3 * 17 + 1, 1)
