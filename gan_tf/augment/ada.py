"""Adaptive discriminator augmentation, ADA (Karras et al. 2020b, "Training Generative
Adversarial Networks with Limited Data", NeurIPS; NVlabs/stylegan2-ada-pytorch
training/augment.py and training_loop.py): every image D sees, real or generated, passes
through a pipeline of random transformations, each applied with probability p, and p follows
how much D overfits.

The pipeline is the paper's `bgc` (sec. 2.3 and appendix B), in its order:
- pixel blitting: x-flip, rotations by multiples of 90 degrees, integer translation of up to
  1/8 of the side;
- general geometric: isotropic scaling (log2-normal, std 0.2), arbitrary rotation (before and
  after the anisotropic scaling, each with probability 1 - sqrt(1 - p), so that either
  happens with probability p), anisotropic scaling (log2 std 0.2), fractional translation
  (std 1/8 of the side); blitting and geometric compose into one inverse affine map per image,
  executed once: reflect-padded, upsampled 2x with the symlet-6 wavelet filter, sampled
  bilinearly, downsampled 2x with it;
- color: brightness (+N(0, 0.2)), contrast (x 2^N(0, 0.5)), luma flip, hue rotation (uniform
  over the circle) and saturation (x 2^N(0, 1)) as one 4x4 matrix on RGB (a 1-channel image
  takes the matrix's mean over the colours, as the authors' code).

Each transformation is drawn per image and applied with probability p (times its own
multiplier, 1 in `bgc`). p moves every `interval` steps by sign(r_t - target) times the images
seen since the last move over `speed_images` (sec. 3: r_t = E[sign(D(x_real))], target 0.6,
p able to go from 0 to 1 in 500k images; training_loop.py ada_interval 4, ada_kimg 500), and is
kept in [0, 1]. r_t reads D's raw scores as logits, positive meaning "real" (the logistic
and hinge losses).

Everything is a TensorFlow op of static shape with stateless draws from the step's seed, so
a step stays a pure function of its seed and compiles with XLA. The padding is a fixed one
(side - 1, the largest the authors' data-dependent margin takes) so that shapes stay static.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import keras
import numpy as np
import tensorflow as tf

from gan_tf.augment.base import Augmentation

# The pipeline's probability multipliers (the authors' augpipe_specs['bgc']).
BGC: Mapping[str, float] = {
    "xflip": 1.0, "rotate90": 1.0, "xint": 1.0,
    "scale": 1.0, "rotate": 1.0, "aniso": 1.0, "xfrac": 1.0,
    "brightness": 1.0, "contrast": 1.0, "lumaflip": 1.0, "hue": 1.0, "saturation": 1.0,
}  # fmt: skip

# The transformations' ranges (AugmentPipe's defaults).
XINT_MAX = 0.125  # integer translation, fraction of the side
SCALE_STD = 0.2  # log2 std of isotropic scaling
ROTATE_MAX = 1.0  # arbitrary rotation, fraction of the full circle
ANISO_STD = 0.2  # log2 std of anisotropic scaling
XFRAC_STD = 0.125  # std of fractional translation, fraction of the side
BRIGHTNESS_STD = 0.2
CONTRAST_STD = 0.5  # log2
HUE_MAX = 1.0  # fraction of the full circle
SATURATION_STD = 1.0  # log2

# The symlet-6 low-pass filter of the geometric resampling (augment.py wavelets['sym6']).
SYM6 = np.array([
    0.015404109327027373, 0.0034907120842174702, -0.11799011114819057, -0.048311742585633,
    0.4910559419267466, 0.787641141030194, 0.3379294217276218, -0.07263752278646252,
    -0.021060292512300564, 0.04472490177066578, 0.0017677118642428036, -0.007800708325034148,
])  # fmt: skip


# --- Matrices of one transformation per image -----------------------------------------------------


def _matrix(*rows) -> tf.Tensor:
    """(batch, n, n) from rows of per-image values (batch,) or constants; (n, n) when all are
    constants."""
    like = next((e for row in rows for e in row if isinstance(e, tf.Tensor)), None)
    if like is None:
        return tf.constant(rows, tf.float32)
    ones = tf.ones_like(like)
    return tf.stack(
        [tf.stack([e * ones if not isinstance(e, tf.Tensor) else e for e in row], -1)
         for row in rows],
        axis=-2,
    )  # fmt: skip


def translate2d(tx, ty) -> tf.Tensor:
    return _matrix([1, 0, tx], [0, 1, ty], [0, 0, 1])


def scale2d(sx, sy) -> tf.Tensor:
    return _matrix([sx, 0, 0], [0, sy, 0], [0, 0, 1])


def rotate2d(theta) -> tf.Tensor:
    return _matrix([tf.cos(theta), -tf.sin(theta), 0], [tf.sin(theta), tf.cos(theta), 0], [0, 0, 1])


def translate3d(tx, ty, tz) -> tf.Tensor:
    return _matrix([1, 0, 0, tx], [0, 1, 0, ty], [0, 0, 1, tz], [0, 0, 0, 1])


def scale3d(sx, sy, sz) -> tf.Tensor:
    return _matrix([sx, 0, 0, 0], [0, sy, 0, 0], [0, 0, sz, 0], [0, 0, 0, 1])


def rotate3d(axis: np.ndarray, theta) -> tf.Tensor:
    """Rotation by theta around the unit `axis` (Rodrigues)."""
    vx, vy, vz = (float(a) for a in axis[:3])
    s, c = tf.sin(theta), tf.cos(theta)
    cc = 1 - c
    return _matrix(
        [vx * vx * cc + c, vx * vy * cc - vz * s, vx * vz * cc + vy * s, 0],
        [vy * vx * cc + vz * s, vy * vy * cc + c, vy * vz * cc - vx * s, 0],
        [vz * vx * cc - vy * s, vz * vy * cc + vx * s, vz * vz * cc + c, 0],
        [0, 0, 0, 1],
    )


# --- Draws ----------------------------------------------------------------------------------------


class _Draws:
    """Per-image draws, each site its own stream of the seed."""

    def __init__(self, seed, batch) -> None:
        self.seed, self.batch, self.site = seed, batch, 0

    def _next(self):
        self.site += 1
        return tf.random.experimental.stateless_fold_in(self.seed, self.site)

    def uniform(self, *shape: int) -> tf.Tensor:
        return tf.random.stateless_uniform([self.batch, *shape], self._next())

    def normal(self, *shape: int) -> tf.Tensor:
        return tf.random.stateless_normal([self.batch, *shape], self._next())

    def applied(self, probability, value, identity, *shape: int) -> tf.Tensor:
        """`value` where a uniform draw falls below `probability`, else `identity`."""
        return tf.where(self.uniform(*shape) < probability, value, identity)


# --- The pipeline ---------------------------------------------------------------------------------


def geometric_matrix(draws: _Draws, p, height: int, width: int, multipliers=BGC) -> tf.Tensor:
    """The inverse map (output pixel -> input pixel, centred coordinates) of blitting and
    general geometric transformations, (batch, 3, 3)."""
    g = tf.eye(3, batch_shape=[draws.batch])
    m = lambda name: multipliers.get(name, 0.0) * p  # noqa: E731
    zero, one = tf.zeros([draws.batch]), tf.ones([draws.batch])
    if multipliers.get("xflip"):
        i = draws.applied(m("xflip"), tf.floor(draws.uniform() * 2), zero)
        g = g @ scale2d(1 - 2 * i, 1)
    if multipliers.get("rotate90"):
        i = draws.applied(m("rotate90"), tf.floor(draws.uniform() * 4), zero)
        g = g @ rotate2d(math.pi / 2 * i)  # rotate2d_inv(-pi/2 i)
    if multipliers.get("xint"):
        t = (draws.uniform(2) * 2 - 1) * XINT_MAX
        t = tf.where(draws.uniform(1) < m("xint"), t, tf.zeros_like(t))
        g = g @ translate2d(-tf.round(t[:, 0] * width), -tf.round(t[:, 1] * height))
    if multipliers.get("scale"):
        s = draws.applied(m("scale"), tf.pow(2.0, draws.normal() * SCALE_STD), one)
        g = g @ scale2d(1 / s, 1 / s)
    # Before and after the anisotropic scaling, so that P(pre or post) = p.
    p_rotate = 1 - tf.sqrt(tf.clip_by_value(1 - m("rotate"), 0.0, 1.0))
    if multipliers.get("rotate"):
        theta = draws.applied(p_rotate, (draws.uniform() * 2 - 1) * math.pi * ROTATE_MAX, zero)
        g = g @ rotate2d(theta)  # rotate2d_inv(-theta)
    if multipliers.get("aniso"):
        s = draws.applied(m("aniso"), tf.pow(2.0, draws.normal() * ANISO_STD), one)
        g = g @ scale2d(1 / s, s)
    if multipliers.get("rotate"):
        theta = draws.applied(p_rotate, (draws.uniform() * 2 - 1) * math.pi * ROTATE_MAX, zero)
        g = g @ rotate2d(theta)
    if multipliers.get("xfrac"):
        t = draws.normal(2) * XFRAC_STD
        t = tf.where(draws.uniform(1) < m("xfrac"), t, tf.zeros_like(t))
        g = g @ translate2d(-t[:, 0] * width, -t[:, 1] * height)
    return g


def _grid_sample(images: tf.Tensor, theta: tf.Tensor, height: int, width: int) -> tf.Tensor:
    """Bilinear sampling of `images` at theta @ (x, y, 1) for each output pixel centre, in
    coordinates normalised to [-1, 1] at the pixel edges, 0 outside (torch's affine_grid and
    grid_sample with align_corners=False, padding zeros)."""
    _batch, in_height, in_width, channels = images.shape
    xs = (2 * np.arange(width) + 1) / width - 1
    ys = (2 * np.arange(height) + 1) / height - 1
    grid = np.stack([*np.meshgrid(xs, ys), np.ones((height, width))], -1).astype(np.float32)
    coords = tf.einsum("bij,hwj->bhwi", theta, tf.constant(grid))  # (B, H, W, 2)
    ix = ((coords[..., 0] + 1) * in_width - 1) / 2
    iy = ((coords[..., 1] + 1) * in_height - 1) / 2
    x0, y0 = tf.floor(ix), tf.floor(iy)
    flat = tf.reshape(images, [-1, in_height * in_width, channels])
    out = 0.0
    for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
        x, y = x0 + dx, y0 + dy
        weight = (1 - tf.abs(ix - x)) * (1 - tf.abs(iy - y))
        inside = (x >= 0) & (x <= in_width - 1) & (y >= 0) & (y <= in_height - 1)
        weight = tf.where(inside, weight, 0.0)
        index = tf.cast(
            tf.clip_by_value(y, 0, in_height - 1) * in_width + tf.clip_by_value(x, 0, in_width - 1),
            tf.int32,
        )
        values = tf.gather(flat, tf.reshape(index, [-1, height * width]), batch_dims=1)
        out += tf.reshape(values, [-1, height, width, channels]) * weight[..., None]
    return out


def upsampling_matrix(size: int, taps: np.ndarray) -> np.ndarray:
    """(size, 2 size): upfirdn2d.upsample2d along one axis as a matrix (row i: sample i
    upsampled): zeros inserted, padded, convolved with `taps` normalised to sum 1, gain 2."""
    flipped = taps[::-1] / taps.sum() * 2  # a convolution: correlation with the flip
    inserted = np.zeros((size, 2 * size))
    inserted[:, ::2] = np.eye(size)
    padded = np.pad(inserted, [(0, 0), ((len(taps) + 1) // 2, (len(taps) - 2) // 2)])
    return np.stack([padded[:, j : j + len(taps)] @ flipped for j in range(2 * size)], axis=1)


def downsampling_matrix(size: int, taps: np.ndarray) -> np.ndarray:
    """(size, (size - len(taps)) // 2 + 1): upfirdn2d.downsample2d along one axis without
    padding, flip_filter=True (correlation with `taps` normalised to sum 1, every second
    position kept), as a matrix."""
    outputs = (size - len(taps)) // 2 + 1
    matrix = np.zeros((size, outputs))
    for j in range(outputs):
        matrix[2 * j : 2 * j + len(taps), j] = taps / taps.sum()
    return matrix


def resample(x: tf.Tensor, rows: np.ndarray, columns: np.ndarray) -> tf.Tensor:
    """NHWC `x` through a separable linear resampling: `rows` (H, H') and `columns` (W, W').
    Matrix products, not convolutions: on a CPU, TensorFlow's convolutions of one channel
    with a 12-tap filter made ADA's pipeline several times slower at 28x28."""
    x = tf.einsum("nhwc,hk->nkwc", x, tf.constant(rows, tf.float32))
    return tf.einsum("nhwc,wk->nhkc", x, tf.constant(columns, tf.float32))


def apply_geometric(images: tf.Tensor, g_inv: tf.Tensor) -> tf.Tensor:
    """`images` through the inverse maps `g_inv` (augment.py "Execute geometric
    transformations"), the same shape out."""
    _, height, width, _ = images.shape
    pad = len(SYM6) // 4  # Hz_pad
    # Reflect-padded by the largest margin the authors' code takes (side - 1), centred.
    images = tf.pad(images, [[0, 0], [height - 1] * 2, [width - 1] * 2, [0, 0]], "REFLECT")
    # Upsampled 2x with the filter.
    images = resample(
        images,
        upsampling_matrix(images.shape[1], SYM6),
        upsampling_matrix(images.shape[2], SYM6),
    )
    g = scale2d(2.0, 2.0) @ g_inv @ scale2d(0.5, 0.5)
    g = translate2d(-0.5, -0.5) @ g @ translate2d(0.5, 0.5)
    out_height, out_width = (height + pad * 2) * 2, (width + pad * 2) * 2
    in_height, in_width = images.shape[1], images.shape[2]
    g = scale2d(2 / in_width, 2 / in_height) @ g @ scale2d(out_width / 2, out_height / 2)
    images = _grid_sample(images, tf.stop_gradient(g[:, :2, :]), out_height, out_width)
    # Downsampled 2x with the filter, cropped by one pixel first (padding -Hz_pad*2).
    images = images[:, 1:-1, 1:-1]
    return resample(
        images,
        downsampling_matrix(images.shape[1], SYM6),
        downsampling_matrix(images.shape[2], SYM6),
    )


def color_matrix(draws: _Draws, p, channels: int, multipliers=BGC) -> tf.Tensor:
    """The colour transformation, (batch, 4, 4) on homogeneous RGB."""
    c = tf.eye(4, batch_shape=[draws.batch])
    m = lambda name: multipliers.get(name, 0.0) * p  # noqa: E731
    zero, one = tf.zeros([draws.batch]), tf.ones([draws.batch])
    luma = np.array([1, 1, 1, 0], np.float32) / np.sqrt(3)
    luma_outer = tf.constant(np.outer(luma, luma), tf.float32)
    if multipliers.get("brightness"):
        b = draws.applied(m("brightness"), draws.normal() * BRIGHTNESS_STD, zero)
        c = translate3d(b, b, b) @ c
    if multipliers.get("contrast"):
        s = draws.applied(m("contrast"), tf.pow(2.0, draws.normal() * CONTRAST_STD), one)
        c = scale3d(s, s, s) @ c
    if multipliers.get("lumaflip"):
        i = draws.applied(m("lumaflip"), tf.floor(draws.uniform() * 2), zero)
        c = (tf.eye(4) - 2 * luma_outer * i[:, None, None]) @ c  # Householder reflection
    if multipliers.get("hue") and channels > 1:
        theta = draws.applied(m("hue"), (draws.uniform() * 2 - 1) * math.pi * HUE_MAX, zero)
        c = rotate3d(luma, theta) @ c
    if multipliers.get("saturation") and channels > 1:
        s = draws.applied(m("saturation"), tf.pow(2.0, draws.normal() * SATURATION_STD), one)
        c = (luma_outer + (tf.eye(4) - luma_outer) * s[:, None, None]) @ c
    return c


def apply_color(images: tf.Tensor, c: tf.Tensor) -> tf.Tensor:
    channels = images.shape[-1]
    if channels == 3:
        return tf.einsum("bij,bhwj->bhwi", c[:, :3, :3], images) + c[:, None, None, :3, 3]
    if channels == 1:
        mean = tf.reduce_mean(c[:, :3, :], axis=1)  # (B, 4)
        gain = tf.reduce_sum(mean[:, :3], axis=1)
        return images * gain[:, None, None, None] + mean[:, None, None, None, 3]
    raise ValueError(f"ADA's colour transformations take 1 or 3 channels, got {channels}")


def augment(images: tf.Tensor, seed, p, multipliers: Mapping[str, float] = BGC) -> tf.Tensor:
    """`images` (NHWC, float32 in [-1, 1]) through the pipeline at strength `p`."""
    batch, height, width, channels = images.shape
    batch = batch if batch is not None else tf.shape(images)[0]
    draws = _Draws(seed, batch)
    p = tf.cast(p, tf.float32)
    g_inv = geometric_matrix(draws, p, height, width, multipliers)
    # An image no transformation moves is kept as it is (the resampling is the identity only
    # up to rounding), so that at p = 0 the pipeline is the identity. A select, not a
    # tf.cond: XLA cannot differentiate a cond twice, as R1 through the augmentation does.
    moves = tf.reduce_any(tf.not_equal(g_inv, tf.eye(3)), axis=[1, 2])
    images = tf.where(moves[:, None, None, None], apply_geometric(images, g_inv), images)
    return apply_color(images, color_matrix(draws, p, channels, multipliers))


# --- The adaptive strength ------------------------------------------------------------------------


def _replicated(value, name: str) -> keras.Variable:
    # The same on every replica, each keeping its own copy (updated from all-reduced sums).
    return keras.Variable(
        value,
        trainable=False,
        name=name,
        synchronization="on_read",
        aggregation="only_first_replica",
    )


class AdaptiveAugmentation(Augmentation):
    """ADA's pipeline with its strength p adjusted from D's signs on reals (sec. 3), or kept at
    its initial `p` when not `adjusted` (the fixed strengths of sec. 2.3, Fig. 4).

    The model calls `observe(real_scores)` for each batch of reals D scores in its main update,
    and `update(step)` once per training step; `p`, the signs and count since the last
    adjustment and the last r_t are checkpointed (`variables`). r_t is measured every
    `interval` steps whether p is adjusted or not.
    """

    def __init__(
        self,
        target: float = 0.6,
        interval: int = 4,
        speed_images: int = 500_000,
        multipliers: Mapping[str, float] = BGC,
        p: float = 0.0,
        adjusted: bool = True,
    ) -> None:
        if interval < 1 or speed_images < 1:
            raise ValueError(f"need interval, speed_images >= 1, got {interval}, {speed_images}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p is a probability, got {p}")
        self.target = float(target)
        self.interval = int(interval)
        self.speed_images = int(speed_images)
        self.multipliers = dict(multipliers)
        self.adjusted = bool(adjusted)
        self.p = _replicated(float(p), "augment_p")
        self.r_t = _replicated(0.0, "augment_rt")
        self.sign_sum = _replicated(0.0, "augment_sign_sum")
        self.count = _replicated(0.0, "augment_count")

    @property
    def variables(self) -> dict[str, keras.Variable]:
        return {"p": self.p, "r_t": self.r_t, "sign_sum": self.sign_sum, "count": self.count}

    def __call__(self, images: tf.Tensor, seed) -> tf.Tensor:
        return augment(images, seed, self.p.value, self.multipliers)

    def observe(self, real_scores: tf.Tensor) -> None:
        """Adds D's raw scores of a batch of (augmented) reals to r_t's sums."""
        scores = tf.stop_gradient(tf.cast(real_scores, tf.float32))
        sums = tf.stack([tf.reduce_sum(tf.sign(scores)), tf.cast(tf.size(scores), tf.float32)])
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            sums = context.all_reduce(tf.distribute.ReduceOp.SUM, sums)
        self.sign_sum.assign_add(sums[0])
        self.count.assign_add(sums[1])

    def update(self, step: tf.Tensor) -> dict[str, tf.Tensor]:
        """Every `interval` steps (at step 0, 4, 8, ... as training_loop.py's batch_idx):
        r_t from the sums, p moved toward the target (if adjusted), the sums reset. Returns p
        and r_t."""

        due = tf.equal(tf.cast(step, tf.int64) % self.interval, 0)
        count = self.count.value
        r_t = self.sign_sum.value / tf.maximum(count, 1.0)
        moved = tf.clip_by_value(
            self.p.value + tf.sign(r_t - self.target) * count / self.speed_images, 0.0, 1.0
        )
        if self.adjusted:
            self.p.assign(tf.where(due, moved, self.p.value))
        self.r_t.assign(tf.where(due, r_t, self.r_t.value))
        self.sign_sum.assign(tf.where(due, 0.0, self.sign_sum.value))
        self.count.assign(tf.where(due, 0.0, count))
        return {"augment_p": self.p.value, "augment_rt": self.r_t.value}
