"""BigGAN's generator and discriminator (Brock et al. 2019, "Large Scale GAN Training for High
Fidelity Natural Image Synthesis", ICLR, sec. 3 and appendix B, Fig. 15 and Table 4), read in
the authors' code ajbrock/BigGAN-PyTorch (BigGAN.py `G_arch`, `D_arch`, `Generator`,
`Discriminator`; layers.py `GBlock`, `DBlock`, `ccbn`, `Attention`).

Generator: z is split into one chunk per block plus one (the hierarchical latent, sec. 4 and
appendix B); the first chunk goes through a linear layer to a 4x4 map, and each residual block
gets [shared class embedding, its chunk] as the condition of its two conditional batch norms,
whose gain is 1 + a linear map of the condition and whose bias is another (layers.py `ccbn`).
A block: CBN, ReLU, nearest-neighbour upsampling, 3x3 conv, CBN, ReLU, 3x3 conv; shortcut:
upsampling, 1x1 conv. Self-attention after the block at the chosen resolution; then batch
norm, ReLU, 3x3 conv to the image, tanh. Without the shared embedding and hierarchical latent
(the authors' CIFAR script) each CBN has a per-class gain and bias (an embedding of the class)
and z enters whole at the first layer.

Discriminator: residual blocks down ("wide": the hidden width is the output width), the first
without the ReLU before its first conv and with pooling before its shortcut conv;
self-attention after the block at the chosen resolution; ReLU, global sum pooling, a linear
layer to one score plus the projection <embed(y), h> (Miyato & Koyama 2018).

Every convolution and linear layer of both networks, and D's class embedding, is spectrally
normalised (sec. 3: "we employ Spectral Normalization in G" as in D); G's shared embedding and
its per-class CBN embeddings are not (BigGAN.py: "we use a non-spectral-normed embedding here
regardless"). Channel widths are multiples of `channels` (ch), as `G_arch` / `D_arch` list them.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from gan_tf.errors import UsageError
from gan_tf.networks.attention import SelfAttention
from gan_tf.networks.conditional_batch_norm import ConditionalBatchNorm
from gan_tf.networks.sngan import GlobalSumPooling2D
from gan_tf.networks.spectral_norm import SpectralNormalization

# Channel multipliers per block (BigGAN.py G_arch / D_arch).
G_WIDTHS = {
    32: [4, 4, 4, 4],
    64: [16, 16, 8, 4, 2],
    128: [16, 16, 8, 4, 2, 1],
    256: [16, 16, 8, 8, 4, 2, 1],
}  # entry 0: the first linear layer's 4x4 map; entry i: block i's output
D_WIDTHS = {
    32: [4, 4, 4, 4],
    64: [1, 2, 4, 8, 16],
    128: [1, 2, 4, 8, 16, 16],
    256: [1, 2, 4, 8, 8, 16, 16],
}  # block i's output width; every block but the last halves the resolution (32: the first two)
SUPPORTED_SIZES = (32, 64, 128, 256)
SHARED_EMBEDDING = "shared_embedding"  # the layer's name
BOTTOM_WIDTH = 4
# PyTorch's batch norm (momentum 0.1 of the new statistics: Keras's 0.9), epsilon the
# scripts' --BN_eps 1e-5.
BN_MOMENTUM = 0.9
BN_EPSILON = 1e-5
INITS = ("orthogonal", "normal", "glorot")


def kernel_initializer(init: str) -> keras.initializers.Initializer:
    """BigGAN.py `init_weights`: ortho (orthogonal, gain 1), N02 (N(0, 0.02)), glorot."""
    if init == "orthogonal":
        return keras.initializers.Orthogonal()
    if init == "normal":
        return keras.initializers.RandomNormal(stddev=0.02)
    if init == "glorot":
        return keras.initializers.GlorotUniform()
    raise UsageError(f"unknown BigGAN init {init!r}: choose one of {', '.join(INITS)}")


def check_image_size(image_size: int, widths: dict) -> None:
    if image_size not in widths:
        sizes = ", ".join(map(str, widths))
        raise UsageError(f"BigGAN's networks take image sizes {sizes}; got {image_size}")


def check_attention(image_size: int, resolutions, channels: int | None = None) -> None:
    """UsageError unless every attention resolution is that of a G block's output and, given
    `channels` (ch), G's and D's widths there are multiples of 8 (attention's C / 8)."""
    allowed = g_resolutions(image_size)
    wrong = [r for r in resolutions if r not in allowed]
    if wrong:
        raise UsageError(
            f"--attention={','.join(map(str, wrong))}: at {image_size}x{image_size} the blocks "
            f"work at {', '.join(map(str, allowed))}"
        )
    if channels is None:
        return
    g_widths = dict(zip(allowed, G_WIDTHS[image_size][1:], strict=True))
    d_widths = dict(zip(d_resolutions(image_size), D_WIDTHS[image_size], strict=False))
    for resolution in resolutions:
        widths = [g_widths[resolution] * channels]
        if resolution in d_widths:
            widths.append(d_widths[resolution] * channels)
        if any(width % 8 for width in widths):
            raise UsageError(
                f"self-attention at {resolution}x{resolution} needs widths divisible by 8 "
                f"there; --base_filters={channels} gives {', '.join(map(str, widths))}"
            )


def g_resolutions(image_size: int) -> list[int]:
    """The output resolution of each G block: 8, 16, ... up to image_size."""
    return [BOTTOM_WIDTH * 2 ** (i + 1) for i in range(len(G_WIDTHS[image_size]) - 1)]


def d_resolutions(image_size: int) -> list[int]:
    """The output resolution of each D block (D_arch's 'resolution', used for attention)."""
    if image_size == 32:
        return [16, 16, 16, 16]  # D_arch[32] lists 16 for all four blocks
    blocks = len(D_WIDTHS[image_size])
    return [image_size // 2 ** (i + 1) for i in range(blocks - 1)] + [BOTTOM_WIDTH]


def latent_chunks(image_size: int, latent_dim: int, hierarchical: bool) -> tuple[int, int]:
    """(number of z chunks, chunk size): one per G block plus one with the hierarchical latent,
    `latent_dim` rounded down to a multiple (BigGAN.py: self.dim_z = z_chunk_size * num_slots);
    (1, latent_dim) without."""
    if not hierarchical:
        return 1, latent_dim
    slots = len(G_WIDTHS[image_size])
    if latent_dim < slots:
        raise UsageError(f"a hierarchical z needs --latent_dim >= {slots} (one per chunk)")
    return slots, latent_dim // slots


def _sn(layer: layers.Layer, power_iterations: int) -> layers.Layer:
    return SpectralNormalization(layer, power_iterations, name=f"{layer.name}_sn")


@keras.saving.register_keras_serializable(package="gan_tf")
class ProjectedBatchNorm(layers.Layer):
    """[x, condition (batch, n)] -> (1 + W_g c) * BN(x) + W_b c: BigGAN's conditional batch
    norm, gain and bias linear maps (no bias, spectrally normalised) of the condition
    (layers.py `ccbn` with `G_shared`). With `num_classes`, the condition is an int label and
    the maps are embeddings (`ccbn` without `G_shared`: gain 1 + embed_g(y), bias embed_b(y))."""

    def __init__(
        self,
        num_classes: int | None = None,
        init: str = "orthogonal",
        power_iterations: int = 1,
        momentum: float = BN_MOMENTUM,
        epsilon: float = BN_EPSILON,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.init = init
        self.power_iterations = power_iterations
        self.momentum = momentum
        self.epsilon = epsilon
        self.normalize = ConditionalBatchNorm(momentum, epsilon, name="conditional")

    def build(self, input_shapes) -> None:
        x_shape, condition_shape = input_shapes
        channels = int(x_shape[-1])
        if self.num_classes:
            self.gain = layers.Embedding(
                self.num_classes, channels, embeddings_initializer=kernel_initializer(self.init),
                name="gain",
            )  # fmt: skip
            self.bias = layers.Embedding(
                self.num_classes, channels, embeddings_initializer=kernel_initializer(self.init),
                name="bias",
            )  # fmt: skip
        else:
            self.gain = _sn(
                layers.Dense(channels, use_bias=False, name="gain",
                             kernel_initializer=kernel_initializer(self.init)),
                self.power_iterations,
            )  # fmt: skip
            self.bias = _sn(
                layers.Dense(channels, use_bias=False, name="bias",
                             kernel_initializer=kernel_initializer(self.init)),
                self.power_iterations,
            )  # fmt: skip
        self.gain.build(condition_shape)
        self.bias.build(condition_shape)
        self.normalize.build([x_shape, (None, channels), (None, channels)])
        self.built = True

    def call(self, inputs, training: bool | None = None):
        x, condition = inputs
        if self.num_classes:
            condition = ops.cast(condition, "int32")
        gain = 1.0 + self.gain(condition, training=training)
        bias = self.bias(condition, training=training)
        return self.normalize([x, gain, bias], training=training)

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "init": self.init,
            "power_iterations": self.power_iterations,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
        }


@keras.saving.register_keras_serializable(package="gan_tf")
class SplitLatent(layers.Layer):
    """z -> [z_0, ..., z_{n-1}], n chunks of `size` (the hierarchical latent); dimensions
    beyond n * size are unused (BigGAN.py rounds dim_z down the same way)."""

    def __init__(self, chunks: int, size: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.chunks, self.size = int(chunks), int(size)

    def call(self, z):
        return [z[:, i * self.size : (i + 1) * self.size] for i in range(self.chunks)]

    def compute_output_shape(self, input_shape):
        return [(input_shape[0], self.size)] * self.chunks

    def get_config(self) -> dict:
        return {**super().get_config(), "chunks": self.chunks, "size": self.size}


def _conv(filters, kernel, init, power_iterations, name):
    conv = layers.Conv2D(
        filters, kernel, padding="same", kernel_initializer=kernel_initializer(init), name=name
    )
    return _sn(conv, power_iterations)


def biggan_generator(
    latent_dim: int,
    num_classes: int,
    image_size: int = 128,
    image_channels: int = 3,
    channels: int = 96,
    shared_dim: int | None = 128,
    hierarchical: bool = True,
    attention: tuple[int, ...] = (64,),
    init: str = "orthogonal",
    power_iterations: int = 1,
    name: str = "biggan_generator",
) -> keras.Model:
    """[z (latent_dim,), labels (batch,) int] -> images (image_size, image_size,
    image_channels) in [-1, 1].

    Args:
      channels: ch, the width multiplier (G_ch: 96 for the paper's 128x128 BigGAN).
      shared_dim: size of the shared class embedding; None: no shared embedding, each CBN has
        its own per-class gain and bias (the CIFAR script).
      hierarchical: split z across the blocks (needs the shared embedding).
      attention: the resolutions after whose block self-attention comes (G_attn).
    """
    check_image_size(image_size, G_WIDTHS)
    if hierarchical and shared_dim is None:
        raise UsageError("the hierarchical latent needs the shared embedding (--shared_dim)")
    widths = [channels * m for m in G_WIDTHS[image_size]]
    resolutions = g_resolutions(image_size)
    slots, chunk = latent_chunks(image_size, latent_dim, hierarchical)
    z = keras.Input((latent_dim,), name="z")
    labels = keras.Input((), dtype="int32", name="label")
    if shared_dim is not None:
        shared = layers.Embedding(
            num_classes, shared_dim, embeddings_initializer=kernel_initializer(init),
            name=SHARED_EMBEDDING,
        )(labels)  # fmt: skip
    if hierarchical:
        chunks = SplitLatent(slots, chunk, name="z_chunks")(z)
        first = chunks[0]
        conditions = [layers.Concatenate()([shared, c]) for c in chunks[1:]]
    else:
        first = z
        conditions = [labels if shared_dim is None else shared] * len(resolutions)

    dense = layers.Dense(
        widths[0] * BOTTOM_WIDTH**2, kernel_initializer=kernel_initializer(init), name="linear"
    )
    h = _sn(dense, power_iterations)(first)
    h = layers.Reshape((BOTTOM_WIDTH, BOTTOM_WIDTH, widths[0]))(h)
    per_class = num_classes if shared_dim is None else None
    for i, resolution in enumerate(resolutions):
        block = f"block{i}"
        condition = conditions[i]

        def norm(x, suffix, block=block, condition=condition):
            return ProjectedBatchNorm(per_class, init, power_iterations, name=f"{block}_{suffix}")(
                [x, condition]
            )

        r = layers.ReLU()(norm(h, "bn1"))
        r = layers.UpSampling2D(2, interpolation="nearest")(r)
        r = _conv(widths[i + 1], 3, init, power_iterations, f"{block}_conv1")(r)
        r = layers.ReLU()(norm(r, "bn2"))
        r = _conv(widths[i + 1], 3, init, power_iterations, f"{block}_conv2")(r)
        shortcut = layers.UpSampling2D(2, interpolation="nearest")(h)
        shortcut = _conv(widths[i + 1], 1, init, power_iterations, f"{block}_shortcut")(shortcut)
        h = layers.Add()([r, shortcut])
        if resolution in attention:
            h = SelfAttention(
                kernel_initializer(init), power_iterations, name=f"{block}_attention"
            )(h)
    h = layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name="output_bn")(h)
    h = layers.ReLU()(h)
    h = _conv(image_channels, 3, init, power_iterations, "output_conv")(h)
    images = layers.Activation("tanh", name="image")(h)
    return keras.Model([z, labels], images, name=name)


def biggan_discriminator(
    num_classes: int,
    image_size: int = 128,
    image_channels: int = 3,
    channels: int = 96,
    attention: tuple[int, ...] = (64,),
    init: str = "orthogonal",
    power_iterations: int = 1,
    name: str = "biggan_discriminator",
) -> keras.Model:
    """[images, labels (batch,) int] -> one score per image, shape (batch, 1): the projection
    discriminator. `channels`: D_ch; `attention`: the resolutions after whose block
    self-attention comes (D_attn)."""
    check_image_size(image_size, D_WIDTHS)
    widths = [channels * m for m in D_WIDTHS[image_size]]
    resolutions = d_resolutions(image_size)
    downsample = [True, True, False, False] if image_size == 32 else [True] * (len(widths) - 1)
    downsample = downsample + [False] * (len(widths) - len(downsample))
    images = keras.Input((image_size, image_size, image_channels), name="image")
    labels = keras.Input((), dtype="int32", name="label")
    h = images
    for i, width in enumerate(widths):
        block = f"block{i}"
        in_width = h.shape[-1]
        # Blocks after the first start with a ReLU ("preactivation"); the first does not.
        r = h if i == 0 else layers.ReLU()(h)
        r = _conv(width, 3, init, power_iterations, f"{block}_conv1")(r)
        r = layers.ReLU()(r)
        r = _conv(width, 3, init, power_iterations, f"{block}_conv2")(r)
        if downsample[i]:
            r = layers.AveragePooling2D(2)(r)
        shortcut = h
        if in_width != width or downsample[i]:
            conv = _conv(width, 1, init, power_iterations, f"{block}_shortcut")
            if i == 0:  # pool, then conv
                shortcut = conv(layers.AveragePooling2D(2)(h) if downsample[i] else h)
            else:  # conv, then pool
                shortcut = conv(h)
                if downsample[i]:
                    shortcut = layers.AveragePooling2D(2)(shortcut)
        h = layers.Add()([r, shortcut])
        if resolutions[i] in attention:
            h = SelfAttention(
                kernel_initializer(init), power_iterations, name=f"{block}_attention"
            )(h)
    h = layers.ReLU()(h)
    features = GlobalSumPooling2D(name="sum_pool")(h)
    linear = layers.Dense(1, kernel_initializer=kernel_initializer(init), name="linear")
    score = _sn(linear, power_iterations)(features)
    embedding = layers.Embedding(
        num_classes, widths[-1], embeddings_initializer=kernel_initializer(init), name="embedding"
    )
    class_vectors = _sn(embedding, power_iterations)(labels)
    projection = layers.Dot(axes=1, name="projection")([class_vectors, features])
    score = layers.Add(name="score")([score, projection])
    return keras.Model([images, labels], score, name=name)
