"""Translation pipelines: derived pairs/domains on real Fashion-MNIST, cycle_gan and celeb_a
under tfds.testing.mock_data, and user folders of PNGs."""

import pathlib

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from gan_tf.data import translation as tr
from gan_tf.data.registry import get_dataset_spec
from gan_tf.errors import UsageError
from tests.conftest import require_shared


def prepared_fashion_mnist(tmp_path_factory) -> str:
    """A TFDS data_dir holding Fashion-MNIST prepared from the shared archives, shared by the
    test modules of one session (prepared once, under pytest's base temp dir)."""
    manual = require_shared("data", "fashion_mnist")
    data_dir = tmp_path_factory.getbasetemp() / "tfds_fashion_mnist"
    builder = tfds.builder("fashion_mnist", data_dir=str(data_dir))
    if not builder.is_prepared():
        builder.download_and_prepare(
            download_config=tfds.download.DownloadConfig(manual_dir=str(manual))
        )
    return str(data_dir)


@pytest.fixture(scope="module")
def fashion_dir(tmp_path_factory):
    return prepared_fashion_mnist(tmp_path_factory)


def batch(ds):
    return next(iter(ds))


# --- Transforms -------------------------------------------------------------------------------


def test_transforms_are_the_known_maps():
    x = tf.random.uniform((2, 8, 8, 1), -1, 1, seed=1)
    np.testing.assert_allclose(tr.invert(x), -x.numpy())
    np.testing.assert_allclose(tr.rotate(x)[0, :, :, 0], np.rot90(x.numpy()[0, :, :, 0]))
    color = tr.colorize(x)
    assert color.shape == (2, 8, 8, 3)
    # Black and white map to the two fixed colors.
    ends = tr.colorize(tf.constant([[[[-1.0]], [[1.0]]]]))
    np.testing.assert_allclose((ends[0, 0, 0] + 1) / 2, tr.COLOR_DARK, atol=1e-6)
    np.testing.assert_allclose((ends[0, 1, 0] + 1) / 2, tr.COLOR_LIGHT, atol=1e-6)


def test_edges_mark_the_boundary_only():
    image = -np.ones((16, 16, 1), np.float32)
    image[4:12, 4:12] = 1.0  # a white square on black
    edge_map = tr.edges(tf.constant(image)).numpy()[..., 0]
    assert set(np.unique(edge_map)) == {-1.0, 1.0}
    assert edge_map[8, 8] == 1.0 and edge_map[0, 0] == 1.0  # flat regions: white
    assert edge_map[8, 4] == -1.0 and edge_map[4, 8] == -1.0  # boundary: black line


def test_jitter_is_seeded_and_crops_a_pair_alike():
    image = tf.random.uniform((32, 32, 1), seed=2)
    pair = tf.concat([image, image], -1)
    seed = tf.constant([3, 7], tf.int64)
    out = tr.random_jitter(seed, pair, 32)
    assert out.shape == (32, 32, 2)
    np.testing.assert_array_equal(out[..., 0], out[..., 1])
    np.testing.assert_array_equal(out, tr.random_jitter(seed, pair, 32))
    assert not np.array_equal(out, tr.random_jitter(seed + 1, pair, 32))


def test_default_sizes():
    assert tr.default_translation_size(get_dataset_spec("fashion_mnist"), None) == 32
    assert tr.default_translation_size(get_dataset_spec("cycle_gan/horse2zebra"), None) == 256
    assert tr.default_translation_size(get_dataset_spec("mnist"), 64) == 64


# --- Paired -----------------------------------------------------------------------------------


@pytest.mark.parametrize("task", ["edges", "inverted", "grayscale"])
def test_derived_pairs_on_fashion_mnist(task, fashion_dir):
    a, b = batch(
        tr.paired_pipeline(
            "fashion_mnist",
            batch_size=4,
            image_size=32,
            task=task,
            train=False,
            data_dir=fashion_dir,
        )
    )
    assert a.shape == b.shape == (4, 32, 32, 1)
    # The input is exactly the known transform of the target.
    np.testing.assert_allclose(a, tr.TRANSFORMS[task](b), atol=1e-6)


def test_training_pairs_are_jittered_consistently(fashion_dir):
    ds = tr.paired_pipeline(
        "fashion_mnist", batch_size=8, image_size=32, task="inverted", data_dir=fashion_dir, seed=1
    )
    a, b = batch(ds)
    np.testing.assert_allclose(a, -b.numpy(), atol=1e-6)
    again = batch(
        tr.paired_pipeline(
            "fashion_mnist",
            batch_size=8,
            image_size=32,
            task="inverted",
            data_dir=fashion_dir,
            seed=1,
        )
    )
    np.testing.assert_array_equal(b, again[1])  # seeded: repeatable


