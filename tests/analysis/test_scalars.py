import numpy as np
import pytest
import tensorflow as tf

from gan_tf.analysis.scalars import read_scalars
from gan_tf.errors import UsageError


def _log(workdir, values, start):
    writer = tf.summary.create_file_writer(str(workdir / "tensorboard"))
    with writer.as_default():
        for i, (loss, other) in enumerate(values):
            tf.summary.scalar("loss", loss, step=start + i)
            tf.summary.scalar("other", other, step=start + i)
        tf.summary.image("samples", tf.zeros([1, 4, 4, 1]), step=start)
    writer.flush()
    writer.close()


def test_reads_curves_sorted_by_step(tmp_path):
    _log(tmp_path, [(3.0, 1.0), (2.0, 1.5), (1.0, 2.0)], start=1)
    curves = read_scalars(tmp_path)
    assert set(curves) == {"loss", "other"}  # the image is not a scalar
    steps, values = curves["loss"]
    np.testing.assert_array_equal(steps, [1, 2, 3])
    np.testing.assert_allclose(values, [3.0, 2.0, 1.0])


def test_a_resumed_run_continues_and_newer_values_win(tmp_path):
    _log(tmp_path, [(3.0, 0.0), (2.0, 0.0)], start=1)
    _log(tmp_path, [(5.0, 0.0), (4.0, 0.0)], start=2)  # resumed from step 1
    steps, values = read_scalars(tmp_path, tags=["loss"])["loss"]
    np.testing.assert_array_equal(steps, [1, 2, 3])
    np.testing.assert_allclose(values, [3.0, 5.0, 4.0])


def test_missing_tag_or_run_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no TensorBoard event file"):
        read_scalars(tmp_path)
    _log(tmp_path, [(1.0, 1.0)], start=1)
    with pytest.raises(UsageError, match="no scalar wasserstein_estimate"):
        read_scalars(tmp_path, tags=["loss", "wasserstein_estimate"])
