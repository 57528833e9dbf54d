"""Tests of the StarGAN generator and discriminator (Choi et al. 2018, Tables 4 and 5)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from gan_tf.errors import UsageError
from gan_tf.networks.layers import DomainModulation
from gan_tf.networks.stargan import INITS, stargan_discriminator, stargan_generator
from tests.networks.init_stats import (
    assert_each_kernel_uniform,
    assert_kernels_drawn_independently,
    biases,
    glorot_limit,
    norm_weights,
    pytorch_limit,
    weighted_layers,
)

NUM_DOMAINS = 5


def _images(size: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, (1, size, size, channels)).astype("float32")


def _domain(index: int) -> np.ndarray:
    return np.eye(NUM_DOMAINS, dtype="float32")[index : index + 1]


@pytest.fixture(scope="module")
def small_generator() -> keras.Model:
    return stargan_generator(32, 3, NUM_DOMAINS, base_filters=4, num_residual_blocks=2)


@pytest.mark.parametrize("image_size", [32, 128])
def test_generator_output_shape(image_size: int) -> None:
    model = stargan_generator(image_size, 1, NUM_DOMAINS, base_filters=4, num_residual_blocks=1)
    out = model([_images(image_size, channels=1), _domain(0)])
    assert tuple(out.shape) == (1, image_size, image_size, 1)
    assert float(tf.reduce_max(tf.abs(out))) <= 1.0  # tanh


def test_generator_paper_layout() -> None:
    model = stargan_generator(32, 3, NUM_DOMAINS)  # base 64, 6 residual blocks
    convs = [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D | keras.layers.Conv2DTranspose)
    ]
    assert [c.filters for c in convs] == [64, 128, 256] + [256] * 12 + [128, 64, 3]
    assert [c.kernel_size[0] for c in convs] == [7, 4, 4] + [3] * 12 + [4, 4, 7]
    assert [c.strides[0] for c in convs] == [1, 2, 2] + [1] * 12 + [2, 2, 1]
    assert convs[0].input.shape[-1] == 3 + NUM_DOMAINS  # image and tiled label


def test_domain_vector_is_tiled_over_every_pixel(small_generator: keras.Model) -> None:
    joined = keras.Model(small_generator.inputs, small_generator.get_layer("image_domain").output)
    domain = np.array([[0.0, 1.0, 0.0, 1.0, 0.0]], dtype="float32")
    out = joined([_images(32), domain]).numpy()
    np.testing.assert_array_equal(out[..., :3], _images(32))
    np.testing.assert_array_equal(out[..., 3:], np.broadcast_to(domain, (1, 32, 32, 5)))


def test_domain_conditioning_changes_the_output(small_generator: keras.Model) -> None:
    image = _images(32)
    to_first = small_generator([image, _domain(0)])
    to_second = small_generator([image, _domain(1)])
    again = small_generator([image, _domain(0)])
    assert float(tf.reduce_max(tf.abs(to_first - to_second))) > 1e-3
    np.testing.assert_array_equal(to_first.numpy(), again.numpy())


@pytest.mark.parametrize(
    ("image_size", "num_layers", "layers", "final"),
    [(128, None, 6, 2), (256, None, 6, 4), (64, None, 5, 2), (32, None, 4, 2), (32, 5, 5, 1)],
)
def test_discriminator_outputs(
    image_size: int, num_layers: int | None, layers: int, final: int
) -> None:
    model = stargan_discriminator(image_size, 3, NUM_DOMAINS, base_filters=2, num_layers=num_layers)
    strided = [
        layer for layer in model.layers if layer.name.endswith("_conv") and "cls" not in layer.name
    ]
    assert len(strided) == layers
    assert [c.filters for c in strided] == [2 * 2**i for i in range(layers)]
    assert model.get_layer("cls_conv").kernel_size == (final, final)  # h / 2**layers
    src, cls = model(_images(image_size))
    assert tuple(src.shape) == (1, final, final, 1)
    assert tuple(cls.shape) == (1, NUM_DOMAINS)


def test_discriminator_paper_layout_at_128() -> None:
    model = stargan_discriminator(128, 3, NUM_DOMAINS)
    hidden = [model.get_layer(f"c{i}_conv") for i in range(1, 7)]
    assert [c.filters for c in hidden] == [64, 128, 256, 512, 1024, 2048]
    assert all(c.kernel_size == (4, 4) and c.strides == (2, 2) for c in hidden)
    slopes = [
        layer.negative_slope for layer in model.layers if isinstance(layer, keras.layers.LeakyReLU)
    ]
    assert slopes == pytest.approx([0.01] * 6)
    assert not any(
        isinstance(layer, keras.layers.BatchNormalization | keras.layers.GroupNormalization)
        for layer in model.layers
    )
    assert model.get_layer("src").kernel_size == (3, 3)
    assert model.get_layer("cls_conv").kernel_size == (2, 2)  # 128 / 64


@pytest.mark.parametrize(
    ("builder", "kwargs", "hint"),
    [
        (stargan_discriminator, {"image_size": 32, "num_layers": 6}, "num_layers <= 5"),
        (stargan_discriminator, {"image_size": 31}, "even size"),
        (stargan_discriminator, {"image_size": 32, "num_domains": 0}, "num_domains"),
        (stargan_generator, {"image_size": 30}, "multiple of 4"),
        (stargan_generator, {"image_size": 32, "num_residual_blocks": -1}, "num_residual"),
    ],
)
def test_bad_arguments_raise_usage_error(builder, kwargs: dict, hint: str) -> None:
    kwargs = {"channels": 3, "num_domains": NUM_DOMAINS, **kwargs}
    with pytest.raises(UsageError, match=f"^{builder.__name__}: ") as info:
        builder(**kwargs)
    assert hint in str(info.value) and "\n" not in str(info.value)


def test_models_run_under_xla(small_generator: keras.Model) -> None:
    image = tf.constant(_images(32))
    fake = tf.function(small_generator, jit_compile=True)([image, tf.constant(_domain(2))])
    assert tuple(fake.shape) == (1, 32, 32, 3)
    model = stargan_discriminator(32, 3, NUM_DOMAINS, base_filters=4)
    src, cls = tf.function(model, jit_compile=True)(fake)
    assert tuple(src.shape) == (1, 2, 2, 1) and tuple(cls.shape) == (1, NUM_DOMAINS)
    assert bool(tf.reduce_all(tf.math.is_finite(cls)))


def _first_layer_label_effect(model: keras.Model, layer: str) -> tuple[float, float]:
    """Mean |f(x, c0) - f(x, c1)| of a layer's output, inside (3 pixels from the border on)
    and on the border of a 32x32 image."""
    part = keras.Model(model.inputs, model.get_layer(layer).output)
    image = np.repeat(_images(32), 4, axis=0)
    difference = np.abs(
        part([image, np.repeat(_domain(0), 4, 0)]) - part([image, np.repeat(_domain(1), 4, 0)])
    )
    inside = np.zeros((32, 32), bool)
    inside[3:-3, 3:-3] = True
    return float(difference[:, inside].mean()), float(difference[:, ~inside].mean())


def test_first_instance_norm_removes_the_label_away_from_the_border() -> None:
    # Why domain_conditioning="input_and_norms" exists: before the norm the label adds the
    # same value to every position not touched by the 7x7 convolution's zero padding; after
    # it, little of the label's effect is left there.
    keras.utils.set_random_seed(0)
    model = stargan_generator(32, 3, NUM_DOMAINS, base_filters=8, num_residual_blocks=1)
    conv = keras.Model(model.inputs, model.get_layer("c1_conv").output)
    image = _images(32)
    change = (conv([image, _domain(0)]) - conv([image, _domain(1)])).numpy()[0, 3:-3, 3:-3]
    np.testing.assert_allclose(change, np.broadcast_to(change[0, 0], change.shape), atol=1e-5)
    inside, border = _first_layer_label_effect(model, "c1_norm")
    assert inside < 0.5 * border, (inside, border)


def test_domain_modulation_starts_as_the_paper_generator_and_then_scales_and_shifts() -> None:
    models = {}
    for conditioning in ("input", "input_and_norms"):
        keras.utils.set_random_seed(0)
        models[conditioning] = stargan_generator(
            32,
            3,
            NUM_DOMAINS,
            base_filters=4,
            num_residual_blocks=1,
            domain_conditioning=conditioning,
        )
    inputs = [_images(32), _domain(2)]
    np.testing.assert_allclose(models["input"](inputs), models["input_and_norms"](inputs))
    modulation = models["input_and_norms"].get_layer("c1_domain")
    features = np.random.default_rng(1).normal(size=(1, 32, 32, 4)).astype("float32")
    gamma = np.arange(NUM_DOMAINS * 4, dtype="float32").reshape(NUM_DOMAINS, 4) / 10
    beta = -gamma
    modulation.gamma.kernel.assign(gamma)
    modulation.beta.kernel.assign(beta)
    out = modulation([features, _domain(2)]).numpy()
    np.testing.assert_allclose(out, features * (1 + gamma[2]) + beta[2], rtol=1e-6)
    # Now the label changes the features inside the image about as much as on its border,
    # where the paper's network changes them far more on the border.
    inside, border = _first_layer_label_effect(models["input_and_norms"], "c1_domain")
    paper_inside, paper_border = _first_layer_label_effect(models["input"], "c1_norm")
    assert inside / border > 2 * paper_inside / paper_border, (inside, border)
    assert inside > 2 * paper_inside, (inside, paper_inside)


def test_random_modulation_start_gives_each_domain_its_own_features_from_the_start() -> None:
    # modulation_stddev > 0: at initialization the label already changes the features inside
    # the image as much as on the border (zero start: almost only on the border).
    keras.utils.set_random_seed(0)
    model = stargan_generator(
        32,
        3,
        NUM_DOMAINS,
        base_filters=4,
        num_residual_blocks=1,
        domain_conditioning="input_and_norms",
        modulation_stddev=0.5,
    )
    layer = model.get_layer("c1_domain")
    assert layer.stddev == 0.5
    assert 0.3 < float(np.std(layer.gamma.kernel.numpy())) < 0.7
    inside, border = _first_layer_label_effect(model, "c1_domain")
    assert inside > 0.5 * border, (inside, border)
    paper_inside, _ = _first_layer_label_effect(model, "c1_norm")
    assert inside > 3 * paper_inside, (inside, paper_inside)


@pytest.mark.parametrize(
    "conditioning,stddev,message",
    [("input", 0.5, "only domain_conditioning=input_and_norms"), ("input_and_norms", -1.0, ">= 0")],
)
def test_modulation_stddev_it_cannot_use_is_refused(conditioning, stddev, message) -> None:
    with pytest.raises(UsageError, match=message):
        stargan_generator(
            32, 3, NUM_DOMAINS, domain_conditioning=conditioning, modulation_stddev=stddev
        )


def test_unknown_domain_conditioning_is_refused() -> None:
    with pytest.raises(UsageError, match="input, input_and_norms"):
        stargan_generator(32, 3, NUM_DOMAINS, domain_conditioning="adain")


def _init_networks(**kwargs) -> tuple[keras.Model, keras.Model]:
    keras.utils.set_random_seed(0)
    return (
        stargan_generator(32, 3, NUM_DOMAINS, base_filters=8, num_residual_blocks=2, **kwargs),
        stargan_discriminator(32, 3, NUM_DOMAINS, base_filters=8, **kwargs),
    )


def _kernels_over_pytorch_limit(models: tuple[keras.Model, ...]) -> np.ndarray:
    return np.concatenate(
        [
            np.ravel(layer.kernel.numpy()) / pytorch_limit(tuple(layer.kernel.shape))
            for layer in weighted_layers(*models)
        ]
    )


@pytest.mark.parametrize("kwargs", [{}, {"init": "pytorch"}])
def test_pytorch_init_is_the_authors_by_default(kwargs: dict) -> None:
    # yunjey/stargan sets no init, so PyTorch's defaults hold: weights and biases from
    # U(-1/sqrt(fan_in), 1/sqrt(fan_in)); instance norm (affine=True) scale 1, offset 0.
    assert INITS == ("pytorch", "glorot")
    models = _init_networks(**kwargs)
    assert_each_kernel_uniform(models, pytorch_limit)
    assert_kernels_drawn_independently(*models)
    # Pooled over both networks, kernel / limit is U(-1, 1): spread 1/sqrt(3).
    assert abs(_kernels_over_pytorch_limit(models).std() * np.sqrt(3.0) - 1.0) < 0.1
    discriminator = models[1]
    for layer in weighted_layers(discriminator):
        if layer.use_bias:  # the hidden convs: fan_in 4 * 4 * input channels
            bound = pytorch_limit(tuple(layer.kernel.shape))
            values = layer.bias.numpy()
            assert np.abs(values).max() <= bound and np.abs(values).max() > bound / 2, layer.name
    assert not np.any(biases(discriminator) == 0.0)
    assert np.all(norm_weights(keras.layers.GroupNormalization, "gamma", models[0]) == 1.0)


def test_glorot_init_keeps_keras_defaults() -> None:
    models = _init_networks(init="glorot")
    with pytest.raises(AssertionError):
        assert_each_kernel_uniform(models, pytorch_limit)
    assert_each_kernel_uniform(models, glorot_limit)
    assert_kernels_drawn_independently(*models)
    # glorot's spread is about sqrt(3) times PyTorch's on these layers.
    assert _kernels_over_pytorch_limit(models).std() * np.sqrt(3.0) > 1.3
    assert np.all(biases(models[1]) == 0.0)


@pytest.mark.parametrize("builder", [stargan_generator, stargan_discriminator])
def test_unknown_init_is_refused(builder) -> None:
    with pytest.raises(ValueError, match=rf"^{builder.__name__}: init='normal' .* pytorch, glorot"):
        builder(32, 3, NUM_DOMAINS, init="normal")


def test_random_modulation_draws_scale_and_shift_independently() -> None:
    modulation = DomainModulation(0.5)
    modulation.build([(None, 4, 4, 8), (None, NUM_DOMAINS)])
    gamma, beta = modulation.gamma.kernel.numpy(), modulation.beta.kernel.numpy()
    assert not np.array_equal(gamma, beta)
    assert 0.3 < gamma.std() < 0.7 and 0.3 < beta.std() < 0.7
