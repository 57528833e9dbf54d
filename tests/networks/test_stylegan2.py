"""StyleGAN2's networks: the modulated convolution against a hand-written reference, the
equalized learning rate and the mapping's multiplier, the resampling filter, the tracked w
average and truncation, and the parameter counts against the authors' networks."""

import math

import numpy as np
import pytest
import tensorflow as tf

from gan_tf.errors import UsageError
from gan_tf.networks import resampling
from gan_tf.networks import stylegan2 as sg2


def count(network) -> int:
    return int(sum(np.prod(v.shape) for v in network.trainable_weights))


def reference_modulated_conv(x, weight, styles, demodulate):
    """Eq. 1-3 of Karras et al. 2020 written out per sample: w'_ijk = s_i w_ijk, w'' = w' /
    sqrt(sum_ik w'^2 + 1e-8), then a zero-padded 'same' correlation with w''."""
    n, h, w_, _ = x.shape
    k = weight.shape[0]
    out = np.zeros((n, h, w_, weight.shape[3]))
    padded = np.pad(x, [(0, 0), (k // 2, k // 2), (k // 2, k // 2), (0, 0)])
    for b in range(n):
        wb = weight * styles[b][None, None, :, None]
        if demodulate:
            wb = wb / np.sqrt((wb**2).sum(axis=(0, 1, 2), keepdims=True) + 1e-8)
        for i in range(h):
            for j in range(w_):
                patch = padded[b, i : i + k, j : j + k, :]
                out[b, i, j] = np.einsum("xyc,xyco->o", patch, wb)
    return out


@pytest.mark.parametrize("demodulate", [True, False])
def test_modulated_convolution_is_equations_1_to_3(demodulate):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 5, 3)).astype(np.float32)
    weight = rng.normal(size=(3, 3, 3, 4)).astype(np.float32)
    styles = rng.normal(size=(2, 3)).astype(np.float32)
    got = sg2.modulated_conv2d(x, weight, styles, demodulate=demodulate).numpy()
    np.testing.assert_allclose(
        got, reference_modulated_conv(x, weight, styles, demodulate), rtol=1e-4, atol=1e-5
    )


def test_demodulation_restores_unit_standard_deviation():
    # Sec. 2.2: for unit-variance inputs, demodulated outputs have unit standard deviation
    # whatever the styles (inputs i.i.d. N(0, 1): the output variance is sum_ik w''^2 = 1).
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 32, 32, 64)).astype(np.float32)
    weight = rng.normal(size=(3, 3, 64, 8)).astype(np.float32)
    styles = rng.uniform(0.1, 5.0, size=(4, 64)).astype(np.float32)
    out = sg2.modulated_conv2d(x, weight, styles).numpy()[:, 2:-2, 2:-2]  # away from padding
    per_channel = out.std(axis=(1, 2))
    np.testing.assert_allclose(per_channel, 1.0, atol=0.08)
    undemodulated = sg2.modulated_conv2d(x, weight, styles, demodulate=False).numpy()
    assert undemodulated.std() > 10  # the styles' scale, which demodulation removes


def test_equalized_dense_scales_by_the_learning_rate_multiplier():
    layer = sg2.EqualizedDense(64, lr_multiplier=0.01, bias_init=1.0)
    x = tf.random.stateless_normal([8, 256], seed=[1, 2])
    out = layer(x)
    # Stored N(0, 1 / 0.01) and used times 0.01 / sqrt(fan_in): effective std 1 / sqrt(256).
    assert layer.weight_gain == pytest.approx(0.01 / math.sqrt(256))
    assert float(tf.math.reduce_std(layer.kernel)) == pytest.approx(100.0, rel=0.05)
    np.testing.assert_allclose(layer.bias.numpy(), 100.0)  # 1 / 0.01, used times 0.01
    expected = x.numpy() @ (layer.kernel.numpy() * layer.weight_gain) + 1.0
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4, atol=1e-4)
    # The gradient w.r.t. the stored kernel is the effective one's times the gain, so Adam's
    # steps of size lr move the effective weights by lr * 0.01 / sqrt(fan_in).
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x))
    grad = tape.gradient(loss, layer.kernel).numpy()
    np.testing.assert_allclose(
        grad, np.tile(x.numpy().sum(0)[:, None], (1, 64)) * layer.weight_gain, rtol=1e-4
    )


