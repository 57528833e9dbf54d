"""StyleGAN2's generator and discriminator (Karras et al. 2020, "Analyzing and Improving the
Image Quality of StyleGAN", CVPR, sec. 2-4 and appendix B), as the authors' code builds them
(NVlabs/stylegan2-ada-pytorch, training/networks.py; the same networks as NVlabs/stylegan2
networks_stylegan2.py, whose fmap_base is half the PyTorch code's channel_base).

Generator: z -> mapping network (z normalised to unit second moment, `mapping_layers` dense
layers of `w_dim` with leaky ReLU and learning-rate multiplier 0.01, a label embedding
concatenated for a conditional model) -> w, its running average `w_avg` tracked in training
(decay 0.995) -> broadcast to one w per layer -> synthesis network: a learned constant 4x4
input, then per resolution two modulated 3x3 convolutions (the first upsampling) with weight
demodulation (sec. 2.2, eq. 1-3), per-pixel noise scaled by a learned strength, bias and leaky
ReLU; a "skip" output (Fig. 7b): each resolution's toRGB (modulated 1x1, not demodulated) is
added to the upsampled image of the one below.

Discriminator: "resnet" (Fig. 7c; the code's default) or "orig" (the plain PGGAN-style
stack, stylegan2-ada's CIFAR config): fromRGB at the input, per resolution two 3x3 convs (the
second downsampling) with a 1x1 downsampling skip scaled by sqrt(1/2) in the resnet form;
then at 4x4 the minibatch standard deviation (PGGAN, sec. 3), a 3x3 conv, a dense layer and the
score; a conditional D projects the score on a mapped label embedding (the ada code's
`cmap`).

Resampling filters the signal with the separable [1, 3, 3, 1] kernel before downsampling and
after upsampling (zero insertion), with padding applied once before the filter and
convolution, as the authors' `conv2d_resample` does (written here with `upfirdn2d` because
Keras has no such layer). Every weight is stored N(0, 1) / lr_multiplier and scaled at run
time (equalized learning rate, PGGAN sec. 4.1); activations are leaky ReLU 0.2 times sqrt(2).

Channels at resolution r: min(channel_base / r, channel_max) (config F: 32768 and 512).
Not carried over: the code's float16 layers and its activation clamp at 256 (both for speed
in mixed precision; gan_tf's `--precision` covers mixed precision on its own).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from gan_tf.errors import UsageError
from gan_tf.networks.pggan import minibatch_stddev
from gan_tf.networks.resampling import resample_filter, upfirdn2d, upsample_2x

LEAKY_SLOPE = 0.2
ACTIVATION_GAIN = math.sqrt(2.0)  # bias_act's def_gain for lrelu
W_AVG_BETA = 0.995
NOISE_MODES = ("random", "const", "none")
D_ARCHITECTURES = ("resnet", "orig")


def check_resolution(resolution: int) -> None:
    if resolution < 4 or resolution & (resolution - 1) or resolution > 1024:
        raise UsageError(
            f"StyleGAN2 builds a block per doubling from 4x4: --image_size must be a power of "
            f"two from 4 to 1024, got {resolution}"
        )


def channels_at(resolution: int, channel_base: int, channel_max: int) -> int:
    """The feature maps at a resolution (networks.py `channels_dict`)."""
    return min(channel_base // resolution, channel_max)


def num_ws(resolution: int) -> int:
    """Ws the synthesis network takes: one per convolution and one for the last toRGB (the
    other toRGBs share the next block's first w): 2 log2(r) - 2, 18 at 1024x1024."""
    return 2 * int(math.log2(resolution)) - 2


STYLE_GROUPS = ("coarse", "middle", "fine")


def style_layers(resolution: int, group: str) -> tuple[int, int]:
    """The ws [begin, end) of a group of styles (StyleGAN, sec. 3.1, Fig. 3): coarse, the
    layers at 4^2-8^2 (ws 0-3); middle, 16^2-32^2 (4-7); fine, 64^2 and up (8-). Below 64x64
    there are no fine layers in that sense: middle is then 16^2 (4-5) and fine 32^2 (6-7)."""
    if group not in STYLE_GROUPS:
        raise UsageError(f"style groups are {', '.join(STYLE_GROUPS)}, got {group!r}")
    if resolution < 32:
        raise UsageError(f"style groups need images of 32x32 or more, got {resolution}")
    middle, fine = (4, 8) if resolution >= 64 else (4, 6)
    bounds = {"coarse": (0, middle), "middle": (middle, fine), "fine": (fine, num_ws(resolution))}
    return bounds[group]


def lrelu(x: tf.Tensor) -> tf.Tensor:
    """Leaky ReLU 0.2 times sqrt(2), which keeps unit variance (bias_act 'lrelu')."""
    return tf.nn.leaky_relu(x, LEAKY_SLOPE) * ACTIVATION_GAIN


def normalize_2nd_moment(x: tf.Tensor, epsilon: float = 1e-8) -> tf.Tensor:
    """x / sqrt(mean(x^2) + eps) over the last axis (the mapping network's input)."""
    return x * tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=-1, keepdims=True) + epsilon)


