"""The inference form of the FID Inception network: folded batch norms, merged 1x1 convs."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf.metrics import folded_inception, inception
from tests.conftest import require_shared


def _scaled_random_arrays(model) -> dict[str, np.ndarray]:
    """Random weights that keep activations O(1) through the 94 layers (He-scaled kernels,
    batch-norm statistics of order one), so a mistake anywhere shows in the features."""
    rng = np.random.default_rng(1)
    arrays = {}
    for name, shape in inception.expected_weight_shapes(model).items():
        if name.endswith(".kernel"):
            fan_in = np.prod(shape[:-1])
            values = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
        elif name.endswith(".var"):
            values = rng.uniform(0.5, 1.5, shape)
        else:  # mean, beta
            values = rng.normal(0.0, 0.2, shape)
        arrays[name] = values.astype(np.float32)
    return arrays


@pytest.fixture(scope="module")
def random_network():
    model = inception.build_fid_inception_architecture()
    arrays = _scaled_random_arrays(model)
    inception.load_fid_inception_weights(model, arrays)
    return model, arrays


def test_fold_batch_norms_equals_convolution_then_batch_norm():
    rng = np.random.default_rng(0)
    kernel = rng.standard_normal((3, 3, 4, 5)).astype(np.float32)
    mean, beta = rng.standard_normal((2, 5)).astype(np.float32)
    var = rng.uniform(0.1, 2.0, 5).astype(np.float32)
    arrays = {"c.kernel": kernel, "c.mean": mean, "c.var": var, "c.beta": beta}
    x = tf.constant(rng.standard_normal((2, 9, 9, 4)), tf.float32)
    y = tf.nn.conv2d(x, kernel, 1, "SAME")
    expected = (y - mean) / np.sqrt(var + inception.BN_EPSILON) + beta
    folded_kernel, bias = folded_inception.fold_batch_norms(arrays)["c"]
    assert folded_kernel.dtype == bias.dtype == np.float32
    got = tf.nn.bias_add(tf.nn.conv2d(x, folded_kernel, 1, "SAME"), bias)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=0, atol=1e-5)


@pytest.mark.parametrize("merge_1x1", [True, False])
def test_folded_network_equals_layer_network_on_random_weights(random_network, merge_1x1):
    model, arrays = random_network
    net = folded_inception.FoldedInceptionNetwork(arrays, merge_1x1=merge_1x1)
    # Random in [-1, 1): every pixel differs, so a shifted pool or padding would show.
    images = tf.random.stateless_uniform((2, 299, 299, 3), [0, 1], -1.0, 1.0)
    expected = model(images, training=False).numpy()
    got = net(images).numpy()
    assert got.shape == (2, inception.FEATURE_DIM) and got.dtype == np.float32
    assert np.abs(expected).max() > 0.1  # The weights give non-trivial features.
    np.testing.assert_allclose(got, expected, rtol=0, atol=2e-5 * np.abs(expected).max())


def test_folded_network_reproduces_reference_features():
    weights = require_shared("fid_inception", inception.WEIGHTS_FILENAME)
    with np.load(require_shared("fid_inception", "reference_features.npz")) as npz:
        reference = {name: npz[name] for name in npz.files}
    net = folded_inception.FoldedInceptionNetwork(inception.load_weight_arrays(weights))
    features = net(reference["network_input_nhwc"][:2]).numpy()
    np.testing.assert_allclose(features, reference["features"][:2], rtol=0, atol=1e-4)
