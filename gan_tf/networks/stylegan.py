"""StyleGAN's generator (Karras et al. 2019, "A Style-Based Generator Architecture for
Generative Adversarial Networks", CVPR, sec. 2, Fig. 1b), grown from 4x4 as PGGAN's, as the
authors' code builds it (NVlabs/stylegan, training/networks_stylegan.py `G_synthesis`,
`D_basic`).

The mapping network, the average of w, truncation and style mixing are StyleGAN2's
(`gan_tf.networks.stylegan2.StyleBased`). The synthesis network: a learned constant 4x4 input
(ones at first), then per resolution two 3x3 convolutions (the first after 2x nearest
upsampling and followed by the [1, 2, 1] blur), each followed by the "layer epilogue": noise
scaled per channel, bias, leaky ReLU 0.2, instance normalisation and AdaIN's style modulation
x * (y_s + 1) + y_b with (y_s, y_b) = A(w) (sec. 2, eq. 1). Every resolution has its own
toRGB (1x1); while block L fades in, the image is (1 - alpha) * the upsampled image of
block L - 1 + alpha * that of block L, as PGGAN's.

Discriminator: PGGAN's (`gan_tf.networks.pggan.ProgressiveDiscriminator`) with the [1, 2, 1]
blur before each downsampling convolution (`blur=True`), as `D_basic`.

Weights use the equalized learning rate with He's gain sqrt(2) for the convolutions (gain 1
for toRGB and the style's dense layer), as PGGAN's. Widths: nf(res) = min(8192 / 2^(log2
res - 1), 512), i.e. min(16384 / res, 512) (`fmap_base` 8192).
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf

from gan_tf.networks.pggan import EqualizedConv2D, lerp, upsample
from gan_tf.networks.resampling import blur
from gan_tf.networks.stylegan2 import (
    EqualizedDense,
    StyleBased,
    channels_at,
)

CHANNEL_BASE = 16384  # networks_stylegan.py fmap_base 8192 at stage log2(res) - 1


def instance_norm(x: tf.Tensor, epsilon: float = 1e-8) -> tf.Tensor:
    """Each feature map of each sample to zero mean and unit variance over its pixels."""
    x = x - tf.reduce_mean(x, axis=[1, 2], keepdims=True)
    return x * tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=[1, 2], keepdims=True) + epsilon)


class LayerEpilogue(keras.layers.Layer):
    """Noise (one learned strength per channel, 0 at first), bias, leaky ReLU, instance norm
    and the style modulation x * (y_s + 1) + y_b, (y_s, y_b) = A(w) (networks_stylegan.py
    `layer_epilogue`, `apply_noise`, `style_mod`)."""

    def __init__(self, resolution: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.resolution = resolution

    def build(self, input_shape) -> None:
        x_shape, w_shape = input_shape
        channels = x_shape[-1]
        self.noise_strength = self.add_weight(
            shape=(channels,), initializer="zeros", name="noise_strength"
        )
        self.noise_const = self.add_weight(
            shape=(1, self.resolution, self.resolution, 1),
            initializer=keras.initializers.RandomNormal(0.0, 1.0, seed=self.resolution),
            trainable=False,
            name="noise_const",
        )
        self.bias = self.add_weight(shape=(channels,), initializer="zeros", name="bias")
        self.style = EqualizedDense(2 * channels, name="style")
        self.style.build(w_shape)

    def call(self, inputs, noise_mode: str = "random", noise_seed=None):
        x, w = inputs
        if noise_mode == "random":
            shape = tf.stack([tf.shape(x)[0], self.resolution, self.resolution, 1])
            x = x + tf.random.stateless_normal(shape, noise_seed) * self.noise_strength
        elif noise_mode == "const":
            x = x + self.noise_const * self.noise_strength
        x = instance_norm(tf.nn.leaky_relu(x + self.bias, 0.2))
        scale, shift = tf.split(self.style(w), 2, axis=-1)
        return x * (scale[:, None, None, :] + 1.0) + shift[:, None, None, :]


@keras.saving.register_keras_serializable(package="gan_tf")
class StyleGANGenerator(StyleBased):
    """z (and labels) -> images, grown from 4x4 (see the module docstring).

    `grow(ws, level, alpha, noise_mode, noise_seed)` is the synthesis network at one stage of
    training (images of side 4 * 2^level); a plain call shows the stage held in `level` and
    `alpha` (set by the training step, checkpointed), upsampled to `resolution`, as PGGAN's.
    """

    CHANNEL_BASE = CHANNEL_BASE

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        resolution, channels = self.resolution, self.image_channels
        channel_base, channel_max = self.channel_base, self.channel_max
        self.levels = int(math.log2(resolution)) - 1
        self.blocks, self.to_rgb = [], []
        for level in range(self.levels):
            res = 4 * 2**level
            filters = channels_at(res, channel_base, channel_max)
            names = [f"b{res}_conv1"] if level == 0 else [f"b{res}_conv0", f"b{res}_conv1"]
            convs = [EqualizedConv2D(filters, 3, use_bias=False, name=n) for n in names]
            if level == 0:
                convs = [None, *convs]  # the constant takes the first epilogue
            epilogues = [LayerEpilogue(res, name=f"b{res}_epilogue{i}") for i in (0, 1)]
            self.blocks.append(list(zip(convs, epilogues, strict=True)))
            self.to_rgb.append(EqualizedConv2D(channels, 1, gain=1.0, name=f"to_rgb_{res}"))
        first = channels_at(4, channel_base, channel_max)
        self.const = self.add_weight(shape=(1, 4, 4, first), initializer="ones", name="const")
        self.level = self.add_weight(
            shape=(), dtype="int32", initializer="zeros", trainable=False, name="level"
        )
        self.alpha = self.add_weight(shape=(), initializer="ones", trainable=False, name="alpha")
        z = tf.zeros([1, self.latent_dim])
        labels = tf.zeros([1], tf.int32) if self.num_classes else None
        self.grow(self.mapping(z, labels), self.levels - 1, tf.constant(0.5), "none")
        for level, to_rgb in enumerate(self.to_rgb):  # the lower ones serve only in training
            if not to_rgb.built:
                to_rgb.build(
                    (None, None, None, channels_at(4 * 2**level, channel_base, channel_max))
                )
        self.built = True

    def grow(self, ws, level: int, alpha=None, noise_mode: str = "random", noise_seed=None):
        """Images of side 4 * 2^level from ws; with `alpha`, block `level` faded in by it."""
        x = tf.tile(self.const, [tf.shape(ws)[0], 1, 1, 1])
        previous, layer = x, 0
        for current, block in enumerate(self.blocks[: level + 1]):
            if current > 0:
                previous = x
                x = upsample(x)
            for index, (conv, epilogue) in enumerate(block):
                if conv is not None:
                    x = conv(x)
                    if current > 0 and index == 0:
                        x = blur(x)  # after the upsampling convolution (Conv0_up)
                seed = None
                if noise_mode == "random":
                    seed = tf.random.experimental.stateless_fold_in(noise_seed, layer)
                x = epilogue([x, ws[:, layer]], noise_mode=noise_mode, noise_seed=seed)
                layer += 1
        images = self.to_rgb[level](x)
        if level > 0 and alpha is not None:
            images = lerp(upsample(self.to_rgb[level - 1](previous)), images, alpha)
        return images

    def show(self, level: int, alpha) -> None:
        """Sets the stage a plain call produces."""
        self.level.assign(level)
        self.alpha.assign(tf.cast(alpha, tf.float32))

    def synthesize(self, ws, noise_mode: str = "random", noise_seed=None):
        """The stage shown, upsampled to `resolution` (what a plain call renders)."""

        def stage(level: int):
            factor = self.resolution // (4 * 2**level)
            return lambda: upsample(
                self.grow(ws, level, self.alpha, noise_mode, noise_seed), factor
            )

        return tf.switch_case(
            tf.convert_to_tensor(self.level), [stage(level) for level in range(self.levels)]
        )

    def call(self, inputs, training=None):
        ws, seed = self.plain_ws(inputs)
        return self.synthesize(ws, self.noise_mode, seed)
