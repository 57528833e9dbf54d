"""DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN
Training", NeurIPS, sec. 3; mit-han-lab/data-efficient-gans DiffAugment_tf.py): the same
random, differentiable transformations applied to real and generated images before D, so that
D cannot overfit the few reals and G still learns the un-augmented distribution.

Policies, on images in [-1, 1] (NHWC), each draw per sample:
- color: brightness + U(-0.5, 0.5); saturation: the deviation from the pixel's channel mean
  times U(0, 2); contrast: the deviation from the image's mean times U(0.5, 1.5);
- translation: an integer shift of up to 1/8 of the side in x and in y, the uncovered pixels
  0 (the zero padding of the authors' code);
- cutout: a square of half the side set to 0, centred uniformly (clipped at the border).

Every draw comes from a stateless `seed`, so a training step stays a pure function of its
seed and step (and compiles with XLA); the shift and cutout use masks and gathers, which
carry gradients to the images.
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

from gan_tf.augment.base import Augmentation

POLICIES = ("color", "translation", "cutout")
DEFAULT_POLICY = ("color", "translation", "cutout")  # the paper's choice for CIFAR-10


def _uniform(seed, shape, minval=0.0, maxval=1.0, dtype=tf.float32):
    return tf.random.stateless_uniform(shape, seed, minval=minval, maxval=maxval, dtype=dtype)


def _fold(seed, site: int):
    return tf.random.experimental.stateless_fold_in(seed, site)


def color(x: tf.Tensor, seed) -> tf.Tensor:
    """Brightness, saturation and contrast (rand_brightness, rand_color, rand_contrast)."""
    batch = tf.shape(x)[0]
    x = x + (_uniform(_fold(seed, 0), [batch, 1, 1, 1]) - 0.5)
    mean = tf.reduce_mean(x, axis=3, keepdims=True)
    x = (x - mean) * (_uniform(_fold(seed, 1), [batch, 1, 1, 1]) * 2.0) + mean
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    return (x - mean) * (_uniform(_fold(seed, 2), [batch, 1, 1, 1]) + 0.5) + mean


def _shift(x: tf.Tensor, shift: tf.Tensor, axis: int) -> tf.Tensor:
    """x moved by `shift` (per sample, integer) pixels along `axis` (1: y, 2: x), zeros in."""
    size = x.shape[axis]
    source = tf.range(size)[None, :] + shift[:, None]  # out[i] = in[i + shift]
    valid = tf.cast((source >= 0) & (source < size), x.dtype)
    moved = tf.gather(x, tf.clip_by_value(source, 0, size - 1), axis=axis, batch_dims=1)
    mask_shape = [-1, size, 1, 1] if axis == 1 else [-1, 1, size, 1]
    return moved * tf.reshape(valid, mask_shape)


def translation(x: tf.Tensor, seed, ratio: float = 1 / 8) -> tf.Tensor:
    """An integer shift in [-side * ratio, side * ratio] per axis (rand_translation)."""
    batch = tf.shape(x)[0]
    limit_y, limit_x = int(x.shape[1] * ratio), int(x.shape[2] * ratio)
    shift_x = _uniform(_fold(seed, 0), [batch], -limit_x, limit_x + 1, tf.int32)
    shift_y = _uniform(_fold(seed, 1), [batch], -limit_y, limit_y + 1, tf.int32)
    return _shift(_shift(x, shift_x, axis=2), shift_y, axis=1)


def cutout(x: tf.Tensor, seed, ratio: float = 1 / 2) -> tf.Tensor:
    """A square of side * ratio set to 0 at a uniform centre (rand_cutout)."""
    batch = tf.shape(x)[0]
    height, width = x.shape[1], x.shape[2]
    size_y, size_x = int(height * ratio), int(width * ratio)
    centre_y = _uniform(_fold(seed, 0), [batch, 1], 0, height + (1 - size_y % 2), tf.int32)
    centre_x = _uniform(_fold(seed, 1), [batch, 1], 0, width + (1 - size_x % 2), tf.int32)
    rows = tf.range(height)[None, :] - (centre_y - size_y // 2)  # (B, H): inside if in [0, s)
    columns = tf.range(width)[None, :] - (centre_x - size_x // 2)
    inside_y = (rows >= 0) & (rows < size_y)
    inside_x = (columns >= 0) & (columns < size_x)
    inside = inside_y[:, :, None] & inside_x[:, None, :]
    return x * tf.cast(~inside, x.dtype)[:, :, :, None]


FUNCTIONS = {"color": color, "translation": translation, "cutout": cutout}


def diff_augment(x: tf.Tensor, seed, policy: Sequence[str] = DEFAULT_POLICY) -> tf.Tensor:
    """x through the policies in order (DiffAugment), each with its own stream of `seed`."""
    for index, name in enumerate(policy):
        x = FUNCTIONS[name](x, _fold(seed, 100 + index))
    return x


class DiffAugment(Augmentation):
    """`diff_augment` with a fixed policy, as the models call it."""

    def __init__(self, policy: Sequence[str] = DEFAULT_POLICY) -> None:
        unknown = sorted(set(policy) - set(POLICIES))
        if unknown or not policy:
            raise ValueError(f"DiffAugment's policies are {', '.join(POLICIES)}, got {policy}")
        self.policy = tuple(policy)

    def __call__(self, images: tf.Tensor, seed) -> tf.Tensor:
        return diff_augment(images, seed, self.policy)
