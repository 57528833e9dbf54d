"""Low-pass resampling for the style-based networks (Karras et al. 2019 and 2020), on NHWC
images: the authors' `upfirdn2d` (upsample by zero insertion, pad, FIR filter, downsample),
written here because neither Keras nor TensorFlow has it, and the filters built on it.

The filter runs two ways, the same function: a depthwise convolution, fastest with
TensorFlow's CPU kernels, or shifted slices weighted and added (`filter_by_shifts`), which
XLA fuses: XLA's CPU depthwise convolution is ~30x slower than TensorFlow's on these shapes,
the slices ~20x slower without XLA (experiments/stylegan2.md). A model compiled with XLA
traces its step inside `filter_by_shifts(True)`.
"""

from __future__ import annotations

import contextlib
import contextvars

import numpy as np
import tensorflow as tf

_BY_SHIFTS = contextvars.ContextVar("filter_by_shifts", default=False)


@contextlib.contextmanager
def filter_by_shifts(on: bool):
    """Within it, `upfirdn2d` filters by shifted slices (for XLA) when `on`."""
    token = _BY_SHIFTS.set(bool(on))
    try:
        yield
    finally:
        _BY_SHIFTS.reset(token)


RESAMPLE_TAPS = (1, 3, 3, 1)  # StyleGAN2's resampling filter
BLUR_TAPS = (1, 2, 1)  # StyleGAN's blur


def resample_filter(taps=RESAMPLE_TAPS) -> np.ndarray:
    """The 2-D low-pass filter: the outer product of `taps`, normalised to sum 1."""
    taps = np.asarray(taps, np.float32)
    kernel = np.outer(taps, taps)
    return kernel / kernel.sum()


def upfirdn2d(
    x: tf.Tensor,
    kernel: np.ndarray,
    up: int = 1,
    down: int = 1,
    padding: tuple[int, int] = (0, 0),
    gain: float = 1.0,
) -> tf.Tensor:
    """Upsample by zero insertion, pad, filter with `kernel` (times `gain`), keep every
    `down`-th pixel: the authors' `upfirdn2d` on NHWC images (padding (before, after), the same
    for both axes; the kernel is symmetric, so correlation and convolution agree)."""
    _, height, width, channels = x.shape
    if up > 1:
        x = tf.reshape(x, [-1, height, 1, width, 1, channels])
        x = tf.pad(x, [[0, 0], [0, 0], [0, up - 1], [0, 0], [0, up - 1], [0, 0]])
        x = tf.reshape(x, [-1, height * up, width * up, channels])
    before, after = padding
    x = tf.pad(x, [[0, 0], [before, after], [before, after], [0, 0]])
    if _BY_SHIFTS.get():
        # The kernels are separable, outer(t, t) with t its row sums: rows, then columns.
        taps = kernel.sum(axis=1) * np.sqrt(gain)
        size, rows, columns = len(taps), x.shape[1], x.shape[2]
        x = tf.add_n([float(t) * x[:, i : rows - size + 1 + i] for i, t in enumerate(taps)])
        x = tf.add_n([float(t) * x[:, :, i : columns - size + 1 + i] for i, t in enumerate(taps)])
    else:
        weights = tf.constant(kernel * gain, dtype=x.dtype)[:, :, None, None]
        x = tf.nn.depthwise_conv2d(
            x, tf.tile(weights, [1, 1, channels, 1]), strides=[1, 1, 1, 1], padding="VALID"
        )
    if down > 1:
        x = x[:, ::down, ::down, :]
    return x


def upsample_2x(x: tf.Tensor, kernel: np.ndarray) -> tf.Tensor:
    """2x upsampling with the low-pass filter (upfirdn2d.upsample2d): same size times two."""
    taps = kernel.shape[0]
    return upfirdn2d(x, kernel, up=2, padding=((taps + 1) // 2, (taps - 2) // 2), gain=4.0)


def downsample_2x(x: tf.Tensor, kernel: np.ndarray) -> tf.Tensor:
    """2x downsampling with the low-pass filter (upfirdn2d.downsample2d)."""
    taps = kernel.shape[0]
    return upfirdn2d(x, kernel, down=2, padding=((taps - 1) // 2, (taps - 2) // 2))


def blur_filter() -> np.ndarray:
    """StyleGAN's [1, 2, 1] filter (outer product, normalised to sum 1)."""
    return resample_filter(BLUR_TAPS)


def blur(x: tf.Tensor) -> tf.Tensor:
    """The [1, 2, 1] low-pass filter, 'same' size (networks_stylegan.py `blur2d`)."""
    return upfirdn2d(x, blur_filter(), padding=(1, 1))
