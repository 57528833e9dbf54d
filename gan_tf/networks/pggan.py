"""PGGAN's generator and discriminator, grown from 4x4 (Karras et al. 2018, "Progressive
Growing of GANs for Improved Quality, Stability, and Variation", ICLR, sec. 2-4, Table 2), as
the authors' code builds them (tkarras/progressive_growing_of_gans, networks.py `G_paper`,
`D_paper`).

Both networks hold a block per resolution 4x4, 8x8, ..., `resolution` (level 0, 1, ...). At
level L the generator runs blocks 0..L and turns the last one's features into an image with
its own 1x1 "toRGB" convolution; the discriminator mirrors it with "fromRGB" convolutions.
While block L fades in (sec. 2, Fig. 2), the output is (1 - alpha) * the upsampled image of
level L - 1 + alpha * the image of level L, and D's features are blended the same way.

Generator: z (512), pixel-normalised -> dense to 4x4 x nf(1) (gain sqrt(2)/4, the Theano
original's) -> leaky ReLU, pixel norm -> 3x3 conv; each further block: nearest-neighbour
upsampling, two 3x3 convs, each followed by leaky ReLU 0.2 and pixel norm (sec. 4.2). toRGB:
1x1 conv, gain 1, linear.

Discriminator: fromRGB (1x1 conv, leaky ReLU); each block above 4x4: 3x3 conv to nf(res - 1),
3x3 conv to nf(res - 2), 2x2 average pooling; at 4x4: minibatch standard deviation (sec. 3),
3x3 conv, dense to nf(0), dense to one score (gain 1).

Every weight is used at run time scaled by He's constant gain / sqrt(fan_in) and stored as
N(0, 1) (equalized learning rate, sec. 4.1). The authors' code fuses upsampling with the
following convolution (and convolution with the pooling) for speed; the result is the same.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf
from keras import layers

from gan_tf.errors import UsageError
from gan_tf.networks.resampling import blur

# networks.py G_paper / D_paper defaults.
FMAP_BASE = 8192
FMAP_DECAY = 1.0
FMAP_MAX = 512
LEAKY_SLOPE = 0.2
PIXEL_NORM_EPSILON = 1e-8
MINIBATCH_GROUP = 4
HE_GAIN = math.sqrt(2.0)


def feature_maps(stage: int, fmap_base: int, fmap_decay: float, fmap_max: int) -> int:
    """nf(stage) of the authors' code: min(fmap_base / 2^(stage * fmap_decay), fmap_max); the
    block at 2^res x 2^res has nf(res - 1) channels."""
    return min(int(fmap_base / (2.0 ** (stage * fmap_decay))), fmap_max)


def levels_of(resolution: int) -> int:
    """Blocks from 4x4 up to `resolution` (a power of two >= 4)."""
    return int(math.log2(resolution)) - 1


def check_resolution(resolution: int) -> None:
    if resolution < 4 or resolution & (resolution - 1) or resolution > 1024:
        raise UsageError(
            f"PGGAN grows from 4x4 by doubling: --image_size must be a power of two from 4 to "
            f"1024, got {resolution}"
        )


def pixel_norm(x: tf.Tensor, epsilon: float = PIXEL_NORM_EPSILON) -> tf.Tensor:
    """Each pixel's feature vector divided by its root mean square (sec. 4.2, eq. in the text:
    b = a / sqrt(mean_j a_j^2 + epsilon))."""
    return x * tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=-1, keepdims=True) + epsilon)


def minibatch_stddev(x: tf.Tensor, group_size: int = MINIBATCH_GROUP) -> tf.Tensor:
    """x (N, H, W, C) with one feature map appended: the standard deviation of every feature
    and pixel over groups of `group_size` samples, averaged over features and pixels, one value
    per group (sec. 3; networks.py `minibatch_stddev_layer`). N must be a multiple of the group
    (or smaller than it)."""
    group = min(group_size, x.shape[0])
    _, height, width, channels = x.shape
    y = tf.reshape(tf.cast(x, tf.float32), [group, -1, height, width, channels])
    y = y - tf.reduce_mean(y, axis=0, keepdims=True)
    y = tf.sqrt(tf.reduce_mean(tf.square(y), axis=0) + 1e-8)  # (M, H, W, C)
    y = tf.reduce_mean(y, axis=[1, 2, 3], keepdims=True)  # (M, 1, 1, 1)
    y = tf.tile(tf.cast(y, x.dtype), [group, height, width, 1])  # sample n is in group n % M
    return tf.concat([x, y], axis=-1)


def upsample(x: tf.Tensor, factor: int = 2) -> tf.Tensor:
    """Nearest-neighbour upsampling by an integer factor."""
    if factor == 1:
        return x
    return tf.repeat(tf.repeat(x, factor, axis=1), factor, axis=2)


def downsample(x: tf.Tensor, factor: int = 2) -> tf.Tensor:
    """Box-filter (average-pool) downsampling by an integer factor."""
    if factor == 1:
        return x
    return tf.nn.avg_pool2d(x, factor, factor, "VALID")


def lerp(a: tf.Tensor, b: tf.Tensor, t: tf.Tensor) -> tf.Tensor:
    return a + (b - a) * tf.cast(t, a.dtype)


@keras.saving.register_keras_serializable(package="gan_tf")
class EqualizedConv2D(layers.Conv2D):
    """A 'same' convolution with the equalized learning rate (sec. 4.1): the kernel is stored
    N(0, 1) and scaled at run time by gain / sqrt(fan_in), so that Adam's per-parameter step
    sizes act alike on every layer. Keras's Conv2D with its kernel scaled in the convolution."""

    def __init__(self, filters: int, kernel_size: int, gain: float = HE_GAIN, **kwargs) -> None:
        kwargs.setdefault("padding", "same")
        kwargs.setdefault("kernel_initializer", keras.initializers.RandomNormal(0.0, 1.0))
        super().__init__(filters, kernel_size, **kwargs)
        self.gain = float(gain)

    def build(self, input_shape) -> None:
        super().build(input_shape)
        fan_in = self.kernel_size[0] * self.kernel_size[1] * input_shape[-1]
        self.scale = self.gain / math.sqrt(fan_in)

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel * self.scale)

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}


