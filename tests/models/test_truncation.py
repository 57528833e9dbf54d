"""The truncation trick's samplers (Brock et al. 2019, sec. 3.1): range and distribution."""

import numpy as np
import pytest
import tensorflow as tf
from scipy import stats

from gan_tf.models.truncation import truncated_normal


@pytest.mark.parametrize("threshold", [2.0, 0.5, 0.04])
def test_resample_is_the_normal_conditioned_on_the_threshold(threshold):
    z = truncated_normal((20_000,), seed=[1, 2], threshold=threshold).numpy()
    assert np.abs(z).max() <= threshold
    # Kolmogorov-Smirnov against N(0, 1) truncated to [-t, t], what resampling gives.
    reference = stats.truncnorm(-threshold, threshold)
    assert stats.kstest(z, reference.cdf).pvalue > 0.01
    # ... and not the other form, t * TN(-2, 2).
    rescaled = stats.truncnorm(-2, 2, scale=threshold)
    assert stats.kstest(z, rescaled.cdf).pvalue < 1e-6


def test_rescale_is_tf_hubs_truncated_normal_times_the_threshold():
    z = truncated_normal((20_000,), seed=[3, 4], threshold=0.5, mode="rescale").numpy()
    assert np.abs(z).max() <= 1.0
    assert stats.kstest(z, stats.truncnorm(-2, 2, scale=0.5).cdf).pvalue > 0.01


def test_a_pure_function_of_the_seed():
    a = truncated_normal((5, 3), seed=[7, 7], threshold=1.0)
    b = truncated_normal((5, 3), seed=[7, 7], threshold=1.0)
    c = truncated_normal((5, 3), seed=[7, 8], threshold=1.0)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), c.numpy())
    # It compiles with XLA (whose random stream differs from the TF kernels' for a seed).
    compiled = tf.function(
        lambda: truncated_normal((5, 3), seed=[7, 7], threshold=1.0), jit_compile=True
    )()
    assert compiled.shape == (5, 3) and np.abs(compiled.numpy()).max() <= 1.0


def test_refuses_a_threshold_not_above_zero_and_unknown_modes():
    with pytest.raises(ValueError, match="> 0"):
        truncated_normal((2,), seed=[0, 0], threshold=0.0)
    with pytest.raises(ValueError, match="mode"):
        truncated_normal((2,), seed=[0, 0], threshold=1.0, mode="clip")