def test_convolution_weights_are_standard_normal_scaled_by_he():
    conv = sg2.Conv(16, 3, activation=None)
    conv(tf.zeros([1, 8, 8, 32]))
    assert conv.weight_gain == pytest.approx(1 / math.sqrt(3 * 3 * 32))
    assert float(tf.math.reduce_std(conv.kernel)) == pytest.approx(1.0, rel=0.05)


def test_the_resampling_filter_keeps_constant_images_constant():
    kernel = resampling.resample_filter()
    np.testing.assert_allclose(kernel, np.outer([1, 3, 3, 1], [1, 3, 3, 1]) / 64)
    ones = tf.ones([1, 8, 8, 2])
    up = resampling.upsample_2x(ones, kernel).numpy()
    down = resampling.downsample_2x(ones, kernel).numpy()
    assert up.shape == (1, 16, 16, 2) and down.shape == (1, 4, 4, 2)
    np.testing.assert_allclose(up[:, 2:-2, 2:-2], 1.0, rtol=1e-6)  # gain 4 after zero insertion
    np.testing.assert_allclose(down[:, 1:-1, 1:-1], 1.0, rtol=1e-6)


def test_upsampling_convolution_pads_once_as_the_authors():
    # conv2d_resample(up=2) = zero insertion, padding (3, 2), the filter (gain 4), a valid 3x3
    # convolution: at the border the convolution sees filtered values, not zeros, unlike an
    # upsample followed by a 'same' convolution.
    rng = np.random.default_rng(2)
    x = tf.constant(rng.normal(size=(1, 4, 4, 2)), tf.float32)
    weight = tf.constant(rng.normal(size=(3, 3, 2, 3)), tf.float32)
    kernel = resampling.resample_filter()
    got = sg2.conv2d_resample(x, weight, kernel, up=2)
    two_step = tf.nn.conv2d(resampling.upsample_2x(x, kernel), weight, 1, "SAME")
    assert got.shape == (1, 8, 8, 3)
    np.testing.assert_allclose(got[:, 1:-1, 1:-1], two_step[:, 1:-1, 1:-1], rtol=1e-4, atol=1e-5)
    assert not np.allclose(got[:, 0], two_step[:, 0])


def tiny_generator(**kwargs):
    values = dict(w_dim=8, mapping_layers=2, channel_base=64, channel_max=8)
    values.update(kwargs)
    return sg2.StyleGAN2Generator(4, 16, 1, **values)


def test_mapping_tracks_the_average_of_w_in_training_only():
    g = tiny_generator()
    z = tf.random.stateless_normal([16, 4], seed=[3, 4])
    g.mapping(z)
    assert not g.mapping_network.w_avg.numpy().any()
    w = g.mapping(z, track=True, broadcast=False).numpy()
    np.testing.assert_allclose(g.mapping_network.w_avg.numpy(), 0.005 * w.mean(0), rtol=1e-5)


def test_truncation_moves_w_toward_the_average_by_psi_on_the_first_layers():
    g = tiny_generator()
    g.mapping_network.w_avg.assign(tf.range(8, dtype=tf.float32))
    ws = g.mapping(tf.random.stateless_normal([3, 4], seed=[5, 6]))
    w_avg = g.mapping_network.w_avg.numpy()
    truncated = g.truncate(ws, 0.7).numpy()
    np.testing.assert_allclose(truncated - w_avg, 0.7 * (ws.numpy() - w_avg), rtol=1e-5, atol=1e-6)
    cut = g.truncate(ws, 0.5, cutoff=2).numpy()
    np.testing.assert_allclose(cut[:, :2] - w_avg, 0.5 * (ws.numpy()[:, :2] - w_avg), atol=1e-5)
    np.testing.assert_array_equal(cut[:, 2:], ws.numpy()[:, 2:])


def test_the_generator_is_a_function_of_z_noise_included():
    g = tiny_generator()
    for layer in g.layers:  # noise strengths start at 0; make the noise visible
        if isinstance(layer, sg2.SynthesisLayer):
            layer.noise_strength.assign(1.0)
    z = tf.random.stateless_normal([2, 4], seed=[7, 8])
    first, again = g(z).numpy(), g(z).numpy()
    np.testing.assert_array_equal(first, again)
    g.noise_mode = "none"
    assert not np.allclose(g(z).numpy(), first)
    assert g.num_ws == sg2.num_ws(16) == 6 and first.shape == (2, 16, 16, 1)


