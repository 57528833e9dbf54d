"""BigGAN's networks against the authors' code (ajbrock/BigGAN-PyTorch BigGAN.py): parameter
counts, the hierarchical latent, conditional batch norm, spectral norm, attention placement."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.errors import UsageError
from gan_tf.networks import biggan
from gan_tf.networks.attention import SelfAttention
from gan_tf.networks.spectral_norm import SpectralNormalization

# Parameters of BigGAN-PyTorch's Generator and Discriminator, counted by instantiating its
# BigGAN.py (torch 2.13 CPU) with the paper's 128x128 settings (G_ch = D_ch = 96, dim_z 120,
# shared_dim 128, hier, attention 64, 1000 classes) and the CIFAR script's (ch 64, dim_z 128,
# no shared embedding, no hierarchy, no attention, 10 classes):
# sum(p.numel() for p in G.parameters()), likewise for D.
OFFICIAL_COUNTS = {128: (70_433_988, 87_982_370), 32: (4_304_387, 4_207_361)}


def trainable(model: keras.Model) -> int:
    return sum(int(np.prod(v.shape)) for v in model.trainable_variables)


@pytest.mark.slow
def test_parameter_counts_equal_the_official_implementations_at_128():
    # N(0, 0.02) weights: the counts do not depend on the init, and the orthogonal
    # initialiser's QR of every large kernel would take most of this test's time.
    generator = biggan.biggan_generator(120, 1000, 128, 3, 96, 128, True, (64,), init="normal")
    discriminator = biggan.biggan_discriminator(1000, 128, 3, 96, (64,), init="normal")
    assert (trainable(generator), trainable(discriminator)) == OFFICIAL_COUNTS[128]


def cifar_networks(channels=64, classes=10):
    generator = biggan.biggan_generator(
        128, classes, 32, 3, channels, shared_dim=None, hierarchical=False, attention=(),
        init="normal",
    )  # fmt: skip
    discriminator = biggan.biggan_discriminator(
        classes, 32, 3, channels, attention=(), init="normal"
    )
    return generator, discriminator


def test_parameter_counts_equal_the_official_implementations_for_cifar():
    generator, discriminator = cifar_networks()
    assert (trainable(generator), trainable(discriminator)) == OFFICIAL_COUNTS[32]


def test_the_hierarchical_latent_splits_z_into_one_chunk_per_block_plus_one():
    assert biggan.latent_chunks(128, 120, True) == (6, 20)  # 5 blocks + 1, appendix B
    assert biggan.latent_chunks(32, 128, True) == (4, 32)
    assert biggan.latent_chunks(32, 128, False) == (1, 128)
    generator = biggan.biggan_generator(20, 3, 32, 1, 2, shared_dim=8, attention=())
    first = generator.get_layer("linear_sn")
    assert first.layer.kernel.shape == (5, 2 * 4 * 16)  # chunk 0 of 4 chunks of 5
    norm = generator.get_layer("block1_bn1")
    assert norm.gain.layer.kernel.shape == (8 + 5, 2 * 4)  # [shared embedding, chunk]
    # Changing chunk 2 (block 1's) changes the image; the dims beyond the chunks do not exist.
    z = tf.random.stateless_normal((2, 20), seed=[1, 1])
    labels = tf.constant([0, 2])
    moved = tf.concat([z[:, :10], z[:, 10:15] + 1.0, z[:, 15:]], axis=1)
    assert not np.allclose(generator([z, labels]), generator([moved, labels]))


def test_conditional_batch_norm_gain_is_one_plus_a_linear_map_of_the_condition():
    layer = biggan.ProjectedBatchNorm(init="normal")
    x = tf.random.stateless_normal((3, 2, 2, 4), seed=[2, 2]) * 2 + 1
    condition = tf.random.stateless_normal((3, 6), seed=[3, 3])
    for _ in range(50):  # the power iterations converge, so sigma no longer moves
        out = layer([x, condition], training=True).numpy()
    gain_w = layer.gain.normalized_weight().numpy()
    bias_w = layer.bias.normalized_weight().numpy()
    mean, var = x.numpy().mean((0, 1, 2)), x.numpy().var((0, 1, 2))
    normalized = (x.numpy() - mean) / np.sqrt(var + biggan.BN_EPSILON)
    gain = 1 + condition.numpy() @ gain_w
    bias = condition.numpy() @ bias_w
    expected = gain[:, None, None] * normalized + bias[:, None, None]
    np.testing.assert_allclose(out, expected, rtol=1e-3, atol=1e-4)


def test_every_weight_is_spectrally_normalised_but_gs_embeddings():
    generator = biggan.biggan_generator(20, 3, 32, 1, 2, shared_dim=8, attention=(16,))
    discriminator = biggan.biggan_discriminator(3, 32, 1, 2, attention=(16,))
    for network in (generator, discriminator):
        for layer in network._flatten_layers(include_self=False):
            if isinstance(layer, keras.layers.Conv2D | keras.layers.Dense):
                parent = [
                    p for p in network._flatten_layers(include_self=False)
                    if isinstance(p, SpectralNormalization) and p.layer is layer
                ]  # fmt: skip
                assert parent, f"{network.name}: {layer.name} is not spectrally normalised"
    assert isinstance(generator.get_layer("shared_embedding"), keras.layers.Embedding)
    assert isinstance(discriminator.get_layer("embedding_sn"), SpectralNormalization)


def test_attention_sits_after_the_block_at_its_resolution():
    generator = biggan.biggan_generator(20, 3, 64, 1, 2, shared_dim=8, attention=(32,))
    attention = [layer for layer in generator.layers if isinstance(layer, SelfAttention)]
    assert [layer.name for layer in attention] == ["block2_attention"]  # 8, 16, 32: block 2
    assert attention[0].output.shape[1:3] == (32, 32)


def test_refuses_sizes_and_attention_resolutions_it_has_no_blocks_for():
    with pytest.raises(UsageError, match="image sizes"):
        biggan.biggan_generator(20, 3, 48, 1, 2)
    with pytest.raises(UsageError, match="blocks work at 8, 16, 32"):
        biggan.check_attention(32, [64])
