"""Input pipelines: every dataset under tfds.testing.mock_data, and real MNIST data."""

import time

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from gan_tf.data import get_dataset_spec, image_pipeline, resolve_image_size
from gan_tf.errors import UsageError
from tests.conftest import require_shared


def first_batch(ds):
    return next(iter(ds))


@pytest.mark.parametrize(
    "name,size,channels",
    [
        ("mnist", 28, 1),
        ("fashion_mnist", 28, 1),
        ("cifar10", 32, 3),
        ("celeb_a", 64, 3),
        ("cycle_gan/horse2zebra", 64, 3),
    ],
)
def test_pipelines_under_mock_data(name, size, channels, tmp_path):
    with tfds.testing.mock_data(num_examples=12):
        ds = image_pipeline(
            name, batch_size=4, image_size=size if name != "mnist" else None, data_dir=str(tmp_path)
        )
        images = first_batch(ds)
    assert images.shape == (4, size, size, channels)
    assert images.dtype == tf.float32
    assert float(tf.reduce_min(images)) >= -1.0 and float(tf.reduce_max(images)) <= 1.0


def test_labels_are_kept_when_asked(tmp_path):
    with tfds.testing.mock_data(num_examples=12):
        images, labels = first_batch(
            image_pipeline("cifar10", batch_size=6, with_labels=True, data_dir=str(tmp_path))
        )
    assert images.shape == (6, 32, 32, 3)
    assert labels.dtype == tf.int32 and labels.shape == (6,)
    assert np.all((labels.numpy() >= 0) & (labels.numpy() < 10))


def test_celeb_a_is_center_cropped_then_resized(tmp_path):
    # A 218x178 image whose central 178x178 square is white and the rest black: after the
    # centre crop nothing black may remain.
    image = np.zeros((218, 178, 3), np.uint8)
    image[20:198] = 255
    spec = get_dataset_spec("celeb_a")
    from gan_tf.data.pipelines import preprocess_image

    out = preprocess_image(tf.constant(image), spec, 64)
    assert out.shape == (64, 64, 3)
    assert float(tf.reduce_min(out)) == pytest.approx(1.0)


def test_conditional_pipeline_refuses_unlabelled_data(tmp_path):
    with pytest.raises(UsageError, match="no class labels"):
        image_pipeline("celeb_a", batch_size=2, with_labels=True, data_dir=str(tmp_path))


def test_unknown_dataset_names_the_known_ones():
    with pytest.raises(UsageError, match=r"unknown dataset 'mnsit'.*fashion_mnist"):
        get_dataset_spec("mnsit")


def test_image_size_the_model_cannot_take():
    spec = get_dataset_spec("cifar10")
    with pytest.raises(UsageError, match="--image_size"):
        resolve_image_size(spec, None, supported=(28, 64), model_name="dcgan")
    assert resolve_image_size(spec, 64, supported=(28, 64)) == 64


def test_a_folder_needs_an_image_size(tmp_path):
    spec = get_dataset_spec(f"folder:{tmp_path}")
    with pytest.raises(UsageError, match="no fixed image size: pass --image_size"):
        resolve_image_size(spec, None)
    assert resolve_image_size(spec, 64) == 64


def test_offline_without_data_fails_fast_with_one_clear_message(tmp_path):
    # conftest makes the network unreachable for every test.
    start = time.perf_counter()
    with pytest.raises(UsageError) as info:
        image_pipeline("fashion_mnist", batch_size=2, data_dir=str(tmp_path / "empty"))
    assert time.perf_counter() - start < 10
    message = str(info.value)
    assert "fashion_mnist" in message and str(tmp_path / "empty") in message
    assert "--manual_dir" in message


def test_missing_manual_dir_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="not a directory"):
        image_pipeline(
            "mnist", batch_size=2, data_dir=str(tmp_path), manual_dir=str(tmp_path / "nope")
        )


def test_packaged_mnist_demo_is_real_mnist(tmp_path):
    images, labels = first_batch(
        image_pipeline(
            "mnist_demo", batch_size=256, with_labels=True, data_dir=str(tmp_path), shuffle=False
        )
    )
    assert images.shape == (256, 28, 28, 1)
    # MNIST digits: mostly black background (-1) with some bright strokes.
    background = np.mean(images.numpy() < -0.99)
    assert 0.7 < background < 0.95
    assert set(np.unique(labels.numpy())) == set(range(10))


@pytest.mark.long  # preparing from the archives: the suite's CLI tests of --manual_dir
def test_real_mnist_from_manual_dir(tmp_path):
    manual = require_shared("data", "mnist")
    ds = image_pipeline(
        "mnist",
        batch_size=500,
        image_size=32,
        data_dir=str(tmp_path),
        manual_dir=str(manual),
        with_labels=True,
        split="test",
        shuffle=False,
        repeat=False,
    )
    counts = np.zeros(10, int)
    for images, labels in ds:
        assert images.shape == (500, 32, 32, 1)
        counts += np.bincount(labels.numpy(), minlength=10)
    # The MNIST test split's class counts (LeCun et al.), all 10,000 images read.
    assert counts.tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_shuffling_is_seeded(tmp_path):
    a = first_batch(image_pipeline("mnist_demo", batch_size=16, data_dir=str(tmp_path), seed=3))
    b = first_batch(image_pipeline("mnist_demo", batch_size=16, data_dir=str(tmp_path), seed=3))
    c = first_batch(image_pipeline("mnist_demo", batch_size=16, data_dir=str(tmp_path), seed=4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_train_images_keeps_the_same_first_images_whatever_the_seed(tmp_path):
    def images(seed, train_images=40):
        ds = image_pipeline(
            "mnist_demo", batch_size=8, data_dir=str(tmp_path), seed=seed, repeat=False,
            train_images=train_images,
        )  # fmt: skip
        return np.concatenate([batch.numpy() for batch in ds])

    def as_set(batch):
        return {image.tobytes() for image in batch}

    a, b = images(seed=3), images(seed=4)
    assert a.shape[0] == 40 and as_set(a) == as_set(b)  # the same 40, in another order
    assert not np.array_equal(a, b)
    assert len(as_set(a) & as_set(images(seed=3, train_images=0))) == 40
    with pytest.raises(UsageError, match="--train_images=100000 is more than the"):
        images(seed=3, train_images=100_000)