@keras.saving.register_keras_serializable(package="gan_tf")
class EqualizedDense(layers.Dense):
    """A dense layer with the equalized learning rate (sec. 4.1): kernel stored N(0, 1),
    scaled at run time by gain / sqrt(fan_in)."""

    def __init__(self, units: int, gain: float = HE_GAIN, **kwargs) -> None:
        kwargs.setdefault("kernel_initializer", keras.initializers.RandomNormal(0.0, 1.0))
        super().__init__(units, **kwargs)
        self.gain = float(gain)

    def build(self, input_shape) -> None:
        super().build(input_shape)
        self.scale = self.gain / math.sqrt(input_shape[-1])

    def call(self, inputs, training=None):
        x = tf.matmul(inputs, self.kernel * self.scale)
        if self.use_bias:
            x = x + self.bias
        return self.activation(x)

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}


def _leaky(x: tf.Tensor) -> tf.Tensor:
    return tf.nn.leaky_relu(x, LEAKY_SLOPE)


class _Growing(keras.Model):
    """What both networks share: the resolutions and feature maps of the authors' code."""

    def __init__(
        self,
        resolution: int,
        channels: int,
        fmap_base: int,
        fmap_decay: float,
        fmap_max: int,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        check_resolution(resolution)
        self.resolution = resolution
        self.channels = channels
        self.fmap_base, self.fmap_decay, self.fmap_max = fmap_base, fmap_decay, fmap_max
        self.levels = levels_of(resolution)

    def nf(self, stage: int) -> int:
        return feature_maps(stage, self.fmap_base, self.fmap_decay, self.fmap_max)

    def size_of(self, level: int) -> int:
        return 4 * 2**level

    def get_config(self) -> dict:
        return {
            "resolution": self.resolution,
            "channels": self.channels,
            "fmap_base": self.fmap_base,
            "fmap_decay": self.fmap_decay,
            "fmap_max": self.fmap_max,
            "name": self.name,
        }


@keras.saving.register_keras_serializable(package="gan_tf")
class ProgressiveGenerator(_Growing):
    """z (batch, latent_dim) -> images (batch, resolution, resolution, channels).

    `grow(z, level, alpha)` is the network at one stage of training: images of side
    4 * 2^level, the newest block faded in by `alpha` (None: fully in). Calling the model
    gives the images of the stage held in its `level` and `alpha` weights (set by the
    training step, checkpointed), upsampled to `resolution` as the authors' code outputs
    them: grids, the EMA generator and evaluation then need no knowledge of the stage.
    """

    def __init__(
        self,
        latent_dim: int = 512,
        resolution: int = 1024,
        channels: int = 3,
        fmap_base: int = FMAP_BASE,
        fmap_decay: float = FMAP_DECAY,
        fmap_max: int = FMAP_MAX,
        **kwargs,
    ) -> None:
        kwargs.setdefault("name", "pggan_generator")
        super().__init__(resolution, channels, fmap_base, fmap_decay, fmap_max, **kwargs)
        self.latent_dim = latent_dim
        width = self.nf(1)
        # G_paper: dense(fmaps=nf(1) * 16, gain=sqrt(2) / 4), then a bias per feature map.
        self.input_dense = EqualizedDense(16 * width, gain=HE_GAIN / 4, use_bias=False)
        self.input_bias = self.add_weight(shape=(width,), initializer="zeros", name="input_bias")
        self.blocks = [[EqualizedConv2D(width, 3, name="b4_conv")]]
        for level in range(1, self.levels):
            size, width = self.size_of(level), self.nf(level + 1)
            self.blocks.append([EqualizedConv2D(width, 3, name=f"b{size}_conv{i}") for i in (0, 1)])
        self.to_rgb = [
            EqualizedConv2D(channels, 1, gain=1.0, name=f"to_rgb_{self.size_of(level)}")
            for level in range(self.levels)
        ]
        # The stage a plain call shows: set by the training step, copied to the EMA network.
        self.level = self.add_weight(
            shape=(), dtype="int32", initializer="zeros", trainable=False, name="level"
        )
        self.alpha = self.add_weight(shape=(), initializer="ones", trainable=False, name="alpha")
        self.build((None, latent_dim))

    def build(self, input_shape) -> None:
        self.input_dense.build((None, self.latent_dim))
        features = self.nf(1)
        for level, block in enumerate(self.blocks):
            for conv in block:
                conv.build((None, None, None, features))
                features = conv.filters
            self.to_rgb[level].build((None, None, None, features))
        self.built = True

    def grow(self, z: tf.Tensor, level: int, alpha: tf.Tensor | None = None) -> tf.Tensor:
        """Images of side 4 * 2^level; with `alpha`, block `level` faded in by it."""
        x = pixel_norm(z)  # normalize_latents
        x = self.input_dense(x)
        x = tf.reshape(x, [-1, 4, 4, self.nf(1)]) + self.input_bias
        x = pixel_norm(_leaky(x))
        x = pixel_norm(_leaky(self.blocks[0][0](x)))
        previous = x
        for block in self.blocks[1 : level + 1]:
            previous = x
            x = upsample(x)
            for conv in block:
                x = pixel_norm(_leaky(conv(x)))
        images = self.to_rgb[level](x)
        if level > 0 and alpha is not None:
            images = lerp(upsample(self.to_rgb[level - 1](previous)), images, alpha)
        return images

    def call(self, z, training=None):
        del training  # no layer behaves differently in training

        def stage(level: int):
            return lambda: upsample(
                self.grow(z, level, self.alpha), self.resolution // self.size_of(level)
            )

        return tf.switch_case(
            tf.convert_to_tensor(self.level), [stage(level) for level in range(self.levels)]
        )

    def show(self, level: int, alpha: tf.Tensor | float) -> None:
        """Sets the stage a plain call produces."""
        self.level.assign(level)
        self.alpha.assign(tf.cast(alpha, tf.float32))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.resolution, self.resolution, self.channels)

    def get_config(self) -> dict:
        return {**super().get_config(), "latent_dim": self.latent_dim}


