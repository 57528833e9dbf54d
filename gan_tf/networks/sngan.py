"""SNGAN's ResNet generator and discriminator for 32x32 images (Miyato et al. 2018, appendix B.4,
Table 4; the conditional versions of Miyato & Koyama 2018, "cGANs with Projection
Discriminator", ICLR, sec. 3 and Fig. 14), read in the authors' code
pfnet-research/sngan_projection: gen_models/resnet_32.py, gen_models/resblocks.py,
dis_models/snresnet_32.py, dis_models/resblocks.py.

Generator: z (128) -> dense to 4x4x256 -> 3 residual blocks up (256 channels) -> batch norm,
ReLU, 3x3 convolution to the image, tanh. A block: BN, ReLU, nearest-neighbour upsampling, 3x3
conv, BN, ReLU, 3x3 conv; shortcut: upsampling, 1x1 conv. Conditional (`num_classes`): every
batch norm of the blocks is a per-class conditional batch norm (`ClassBatchNorm`).

Discriminator: an "optimized" first block down (3x3 conv, ReLU, 3x3 conv, 2x2 average pool;
shortcut: pool, then 1x1 conv), a block down, two blocks at 8x8 (128 channels; a block: ReLU,
3x3 conv, ReLU, 3x3 conv [, pool]; shortcut 1x1 conv [, pool] where shape changes, else the
identity), ReLU, global sum pooling, a linear layer to one score (no bias). Conditional: plus
the projection <embed(y), h> (Miyato & Koyama 2018, eq. 3). Every weight of D is spectrally
normalised (`SpectralNormalization`), the class embedding included.

Initialisation as the authors' code: Glorot uniform with gain sqrt(2) in the residual branches,
gain 1 for the shortcuts, the first dense layer, G's last conv, D's last linear layer and the
embedding; zero biases. Batch norm as Chainer's defaults: momentum 0.9, epsilon 2e-5.
"""

from __future__ import annotations

import keras
from keras import layers

from gan_tf.errors import UsageError
from gan_tf.networks.conditional_batch_norm import ClassBatchNorm
from gan_tf.networks.spectral_norm import SpectralNormalization

IMAGE_SIZE = 32
BOTTOM_WIDTH = 4  # gen_models/resnet_32.py: bottom_width 4
G_CHANNELS = 256  # configs/sn_cifar10_*.yml: generator ch 256
D_CHANNELS = 128  # configs/sn_cifar10_*.yml: discriminator ch 128
# Chainer's BatchNormalization defaults (decay 0.9, eps 2e-5), which the authors' code keeps.
BN_MOMENTUM = 0.9
BN_EPSILON = 2e-5


def glorot(gain: float = 1.0) -> keras.initializers.Initializer:
    """Chainer's GlorotUniform(gain): U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))."""
    return keras.initializers.VarianceScaling(gain**2, mode="fan_avg", distribution="uniform")


RESIDUAL_INIT_GAIN = 2**0.5  # resblocks.py: GlorotUniform(math.sqrt(2))


@keras.saving.register_keras_serializable(package="gan_tf")
class GlobalSumPooling2D(layers.Layer):
    """(batch, H, W, C) -> (batch, C), the sum over H and W: D's pooling in the authors' code
    (`F.sum(h, axis=(2, 3))`); Keras has only the average."""

    def call(self, inputs):
        return keras.ops.sum(inputs, axis=(1, 2))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])


def check_image_size(image_size: int) -> None:
    if image_size != IMAGE_SIZE:
        raise UsageError(
            f"the SNGAN ResNets are the paper's for 32x32 images; got --image_size={image_size}: "
            "use --image_size=32 (MNIST and Fashion-MNIST are resized to it)"
        )


def _conv(
    filters: int, kernel: int, gain: float, name: str, power_iterations: int | None = None
) -> layers.Layer:
    """A 'same' convolution; spectrally normalised when `power_iterations` is given."""
    conv = layers.Conv2D(
        filters, kernel, padding="same", kernel_initializer=glorot(gain), name=name
    )
    if power_iterations is None:
        return conv
    return SpectralNormalization(conv, power_iterations, name=f"{name}_sn")