def conv2d_resample(
    x: tf.Tensor, weight: tf.Tensor, kernel: np.ndarray, up: int = 1, down: int = 1
) -> tf.Tensor:
    """A 'same' convolution with `weight` (kh, kw, in, out), upsampling 2x before it or
    downsampling 2x after it, padded once at the start as the authors' `conv2d_resample`:
    up: zero insertion, pad, filter (gain 4), valid conv; down: pad, filter, stride-2 conv."""
    size = weight.shape[0]
    pad = size // 2
    if up == 1 and down == 1:
        return tf.nn.conv2d(x, weight, 1, "SAME")
    taps = kernel.shape[0]
    if up > 1:
        x = upfirdn2d(
            x, kernel, up=2, padding=(pad + (taps + 1) // 2, pad + (taps - 2) // 2), gain=4
        )
        return tf.nn.conv2d(x, weight, 1, "VALID")
    if size == 1:  # down: filter, subsample, then the 1x1 conv (cheaper, the same result)
        x = upfirdn2d(x, kernel, down=2, padding=((taps - 1) // 2, (taps - 2) // 2))
        return tf.nn.conv2d(x, weight, 1, "VALID")
    x = upfirdn2d(x, kernel, padding=(pad + (taps - 1) // 2, pad + (taps - 2) // 2))
    return tf.nn.conv2d(x, weight, 2, "VALID")


def modulated_conv2d(
    x: tf.Tensor,
    weight: tf.Tensor,
    styles: tf.Tensor,
    demodulate: bool = True,
    up: int = 1,
    kernel: np.ndarray | None = None,
) -> tf.Tensor:
    """The modulated convolution (sec. 2.2): w'_ijk = s_i w_ijk (eq. 1), and with demodulation
    w''_ijk = w'_ijk / sqrt(sum_ik w'_ijk^2 + eps) (eq. 3), for each sample its own weights.

    Computed as the authors' non-fused path: x scaled by the styles per input channel,
    convolved with the shared weight, scaled by the demodulation coefficients per output
    channel, which is the same function as a grouped convolution with per-sample weights.
    x (N, H, W, I), weight (k, k, I, O), styles (N, I)."""
    x = x * styles[:, None, None, :]
    x = conv2d_resample(x, weight, kernel, up=up)
    if demodulate:
        # sum_ik (s_i w_ijk)^2 = sum_i s_i^2 (sum_k w_ijk^2)
        weight_energy = tf.reduce_sum(tf.square(weight), axis=[0, 1])  # (I, O)
        coefficients = tf.math.rsqrt(tf.matmul(tf.square(styles), weight_energy) + 1e-8)
        x = x * coefficients[:, None, None, :]
    return x


class EqualizedDense(keras.layers.Layer):
    """A dense layer with the equalized learning rate and a learning-rate multiplier
    (networks.py `FullyConnectedLayer`): weight stored N(0, 1) / lr_multiplier and used times
    lr_multiplier / sqrt(fan_in); bias stored / lr_multiplier likewise (initial value
    `bias_init`); `activation` "lrelu" applies `lrelu` after the bias."""

    def __init__(
        self,
        units: int,
        lr_multiplier: float = 1.0,
        bias_init: float = 0.0,
        activation: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.lr_multiplier = float(lr_multiplier)
        self.bias_init = float(bias_init)
        self.activation = activation

    def build(self, input_shape) -> None:
        fan_in = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(fan_in, self.units),
            initializer=keras.initializers.RandomNormal(0.0, 1.0 / self.lr_multiplier),
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(self.units,),
            initializer=keras.initializers.Constant(self.bias_init / self.lr_multiplier),
            name="bias",
        )
        self.weight_gain = self.lr_multiplier / math.sqrt(fan_in)

    def call(self, x):
        x = tf.matmul(x, self.kernel * self.weight_gain) + self.bias * self.lr_multiplier
        return lrelu(x) if self.activation == "lrelu" else x


class Conv(keras.layers.Layer):
    """A convolution with the equalized learning rate, optional 2x down-sampling, bias and
    activation (networks.py `Conv2dLayer`); `gain` multiplies the output (the resnet
    discriminator's sqrt(1/2))."""

    def __init__(
        self,
        filters: int,
        size: int,
        down: int = 1,
        use_bias: bool = True,
        activation: str | None = "lrelu",
        gain: float = 1.0,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.filters, self.size, self.down = filters, size, down
        self.use_bias, self.activation, self.gain = use_bias, activation, gain
        self.kernel_2d = resample_filter()

    def build(self, input_shape) -> None:
        fan_in = self.size * self.size * input_shape[-1]
        self.kernel = self.add_weight(
            shape=(self.size, self.size, input_shape[-1], self.filters),
            initializer=keras.initializers.RandomNormal(0.0, 1.0),
            name="kernel",
        )
        self.bias = (
            self.add_weight(shape=(self.filters,), initializer="zeros", name="bias")
            if self.use_bias
            else None
        )
        self.weight_gain = 1.0 / math.sqrt(fan_in)

    def call(self, x):
        x = conv2d_resample(x, self.kernel * self.weight_gain, self.kernel_2d, down=self.down)
        if self.bias is not None:
            x = x + self.bias
        if self.activation == "lrelu":
            x = lrelu(x)
        return x * self.gain if self.gain != 1.0 else x


class SynthesisLayer(keras.layers.Layer):
    """A modulated 3x3 convolution (optionally upsampling 2x), noise, bias and leaky ReLU
    (networks.py `SynthesisLayer`; sec. 2.2 and Fig. 2c). The style s = A(w) is an affine map
    with bias 1. The noise image (N, r, r, 1) is scaled by a learned strength, 0 at first; it is
    drawn from a stateless seed ("random"), fixed per layer ("const") or left out ("none")."""

    def __init__(self, filters: int, resolution: int, up: int = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.filters, self.resolution, self.up = filters, resolution, up
        self.kernel_2d = resample_filter()

    def build(self, input_shape) -> None:
        x_shape, w_shape = input_shape
        channels = x_shape[-1]
        self.affine = EqualizedDense(channels, bias_init=1.0, name="affine")
        self.affine.build(w_shape)
        self.kernel = self.add_weight(
            shape=(3, 3, channels, self.filters),
            initializer=keras.initializers.RandomNormal(0.0, 1.0),
            name="kernel",
        )
        self.noise_strength = self.add_weight(shape=(), initializer="zeros", name="noise_strength")
        self.noise_const = self.add_weight(
            shape=(1, self.resolution, self.resolution, 1),
            initializer=keras.initializers.RandomNormal(0.0, 1.0, seed=self.resolution),
            trainable=False,
            name="noise_const",
        )
        self.bias = self.add_weight(shape=(self.filters,), initializer="zeros", name="bias")

    def call(self, inputs, noise_mode: str = "random", noise_seed=None):
        x, w = inputs
        styles = self.affine(w)
        x = modulated_conv2d(x, self.kernel, styles, up=self.up, kernel=self.kernel_2d)
        if noise_mode == "random":
            shape = tf.stack([tf.shape(x)[0], self.resolution, self.resolution, 1])
            x = (
                x
                + tf.random.stateless_normal(shape, noise_seed, dtype=x.dtype) * self.noise_strength
            )
        elif noise_mode == "const":
            x = x + self.noise_const * self.noise_strength
        return lrelu(x + self.bias)


class ToRGB(keras.layers.Layer):
    """toRGB: a modulated 1x1 convolution without demodulation, its style scaled by
    1 / sqrt(fan_in) in place of the weight, then a bias (networks.py `ToRGBLayer`)."""

    def __init__(self, channels: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.channels = channels

    def build(self, input_shape) -> None:
        x_shape, w_shape = input_shape
        self.affine = EqualizedDense(x_shape[-1], bias_init=1.0, name="affine")
        self.affine.build(w_shape)
        self.kernel = self.add_weight(
            shape=(1, 1, x_shape[-1], self.channels),
            initializer=keras.initializers.RandomNormal(0.0, 1.0),
            name="kernel",
        )
        self.bias = self.add_weight(shape=(self.channels,), initializer="zeros", name="bias")
        self.weight_gain = 1.0 / math.sqrt(x_shape[-1])

    def call(self, inputs):
        x, w = inputs
        styles = self.affine(w) * self.weight_gain
        return modulated_conv2d(x, self.kernel, styles, demodulate=False) + self.bias


class MappingNetwork(keras.layers.Layer):
    """z (and a one-hot label) -> w (networks.py `MappingNetwork`; sec. 2 of StyleGAN, Karras et
    al. 2019): z normalised, the label embedded by a dense layer and normalised, both
    concatenated, then `layers` dense layers with leaky ReLU at `lr_multiplier` (0.01). In
    training (`track=True`) the batch mean of w moves the average `w_avg` by 1 - 0.995: the
    centre of the truncation trick (StyleGAN, sec. 3.1, eq. 3)."""

    def __init__(
        self,
        w_dim: int,
        layers: int,
        num_classes: int | None = None,
        lr_multiplier: float = 0.01,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.w_dim, self.num_classes = w_dim, num_classes
        self.embed = EqualizedDense(w_dim, name="embed") if num_classes else None
        self.dense = [
            EqualizedDense(w_dim, lr_multiplier, activation="lrelu", name=f"fc{index}")
            for index in range(layers)
        ]

        self.w_avg = self.add_weight(
            shape=(w_dim,), initializer="zeros", trainable=False, name="w_avg"
        )

    def build(self, *args, **kwargs) -> None:
        self.built = True

    def call(self, z, labels=None, track: bool = False):
        parts = [] if z is None else [normalize_2nd_moment(tf.cast(z, tf.float32))]
        if self.embed is not None:
            parts.append(normalize_2nd_moment(self.embed(tf.one_hot(labels, self.num_classes))))
        x = tf.concat(parts, axis=-1) if len(parts) > 1 else parts[0]
        for layer in self.dense:
            x = layer(x)
        if track:
            batch_mean = tf.reduce_mean(x, axis=0)
            self.w_avg.assign(batch_mean + (self.w_avg - batch_mean) * W_AVG_BETA)
        return x


class StyleBased(keras.Model):
    """What the style-based generators share (StyleGAN and StyleGAN2): the mapping network
    from z (and a label) to w, broadcast to `num_ws` layers, its tracked average, the truncation
    trick and style mixing. `truncation_psi` / `truncation_cutoff` (attributes, 1 and None by
    default) truncate a plain call's ws; `noise_mode` sets its noise."""

    CHANNEL_BASE: int = 32768  # a subclass's default channel_base

    def __init__(
        self,
        latent_dim: int,
        resolution: int,
        channels: int,
        *,
        w_dim: int = 512,
        mapping_layers: int = 8,
        channel_base: int | None = None,
        channel_max: int = 512,
        num_classes: int | None = None,
        mapping_lr_multiplier: float = 0.01,
        **kwargs,
    ) -> None:
        check_resolution(resolution)
        super().__init__(**kwargs)
        self.latent_dim, self.resolution, self.image_channels = latent_dim, resolution, channels
        self.num_ws, self.w_dim = num_ws(resolution), w_dim
        self.mapping_layers, self.num_classes = mapping_layers, num_classes
        self.mapping_lr_multiplier = mapping_lr_multiplier
        self.channel_base = channel_base or self.CHANNEL_BASE
        self.channel_max = channel_max
        self.truncation_psi, self.truncation_cutoff = 1.0, None
        self.noise_mode = "random"
        self.mapping_network = MappingNetwork(
            w_dim, mapping_layers, num_classes, mapping_lr_multiplier, name="mapping"
        )

    def mapping(self, z, labels=None, track: bool = False, broadcast: bool = True):
        """w for z (and labels): (N, num_ws, w_dim) when `broadcast`, else (N, w_dim); `track`
        moves the running average of w (training)."""
        w = self.mapping_network(z, labels, track=track)
        return tf.tile(w[:, None, :], [1, self.num_ws, 1]) if broadcast else w

    def truncate(self, ws, psi: float, cutoff: int | None = None):
        """The truncation trick in W (StyleGAN, sec. 3.1, eq. 3; networks.py): w' = w_avg +
        psi (w - w_avg) for the first `cutoff` layers (all when None)."""
        w_avg = self.mapping_network.w_avg
        truncated = w_avg + psi * (ws - w_avg)
        if cutoff is None:
            return truncated
        layer = tf.range(self.num_ws)[None, :, None]
        return tf.where(layer < cutoff, truncated, ws)

    def mix(self, destination_ws, source_ws, begin: int, end: int):
        """Style mixing (StyleGAN, sec. 3.1): the destination's ws with layers [begin, end)
        taken from the source."""
        layer = tf.range(self.num_ws)[None, :, None]
        return tf.where((layer >= begin) & (layer < end), source_ws, destination_ws)

    def plain_ws(self, inputs):
        """A plain call's ws and the seed of its noise (a fingerprint of z)."""
        z, labels = inputs if self.num_classes else (inputs, None)
        ws = self.mapping(z, labels)
        if self.truncation_psi != 1.0:
            ws = self.truncate(ws, self.truncation_psi, self.truncation_cutoff)
        return ws, z_fingerprint(z) if self.noise_mode == "random" else None

    def get_config(self) -> dict:
        return {
            "latent_dim": self.latent_dim,
            "resolution": self.resolution,
            "channels": self.image_channels,
            "w_dim": self.w_dim,
            "mapping_layers": self.mapping_layers,
            "channel_base": self.channel_base,
            "channel_max": self.channel_max,
            "num_classes": self.num_classes,
            "mapping_lr_multiplier": self.mapping_lr_multiplier,
            "name": self.name,
        }


@keras.saving.register_keras_serializable(package="gan_tf")
class StyleGAN2Generator(StyleBased):
    """The mapping and synthesis networks (`mapping`, `synthesize`) and the whole generator as
    a call: inputs z or [z, labels] -> images in [-1, 1]-ish (no final tanh, as the authors').

    The call samples every layer's noise from a seed that is a fingerprint of z, so G is a pure
    function of its inputs (see `StyleBased` for truncation).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        resolution, channels = self.resolution, self.image_channels
        channel_base, channel_max = self.channel_base, self.channel_max
        self.kernel_2d = resample_filter()
        self.resolutions = [2**i for i in range(2, int(math.log2(resolution)) + 1)]
        self.const = None
        self.blocks = []
        for res in self.resolutions:
            filters = channels_at(res, channel_base, channel_max)
            convs = [] if res == 4 else [SynthesisLayer(filters, res, up=2, name=f"b{res}_conv0")]
            convs.append(SynthesisLayer(filters, res, name=f"b{res}_conv1"))
            self.blocks.append((convs, ToRGB(channels, name=f"b{res}_torgb")))
        self.build_networks()

    def build_networks(self) -> None:
        first = channels_at(4, self.channel_base, self.channel_max)
        self.const = self.add_weight(
            shape=(1, 4, 4, first), initializer=keras.initializers.RandomNormal(0.0, 1.0),
            name="const",
        )  # fmt: skip
        z = tf.zeros([1, self.latent_dim])
        labels = tf.zeros([1], tf.int32) if self.num_classes else None
        self.mapping(z, labels)
        # The synthesis layers from their shapes (running them at 1024x1024 costs seconds).
        features, w_shape = first, (None, self.w_dim)
        for convs, to_rgb in self.blocks:
            for conv in convs:
                conv.build([(None, None, None, features), w_shape])
                features = conv.filters
            to_rgb.build([(None, None, None, features), w_shape])
        self.built = True

    def synthesize(self, ws, noise_mode: str = "random", noise_seed=None):
        """Images from per-layer ws (N, num_ws, w_dim); block r uses ws 2 log2(r) - 5 and
        - 4 for its convolutions (the first block one) and the next for its toRGB."""
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}")
        if noise_mode == "random" and noise_seed is None:
            raise ValueError("random noise needs a stateless noise_seed")
        batch = tf.shape(ws)[0]
        x = tf.tile(self.const, [batch, 1, 1, 1])
        image, index, layer = None, 0, 0
        for convs, to_rgb in self.blocks:
            for conv in convs:
                seed = None
                if noise_mode == "random":
                    seed = tf.random.experimental.stateless_fold_in(noise_seed, layer)
                x = conv([x, ws[:, index]], noise_mode=noise_mode, noise_seed=seed)
                index, layer = index + 1, layer + 1
            if image is not None:
                image = upsample_2x(image, self.kernel_2d)
            rgb = to_rgb([x, ws[:, index]])
            image = rgb if image is None else image + rgb
        return image

    def call(self, inputs, training=None):
        z, labels = inputs if self.num_classes else (inputs, None)
        ws = self.mapping(z, labels)
        if self.truncation_psi != 1.0:
            ws = self.truncate(ws, self.truncation_psi, self.truncation_cutoff)
        seed = None
        if self.noise_mode == "random":
            seed = z_fingerprint(z)
        return self.synthesize(ws, self.noise_mode, seed)


def z_fingerprint(z: tf.Tensor) -> tf.Tensor:
    """A stateless seed that is a function of z's values: a sampling call's noise is then as
    reproducible as its z."""
    bits = tf.bitcast(tf.cast(z, tf.float32), tf.int32)
    positions = tf.reshape(tf.range(tf.size(bits), dtype=tf.int32), tf.shape(bits))
    mixed = tf.reduce_sum(bits * (2 * positions + 1))  # wraps around, which is fine for a seed
    return tf.stack([tf.cast(mixed, tf.int64), tf.constant(0x5EED, tf.int64)])


@keras.saving.register_keras_serializable(package="gan_tf")
class StyleGAN2Discriminator(keras.Model):
    """The discriminator: images or [images, labels] -> one logit per image (see the module
    docstring). `architecture`: "resnet" (sec. 4.1, Fig. 7c) or "orig"."""

    def __init__(
        self,
        resolution: int,
        channels: int,
        *,
        architecture: str = "resnet",
        channel_base: int = 32768,
        channel_max: int = 512,
        mbstd_group: int = 4,
        num_classes: int | None = None,
        mapping_layers: int = 8,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        check_resolution(resolution)
        if architecture not in D_ARCHITECTURES:
            raise UsageError(
                f"--d_architecture must be one of {', '.join(D_ARCHITECTURES)}, got "
                f"{architecture!r}"
            )
        self.resolution, self.image_channels, self.architecture = resolution, channels, architecture
        self.channel_base, self.channel_max = channel_base, channel_max
        self.mbstd_group, self.num_classes, self.mapping_layers = (
            mbstd_group,
            num_classes,
            mapping_layers,
        )
        nf = lambda res: channels_at(res, channel_base, channel_max)  # noqa: E731
        self.from_rgb = Conv(nf(resolution), 1, name=f"b{resolution}_fromrgb")
        self.blocks = []
        res = resolution
        while res > 4:
            skip_gain = math.sqrt(0.5) if architecture == "resnet" else 1.0
            block = [
                Conv(nf(res), 3, name=f"b{res}_conv0"),
                Conv(nf(res // 2), 3, down=2, gain=skip_gain, name=f"b{res}_conv1"),
            ]
            if architecture == "resnet":
                block.append(
                    Conv(nf(res // 2), 1, down=2, use_bias=False, activation=None,
                         gain=skip_gain, name=f"b{res}_skip")
                )  # fmt: skip
            self.blocks.append(block)
            res //= 2
        self.epilogue_conv = Conv(nf(4), 3, name="b4_conv")
        self.epilogue_dense = EqualizedDense(nf(4), activation="lrelu", name="b4_fc")
        cmap_dim = nf(4) if num_classes else 0
        self.cmap_dim = cmap_dim
        self.out = EqualizedDense(cmap_dim or 1, name="b4_out")
        self.label_mapping = (
            MappingNetwork(cmap_dim, mapping_layers, num_classes, 0.01, name="mapping")
            if num_classes
            else None
        )
        # The layers from their shapes (running them at 1024x1024 costs seconds).
        features = channels
        self.from_rgb.build((None, None, None, features))
        features = self.from_rgb.filters
        for block in self.blocks:
            for conv in block[:2]:
                conv.build((None, None, None, features))
                features = conv.filters
            if len(block) == 3:
                block[2].build((None, None, None, block[0].filters))
        self.epilogue_conv.build((None, 4, 4, features + 1))
        self.epilogue_dense.build((None, 16 * nf(4)))
        self.out.build((None, nf(4)))
        if self.label_mapping is not None:
            self.label_mapping(None, tf.zeros([1], tf.int32))
        self.built = True

    def call(self, inputs, training=None):
        images, labels = inputs if self.num_classes else (inputs, None)
        x = self.from_rgb(tf.cast(images, tf.float32))
        for block in self.blocks:
            if self.architecture == "resnet":
                conv0, conv1, skip = block
                x = skip(x) + conv1(conv0(x))
            else:
                conv0, conv1 = block
                x = conv1(conv0(x))
        x = minibatch_stddev(x, self.mbstd_group)
        x = self.epilogue_conv(x)
        x = self.epilogue_dense(tf.reshape(x, [tf.shape(x)[0], -1]))
        x = self.out(x)
        if self.label_mapping is not None:  # projection on the mapped label (the cmap)
            cmap = self.label_mapping(None, labels)
            x = tf.reduce_sum(x * cmap, axis=1, keepdims=True) / math.sqrt(self.cmap_dim)
        return x

    def get_config(self) -> dict:
        return {
            "resolution": self.resolution,
            "channels": self.image_channels,
            "architecture": self.architecture,
            "channel_base": self.channel_base,
            "channel_max": self.channel_max,
            "mbstd_group": self.mbstd_group,
            "num_classes": self.num_classes,
            "mapping_layers": self.mapping_layers,
            "name": self.name,
        }