@keras.saving.register_keras_serializable(package="gan_tf")
class ProgressiveDiscriminator(_Growing):
    """images (batch, side, side, channels) -> scores (batch, 1).

    `score(images, level, alpha)` is the network at one stage of training, on images of side
    4 * 2^level; calling the model scores images of side `resolution` (the last stage).
    `blur`: StyleGAN's form, the [1, 2, 1] filter before each downsampling convolution.
    """

    def __init__(
        self,
        resolution: int = 1024,
        channels: int = 3,
        fmap_base: int = FMAP_BASE,
        fmap_decay: float = FMAP_DECAY,
        fmap_max: int = FMAP_MAX,
        group_size: int = MINIBATCH_GROUP,
        blur: bool = False,
        **kwargs,
    ) -> None:
        kwargs.setdefault("name", "pggan_discriminator")
        super().__init__(resolution, channels, fmap_base, fmap_decay, fmap_max, **kwargs)
        self.group_size = group_size
        self.blur = blur
        self.from_rgb = [
            EqualizedConv2D(self.nf(level + 1), 1, name=f"from_rgb_{self.size_of(level)}")
            for level in range(self.levels)
        ]
        self.blocks = [
            [
                EqualizedConv2D(self.nf(1), 3, name="b4_conv"),
                EqualizedDense(self.nf(0), name="b4_dense0"),
                EqualizedDense(1, gain=1.0, name="b4_dense1"),
            ]
        ]
        for level in range(1, self.levels):
            size = self.size_of(level)
            self.blocks.append(
                [
                    EqualizedConv2D(self.nf(level + 1), 3, name=f"b{size}_conv0"),
                    EqualizedConv2D(self.nf(level), 3, name=f"b{size}_conv1"),
                ]
            )
        self.build((None, resolution, resolution, channels))

    def build(self, input_shape) -> None:
        for level in range(self.levels):
            self.from_rgb[level].build((None, None, None, self.channels))
        conv, dense0, dense1 = self.blocks[0]
        conv.build((None, 4, 4, self.nf(1) + (1 if self.group_size > 1 else 0)))
        dense0.build((None, 16 * self.nf(1)))
        dense1.build((None, self.nf(0)))
        for level in range(1, self.levels):
            conv0, conv1 = self.blocks[level]
            conv0.build((None, None, None, self.nf(level + 1)))
            conv1.build((None, None, None, self.nf(level + 1)))
        self.built = True

    def score(self, images: tf.Tensor, level: int, alpha: tf.Tensor | None = None) -> tf.Tensor:
        """D at stage `level` on images of side 4 * 2^level; with `alpha`, block `level`
        faded in by it."""
        x = _leaky(self.from_rgb[level](images))
        for current in range(level, 0, -1):
            conv0, conv1 = self.blocks[current]
            x = _leaky(conv0(x))
            if self.blur:  # StyleGAN's D_basic: [1, 2, 1] before the downsampling conv
                x = blur(x)
            x = downsample(_leaky(conv1(x)))
            if current == level and alpha is not None:
                skip = _leaky(self.from_rgb[level - 1](downsample(images)))
                x = lerp(skip, x, alpha)
        conv, dense0, dense1 = self.blocks[0]
        if self.group_size > 1:
            x = minibatch_stddev(x, self.group_size)
        x = _leaky(conv(x))
        x = _leaky(dense0(tf.reshape(x, [-1, 16 * self.nf(1)])))
        return dense1(x)

    def call(self, images, training=None):
        del training
        return self.score(images, self.levels - 1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1)

    def get_config(self) -> dict:
        return {**super().get_config(), "group_size": self.group_size, "blur": self.blur}