def _generator_block(h, labels, channels: int, num_classes: int | None, name: str):
    def norm(x, suffix):
        if num_classes is None:
            return layers.BatchNormalization(
                momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=f"{name}_{suffix}"
            )(x)
        return ClassBatchNorm(num_classes, BN_MOMENTUM, BN_EPSILON, name=f"{name}_{suffix}")(
            [x, labels]
        )

    r = layers.ReLU()(norm(h, "bn1"))
    r = layers.UpSampling2D(2, interpolation="nearest")(r)
    r = _conv(channels, 3, RESIDUAL_INIT_GAIN, f"{name}_conv1")(r)
    r = layers.ReLU()(norm(r, "bn2"))
    r = _conv(channels, 3, RESIDUAL_INIT_GAIN, f"{name}_conv2")(r)
    shortcut = layers.UpSampling2D(2, interpolation="nearest")(h)
    shortcut = _conv(channels, 1, 1.0, f"{name}_shortcut")(shortcut)
    return layers.Add()([r, shortcut])


def sngan_generator(
    latent_dim: int = 128,
    channels: int = 3,
    num_classes: int | None = None,
    base_channels: int = G_CHANNELS,
    image_size: int = IMAGE_SIZE,
    name: str = "sngan_generator",
) -> keras.Model:
    """z (latent_dim,) [and int labels (batch,)] -> images (32, 32, channels) in [-1, 1]."""
    check_image_size(image_size)
    z = keras.Input((latent_dim,), name="z")
    labels = keras.Input((), dtype="int32", name="label") if num_classes else None
    h = layers.Dense(BOTTOM_WIDTH * BOTTOM_WIDTH * base_channels, kernel_initializer=glorot())(z)
    h = layers.Reshape((BOTTOM_WIDTH, BOTTOM_WIDTH, base_channels))(h)
    for i in range(3):  # 4 -> 8 -> 16 -> 32
        h = _generator_block(h, labels, base_channels, num_classes, name=f"block{i + 2}")
    h = layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name="bn5")(h)
    h = layers.ReLU()(h)
    h = _conv(channels, 3, 1.0, "conv5")(h)
    images = layers.Activation("tanh", name="image")(h)
    return keras.Model([z, labels] if num_classes else z, images, name=name)


def _discriminator_block(
    h, channels: int, downsample: bool, first: bool, name: str, power_iterations: int
):
    """A residual block of D; `first`: the "optimized" block on the image (no ReLU before its
    first conv, and its shortcut pools before the 1x1 conv)."""
    r = h if first else layers.ReLU()(h)
    r = _conv(channels, 3, RESIDUAL_INIT_GAIN, f"{name}_conv1", power_iterations)(r)
    r = layers.ReLU()(r)
    r = _conv(channels, 3, RESIDUAL_INIT_GAIN, f"{name}_conv2", power_iterations)(r)
    if downsample:
        r = layers.AveragePooling2D(2)(r)
    if first:
        shortcut = layers.AveragePooling2D(2)(h)
        shortcut = _conv(channels, 1, 1.0, f"{name}_shortcut", power_iterations)(shortcut)
    elif downsample or h.shape[-1] != channels:
        shortcut = _conv(channels, 1, 1.0, f"{name}_shortcut", power_iterations)(h)
        if downsample:
            shortcut = layers.AveragePooling2D(2)(shortcut)
    else:
        shortcut = h
    return layers.Add()([r, shortcut])


def sngan_discriminator(
    channels: int = 3,
    num_classes: int | None = None,
    base_channels: int = D_CHANNELS,
    image_size: int = IMAGE_SIZE,
    power_iterations: int = 1,
    name: str = "sngan_discriminator",
) -> keras.Model:
    """images (32, 32, channels) [and int labels] -> one score per image, shape (batch, 1);
    with `num_classes`, the projection discriminator. `power_iterations`: per training call of
    each spectrally normalised layer."""
    check_image_size(image_size)
    images = keras.Input((image_size, image_size, channels), name="image")
    h = images
    # (downsample, first): the optimized block down, a block down, two blocks at 8x8.
    for i, (downsample, first) in enumerate(
        [(True, True), (True, False), (False, False), (False, False)]
    ):
        h = _discriminator_block(
            h, base_channels, downsample, first, f"block{i + 1}", power_iterations
        )
    h = layers.ReLU()(h)
    features = GlobalSumPooling2D(name="sum_pool")(h)
    linear = layers.Dense(1, use_bias=False, kernel_initializer=glorot(), name="linear")
    score = SpectralNormalization(linear, power_iterations, name="linear_sn")(features)
    if not num_classes:
        return keras.Model(images, score, name=name)
    labels = keras.Input((), dtype="int32", name="label")
    embedding = layers.Embedding(
        num_classes, base_channels, embeddings_initializer=glorot(), name="embedding"
    )
    class_vectors = SpectralNormalization(embedding, power_iterations, name="embedding_sn")(labels)
    projection = layers.Dot(axes=1, name="projection")([class_vectors, features])
    score = layers.Add(name="score")([score, projection])
    return keras.Model([images, labels], score, name=name)