def write_png(path: pathlib.Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tf.io.encode_png(image).numpy())


def test_side_by_side_folder_pairs(tmp_path):
    for i in range(3):
        image = np.zeros((20, 40, 3), np.uint8)
        image[:, 20:] = 255  # A black, B white
        write_png(tmp_path / "train" / "pairs" / f"{i}.png", image)
    a, b = batch(tr.paired_pipeline(f"folder:{tmp_path}", batch_size=2, image_size=16))
    assert a.shape == b.shape == (2, 16, 16, 3)
    assert float(tf.reduce_max(a)) == -1.0 and float(tf.reduce_min(b)) == 1.0
    with pytest.raises(UsageError, match="--pairs"):
        tr.paired_pipeline(f"folder:{tmp_path}", batch_size=2, image_size=16, task="edges")


def test_unknown_pair_task(fashion_dir):
    with pytest.raises(UsageError, match="edges, grayscale, inverted"):
        tr.paired_pipeline(
            "fashion_mnist", batch_size=2, image_size=32, task="sketch", data_dir=fashion_dir
        )


# --- Unpaired ---------------------------------------------------------------------------------


def test_cycle_gan_under_mock_data(tmp_path):
    with tfds.testing.mock_data(num_examples=6):
        a, b = batch(
            tr.unpaired_pipeline(
                "cycle_gan/horse2zebra", batch_size=2, image_size=32, data_dir=str(tmp_path)
            )
        )
    assert a.shape == b.shape == (2, 32, 32, 3)
    assert float(tf.reduce_min(a)) >= -1 and float(tf.reduce_max(b)) <= 1


@pytest.mark.parametrize("domain_b,channels", [("inverted", 1), ("colorized", 3)])
def test_derived_unpaired_halves(domain_b, channels, fashion_dir):
    ds = tr.unpaired_pipeline(
        "fashion_mnist",
        batch_size=16,
        image_size=32,
        domain_b=domain_b,
        train=False,
        data_dir=fashion_dir,
    )
    a, b = batch(ds)
    assert a.shape == b.shape == (16, 32, 32, channels)
    # Disjoint halves: A holds test images 0, 2, 4, ...; B images 1, 3, 5, ... transformed.
    a_truth, b_truth = batch(
        tr.unpaired_truth_pairs(
            "fashion_mnist", batch_size=32, image_size=32, domain_b=domain_b, data_dir=fashion_dir
        )
    )
    np.testing.assert_allclose(a, a_truth[0::2][:16], atol=1e-6)
    np.testing.assert_allclose(b, b_truth[1::2][:16], atol=1e-6)


def test_unpaired_folders(tmp_path):
    for domain, value in (("A", 0), ("B", 255)):
        for i in range(2):
            write_png(tmp_path / "train" / domain / f"{i}.png", np.full((8, 8, 3), value, np.uint8))
    a, b = batch(tr.unpaired_pipeline(f"folder:{tmp_path}", batch_size=2, image_size=8))
    assert float(tf.reduce_max(a)) == -1.0 and float(tf.reduce_min(b)) == 1.0


# --- Multi-domain -----------------------------------------------------------------------------


def test_celeb_a_attributes_under_mock_data(tmp_path):
    with tfds.testing.mock_data(num_examples=4):
        images, labels = batch(
            tr.multi_domain_pipeline("celeb_a", batch_size=2, image_size=32, data_dir=str(tmp_path))
        )
        with pytest.raises(UsageError, match="no attribute Purple_Hair"):
            tr.multi_domain_pipeline(
                "celeb_a",
                batch_size=2,
                image_size=32,
                attributes=["Purple_Hair"],
                data_dir=str(tmp_path),
            )
    assert images.shape == (2, 32, 32, 3)
    assert labels.shape == (2, 5) and set(np.unique(labels)) <= {0.0, 1.0}
    assert tr.exclusive_groups("celeb_a", tr.CELEB_A_ATTRIBUTES) == [[0, 1, 2]]


