"""The FID Inception network, its preprocessing and the feature extractor."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf.errors import UsageError
from gan_tf.metrics import inception
from tests.conftest import require_shared


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    with np.load(require_shared("fid_inception", "reference_features.npz")) as npz:
        return {name: npz[name] for name in npz.files}


@pytest.fixture(scope="module")
def extractor() -> inception.InceptionFeatureExtractor:
    weights = require_shared("fid_inception", inception.WEIGHTS_FILENAME)
    # Batch size 3 with 4 images: the second batch is padded, which is what is being tested.
    return inception.InceptionFeatureExtractor(weights, batch_size=3)


def test_network_reproduces_reference_features(extractor, reference):
    features = extractor.model(reference["network_input_nhwc"], training=False).numpy()
    assert features.shape == (8, 2048)
    np.testing.assert_allclose(features, reference["features"], rtol=0, atol=1e-4)


def test_extractor_pads_batches_and_matches_the_network(extractor, reference):
    images = reference["source_mnist_uint8"]  # (4, 28, 28) uint8
    expected = extractor.model(inception.preprocess_for_inception(images), training=False)
    features = extractor(images)
    assert features.dtype == np.float64 and features.shape == (4, 2048)
    np.testing.assert_allclose(features, expected.numpy(), rtol=0, atol=1e-4)
    # A stream of odd-sized batches is re-chunked to the same result.
    streamed = extractor(iter([images[:1], images[1:]]))
    np.testing.assert_allclose(streamed, features, rtol=0, atol=1e-5)
    # GAN output in [-1, 1] gives the features of the equivalent uint8 images.
    as_float = images.astype(np.float32) / 127.5 - 1.0
    np.testing.assert_allclose(extractor(as_float), features, rtol=0, atol=1e-5)


def test_inception_score_is_unavailable_with_fid_weights(extractor, reference):
    with pytest.raises(UsageError, match="Inception Score is unavailable"):
        extractor.class_probabilities(reference["source_mnist_uint8"])


def test_shared_weights_have_no_logits_and_fit_exactly():
    path = require_shared("fid_inception", inception.WEIGHTS_FILENAME)
    arrays = inception.load_weight_arrays(path)
    assert not [name for name in arrays if "softmax" in name or "logit" in name]
    expected = inception.expected_weight_shapes(inception.build_fid_inception_architecture())
    assert {name: a.shape for name, a in arrays.items()} == expected
    assert len(arrays) == 376


# ---------------------------------------------------------------------------------------------
# Loading checks and weights location (no weights needed)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def architecture():
    return inception.build_fid_inception_architecture()


def _random_arrays(model) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        name: rng.standard_normal(shape, dtype=np.float32)
        for name, shape in inception.expected_weight_shapes(model).items()
    }


def test_architecture_shapes(architecture):
    assert architecture.output_shape == (None, 2048)
    assert len(inception.expected_weight_shapes(architecture)) == 376
    # The mixed_10 quirk: tower_2 max-pools, mixed_9 average-pools.
    assert type(architecture.get_layer("mixed_10.tower_2_pool")).__name__ == "MaxPooling2D"
    assert type(architecture.get_layer("mixed_9.tower_2_pool")).__name__ == "AveragePooling2D"


def test_loading_uses_every_array_exactly_once(architecture):
    arrays = _random_arrays(architecture)
    inception.load_fid_inception_weights(architecture, arrays)
    layer = architecture.get_layer("mixed_10.tower_2_conv")
    np.testing.assert_array_equal(layer.kernel.numpy(), arrays["mixed_10.tower_2_conv.kernel"])
    bn = architecture.get_layer("mixed_10.tower_2_conv.bn")
    np.testing.assert_array_equal(bn.moving_variance.numpy(), arrays["mixed_10.tower_2_conv.var"])

    extra = {**arrays, "softmax.weights": np.zeros((2048, 1008), np.float32)}
    with pytest.raises(UsageError, match="unused"):
        inception.load_fid_inception_weights(architecture, extra)
    missing = {k: v for k, v in arrays.items() if k != "conv_4.mean"}
    with pytest.raises(UsageError, match="missing"):
        inception.load_fid_inception_weights(architecture, missing)
    wrong = {**arrays, "conv.kernel": np.zeros((3, 3, 3, 16), np.float32)}
    with pytest.raises(UsageError, match="wrong shape"):
        inception.load_fid_inception_weights(architecture, wrong)


def test_missing_weights_message_says_where_and_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv(inception.WEIGHTS_ENV_VAR, raising=False)
    monkeypatch.setattr(inception, "DEFAULT_WEIGHTS_PATH", tmp_path / "cache" / "w.npz")
    with pytest.raises(UsageError) as error:
        inception.resolve_weights_path()
    message = str(error.value)
    assert "\n" not in message
    for part in (str(tmp_path / "cache" / "w.npz"), "--inception_weights", "--download"):
        assert part in message
    assert inception.WEIGHTS_ENV_VAR in message

    with pytest.raises(UsageError, match=r"nowhere\.npz"):
        inception.fid_inception_network(tmp_path / "nowhere.npz")


def test_weights_lookup_order(tmp_path, monkeypatch):
    default, from_env, explicit = (tmp_path / n for n in ("default.npz", "env.npz", "arg.npz"))
    for path in (default, from_env, explicit):
        path.write_bytes(b"")
    monkeypatch.setattr(inception, "DEFAULT_WEIGHTS_PATH", default)
    monkeypatch.delenv(inception.WEIGHTS_ENV_VAR, raising=False)
    assert inception.resolve_weights_path() == default
    monkeypatch.setenv(inception.WEIGHTS_ENV_VAR, str(from_env))
    assert inception.resolve_weights_path() == from_env
    assert inception.resolve_weights_path(explicit) == explicit


def test_unreadable_weights_file_is_a_usage_error(tmp_path):
    path = tmp_path / "broken.npz"
    path.write_bytes(b"not a zip file")
    with pytest.raises(UsageError, match="cannot read"):
        inception.fid_inception_network(path)


# ---------------------------------------------------------------------------------------------
# Preprocessing
# ---------------------------------------------------------------------------------------------


def _legacy_resize_reference(image: np.ndarray, size: int) -> np.ndarray:
    """TF1 ResizeBilinear (align_corners=False, half_pixel_centers=False), written out in numpy:
    source coordinate = destination * in / out, no half-pixel offset, clamped at the edge."""
    h, w = image.shape[:2]

    def weights(n_in):
        src = np.arange(size) * (n_in / size)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, src - lo

    y0, y1, dy = weights(h)
    x0, x1, dx = weights(w)
    top = image[y0][:, x0] * (1 - dx)[None, :, None] + image[y0][:, x1] * dx[None, :, None]
    bottom = image[y1][:, x0] * (1 - dx)[None, :, None] + image[y1][:, x1] * dx[None, :, None]
    return top * (1 - dy)[:, None, None] + bottom * dy[:, None, None]


def test_legacy_resize_matches_tf1_behaviour():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (2, 28, 28, 3), dtype=np.uint8)
    ours = inception.preprocess_for_inception(images).numpy() * 128.0 + 128.0
    tf1 = tf.compat.v1.image.resize_bilinear(
        images.astype(np.float32), [299, 299], align_corners=False, half_pixel_centers=False
    ).numpy()
    np.testing.assert_allclose(ours, tf1, atol=1e-3)
    np.testing.assert_allclose(ours[0], _legacy_resize_reference(images[0] * 1.0, 299), atol=1e-3)
    # The modern half-pixel resize is measurably different, so this test can tell them apart.
    modern = tf.image.resize(images.astype(np.float32), [299, 299], method="bilinear").numpy()
    assert np.abs(modern - tf1).max() > 10.0


def test_uint8_and_minus_one_one_floats_agree():
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (3, 16, 20, 3), dtype=np.uint8)
    as_float = images.astype(np.float32) / 127.5 - 1.0
    np.testing.assert_array_equal(inception.to_uint8_images(as_float), images)
    np.testing.assert_array_equal(
        inception.preprocess_for_inception(as_float).numpy(),
        inception.preprocess_for_inception(images).numpy(),
    )
    # Clipping/rounding like a uint8 conversion: -1 -> 0, 1 -> 255, half steps round up.
    edges = np.array([-1.0, 1.0, 0.0, (10.5 / 127.5) - 1.0], np.float64).reshape(1, 1, 4)
    np.testing.assert_array_equal(inception.to_uint8_images(edges).ravel(), [0, 255, 128, 11])
    # The TF path quantises arbitrary floats exactly like the host-side conversion.
    off_grid = np.concatenate([edges, rng.uniform(-1, 1, (1, 1, 60))], axis=-1)
    np.testing.assert_array_equal(
        inception.preprocess_for_inception(off_grid).numpy(),
        inception.preprocess_for_inception(inception.to_uint8_images(off_grid)).numpy(),
    )


def test_grayscale_is_repeated_to_rgb_and_normalised():
    rng = np.random.default_rng(3)
    gray = rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    rgb = np.repeat(gray[..., None], 3, axis=-1)
    out = inception.preprocess_for_inception(gray).numpy()
    assert out.shape == (2, 299, 299, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out, inception.preprocess_for_inception(gray[..., None]))
    np.testing.assert_array_equal(out, inception.preprocess_for_inception(rgb))
    constant = inception.preprocess_for_inception(np.full((1, 5, 5), 255, np.uint8)).numpy()
    np.testing.assert_allclose(constant, 127.0 / 128.0)


def test_preprocessing_under_xla_matches_eager():
    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, (2, 28, 28, 1), dtype=np.uint8)
    compiled = tf.function(inception.preprocess_for_inception, jit_compile=True)
    np.testing.assert_allclose(
        compiled(tf.constant(images)).numpy(),
        inception.preprocess_for_inception(images).numpy(),
        atol=1e-5,
    )


@pytest.mark.parametrize(
    "images",
    [
        np.full((1, 8, 8, 3), 200.0, np.float32),  # floats in [0, 255]: a common mistake
        np.full((1, 8, 8, 3), np.nan, np.float32),  # a diverged generator
        np.zeros((1, 8, 8, 2), np.uint8),  # two channels
        np.zeros((8, 8), np.uint8),  # no batch axis
    ],
)
def test_bad_images_are_rejected(images):
    with pytest.raises(UsageError):
        inception.to_uint8_images(images)
