"""Shared test set-up: quiet TensorFlow, the location of the shared real data, and the packaged
mnist_demo prepared once."""

import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_DIR = pathlib.Path(os.environ.get("GAN_TF_SHARED_DIR", REPO_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> pathlib.Path:
    return SHARED_DIR


def require_shared(*parts: str) -> pathlib.Path:
    """Path below ../shared, or skip the test with a clear reason when it is absent."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: this test needs the shared real data beside the repo")
    return path


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never touch the network: every dataset host looks unreachable."""
    from gan_tf.data import loading

    monkeypatch.setattr(loading, "network_available", lambda: False)


@pytest.fixture(scope="session", autouse=True)
def quiet_tfds():
    import tensorflow_datasets as tfds

    tfds.disable_progress_bar()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    """A TFDS data dir with the packaged mnist_demo prepared once for the whole session."""
    from gan_tf.data import image_pipeline

    path = tmp_path_factory.mktemp("tfds")
    next(iter(image_pipeline("mnist_demo", batch_size=1, data_dir=str(path))))
    return str(path)