def test_derived_domains_and_their_truth(fashion_dir):
    images, labels = batch(
        tr.multi_domain_pipeline(
            "fashion_mnist", batch_size=8, image_size=32, train=False, data_dir=fashion_dir
        )
    )
    assert images.shape == (8, 32, 32, 3)
    np.testing.assert_array_equal(np.argmax(labels, -1), np.arange(8) % 4)
    stack = batch(
        tr.multi_domain_truth("fashion_mnist", batch_size=8, image_size=32, data_dir=fashion_dir)
    )
    assert stack.shape == (4, 8, 32, 32, 3)
    np.testing.assert_allclose(stack[1], -stack[0].numpy(), atol=1e-6)
    np.testing.assert_allclose(stack[2], tf.image.rot90(stack[0]), atol=1e-6)
    # Example i of the training-style stream is test image i in domain i mod 4.
    for i in range(8):
        np.testing.assert_allclose(images[i], stack[i % 4, i], atol=1e-6)


def test_truth_of_the_train_split_is_shuffled_and_repeated(fashion_dir):
    train = tr.multi_domain_truth(
        "fashion_mnist",
        batch_size=8,
        image_size=16,
        domains=["original", "inverted"],
        data_dir=fashion_dir,
        train=True,
    )
    first, second = [stack.numpy() for stack in train.take(2)]
    assert first.shape == (2, 8, 16, 16, 1)
    np.testing.assert_allclose(first[1], -first[0], atol=1e-6)  # every image in both domains
    held_out = batch(
        tr.multi_domain_truth(
            "fashion_mnist",
            batch_size=8,
            image_size=16,
            domains=["original", "inverted"],
            data_dir=fashion_dir,
        )
    )
    assert not np.allclose(first[0], held_out[0])  # train split, shuffled: not test's first 8
    assert not np.allclose(first, second)
    # Repeated: more batches than the 60,000 training images make (checked cheaply by
    # cardinality, which tf.data knows to be infinite after repeat()).
    assert train.cardinality() == tf.data.INFINITE_CARDINALITY


def test_domain_folders(tmp_path):
    for k, domain in enumerate(["summer", "winter", "autumn"]):
        write_png(tmp_path / "train" / domain / "x.png", np.full((8, 8, 3), 80 * k, np.uint8))
    images, labels = batch(
        tr.multi_domain_pipeline(f"folder:{tmp_path}", batch_size=3, image_size=8, shuffle=False)
    )
    assert images.shape == (3, 8, 8, 3) and labels.shape == (3, 3)
    assert tr.multi_domain_names(f"folder:{tmp_path}") == ["autumn", "summer", "winter"]


# --- Every derived pipeline under mock data (no real data needed) ------------------------------


def test_derived_pipelines_under_mock_data(tmp_path):
    """The three kinds of derived data (the learning proofs' pipelines), in training mode
    (shuffled, repeated, jittered) and held out, from TFDS's mock Fashion-MNIST."""
    data_dir = str(tmp_path)
    with tfds.testing.mock_data(num_examples=10):
        a, b = batch(
            tr.paired_pipeline(
                "fashion_mnist", batch_size=4, image_size=16, task="edges", data_dir=data_dir
            )
        )
        assert a.shape == b.shape == (4, 16, 16, 1)
        np.testing.assert_array_equal(a, tr.edges(b))  # exact pairs after jitter
        a, b = batch(
            tr.unpaired_pipeline(
                "fashion_mnist",
                batch_size=3,
                image_size=16,
                domain_b="colorized",
                data_dir=data_dir,
            )
        )
        assert a.shape == b.shape == (3, 16, 16, 3)
        # Domain A is gray repeated to RGB; domain B lies on the fixed color ramp.
        np.testing.assert_array_equal(a[..., 0], a[..., 2])
        assert not np.allclose(b[..., 0], b[..., 2])
        images, labels = batch(
            tr.multi_domain_pipeline(
                "fashion_mnist", batch_size=8, image_size=16, data_dir=data_dir
            )
        )
        assert images.shape == (8, 16, 16, 3) and labels.shape == (8, 4)
        np.testing.assert_array_equal(tf.reduce_sum(labels, -1), np.ones(8))
        stack = batch(
            tr.multi_domain_truth("fashion_mnist", batch_size=5, image_size=16, data_dir=data_dir)
        )
        assert stack.shape == (4, 5, 16, 16, 3)
        np.testing.assert_allclose(stack[1], -stack[0].numpy(), atol=1e-6)
        for data in (images, a, b, stack):
            assert float(tf.reduce_min(data)) >= -1.0 and float(tf.reduce_max(data)) <= 1.0