def test_refuses_sizes_that_are_not_powers_of_two():
    with pytest.raises(UsageError, match="power of two"):
        sg2.StyleGAN2Generator(4, 24, 1)


def official_counts(resolution, mapping=8, w_dim=512, z_dim=512, channels=3, base=32768,
                    top=512, d_architecture="resnet", classes=0):  # fmt: skip
    """Trainable parameters of stylegan2-ada-pytorch's Generator and Discriminator, counted
    from the shapes its networks.py gives each layer (FullyConnectedLayer: in*out + out;
    SynthesisLayer: affine, weight, bias, noise_strength; ToRGBLayer: affine, weight, bias;
    the 4x4 const; Conv2dLayer: weight and bias, the resnet skip without bias; the epilogue's
    conv, fc and out; a conditional model's embed and D's label mapping of 8 layers)."""
    ch = lambda r: min(base // r, top)  # noqa: E731
    dense = lambda i, o: i * o + o  # noqa: E731
    g = sum(
        dense(a, b)
        for a, b in zip(
            [z_dim + (w_dim if classes else 0)] + [w_dim] * (mapping - 1),
            [w_dim] * mapping,
            strict=True,
        )
    )
    g += dense(classes, w_dim) if classes else 0
    layer = lambda i, o, k=3: dense(w_dim, i) + o * i * k * k + o + 1  # noqa: E731
    to_rgb = lambda i: dense(w_dim, i) + channels * i + channels  # noqa: E731
    res = 4
    while res <= resolution:
        o = ch(res)
        g += (o * 16 + layer(o, o)) if res == 4 else (layer(ch(res // 2), o) + layer(o, o))
        g += to_rgb(o)
        res *= 2
    d, res = channels * ch(resolution) + ch(resolution), resolution
    while res > 4:
        t, o = ch(res), ch(res // 2)
        d += t * t * 9 + t + t * o * 9 + o + (t * o if d_architecture == "resnet" else 0)
        res //= 2
    c4 = ch(4)
    cmap = c4 if classes else 1
    d += (c4 + 1) * c4 * 9 + c4 + dense(c4 * 16, c4) + dense(c4, cmap)
    if classes:
        d += dense(classes, cmap) + 8 * dense(cmap, cmap)
    return g, d


@pytest.mark.parametrize(
    ("resolution", "kwargs"),
    [
        (32, dict(mapping=2, d_architecture="orig")),  # the cifar config
        (32, dict(mapping=2, d_architecture="orig", classes=10)),  # cifar --cond
        (256, dict(base=16384)),  # paper256
    ],
    ids=["cifar", "cifar-conditional", "paper256"],
)
def test_parameter_counts_are_the_authors(resolution, kwargs):
    classes = kwargs.get("classes") or None
    g = sg2.StyleGAN2Generator(
        512, resolution, 3, mapping_layers=kwargs.get("mapping", 8),
        channel_base=kwargs.get("base", 32768), num_classes=classes,
    )  # fmt: skip
    d = sg2.StyleGAN2Discriminator(
        resolution, 3, architecture=kwargs.get("d_architecture", "resnet"),
        channel_base=kwargs.get("base", 32768), num_classes=classes,
    )  # fmt: skip
    assert (count(g), count(d)) == official_counts(resolution, **kwargs)


def test_parameter_counts_of_config_f_at_1024():
    g = sg2.StyleGAN2Generator(512, 1024, 3)
    d = sg2.StyleGAN2Discriminator(1024, 3)
    # Config F (the code's `stylegan2` cfg, channel_base 32768): 30.4M and 29.0M.
    assert (count(g), count(d)) == official_counts(1024) == (30_370_060, 29_012_513)


@pytest.mark.parametrize("up,down,padding,gain", [(2, 1, (2, 1), 4.0), (1, 2, (1, 1), 1.0)])
def test_filtering_by_shifts_is_the_depthwise_filter(up, down, padding, gain):
    x = tf.random.stateless_normal([2, 8, 8, 3], seed=[9, 9])
    kernel = resampling.resample_filter()
    by_convolution = resampling.upfirdn2d(x, kernel, up, down, padding, gain)
    with resampling.filter_by_shifts(True):
        by_shifts = resampling.upfirdn2d(x, kernel, up, down, padding, gain)
    np.testing.assert_allclose(by_shifts, by_convolution, rtol=1e-5, atol=1e-6)
