import pytest

from gan_tf.data import image_pipeline


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    """A TFDS data dir with the packaged mnist_demo prepared once for all CLI runs."""
    path = tmp_path_factory.mktemp("tfds")
    next(iter(image_pipeline("mnist_demo", batch_size=1, data_dir=str(path))))
    return str(path)
