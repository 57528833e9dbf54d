"""Each variant's paper settings in its config, the Python API's view of them, and run.json."""

import json

import pytest

from gan_tf import configs
from gan_tf.errors import UsageError


def test_wgan_gp_from_the_dataset_alone_is_algorithm_1():
    config = configs.get("wgan_gp", dataset="mnist")
    # Gulrajani et al. 2017, Algorithm 1: lambda = 10, n_critic = 5, Adam(1e-4, 0, 0.9).
    assert (config.gp_weight, config.d_steps) == (10.0, 5)
    assert (config.d_learning_rate, config.g_learning_rate) == (1e-4, 1e-4)
    assert (config.beta_1, config.beta_2) == (0.0, 0.9)
    assert (config.image_size, config.channels) == (28, 1)  # resolved from the dataset


def test_each_paper_setting_is_its_config_default():
    wgan = configs.get("wgan")
    assert (wgan.clip_value, wgan.d_steps, wgan.d_learning_rate) == (0.01, 5, 5e-5)
    # RMSProp (sec. 3): Adam's betas unset unless --optimizer=adam (the study's choice).
    assert (wgan.optimizer, wgan.beta_1, wgan.beta_2) == ("rmsprop", None, None)
    with pytest.raises(UsageError, match="--beta_1 is Adam's: add --optimizer=adam"):
        configs.get("wgan", beta_1=0.5)
    assert configs.get("wgan", optimizer="adam").adam_betas() == (0.5, 0.999)
    dragan = configs.get("dragan")
    assert (dragan.gp_weight, dragan.d_steps, dragan.beta_1, dragan.d_learning_rate) == (
        10.0,
        1,
        0.5,
        1e-4,
    )
    stargan = configs.get("stargan", dataset="fashion_mnist", image_size=32)
    assert (stargan.lambda_cls, stargan.lambda_rec, stargan.lambda_gp) == (1.0, 10.0, 10.0)
    assert (stargan.d_steps, stargan.batch_size, stargan.beta_1) == (5, 16, 0.5)
    pix2pix = configs.get("pix2pix")
    assert (pix2pix.lambda_l1, pix2pix.batch_size, pix2pix.receptive_field) == (100.0, 1, 70)
    cyclegan = configs.get("cyclegan", dataset="fashion_mnist")
    assert (cyclegan.lambda_cyc, cyclegan.pool_size, cyclegan.batch_size) == (10.0, 50, 1)
    assert configs.get("dcgan").init == "normal"  # Radford et al. 2016, sec. 4: N(0, 0.02)


def test_every_flag_field_cites_help():
    for variant in configs.VARIANTS:
        for field in configs.flag_fields(configs.config_class(variant)):
            assert field.metadata["help"].strip(), f"{variant}.{field.name} has no help"


def test_overrides_by_field_name_and_unknown_names_refused():
    config = configs.get("dcgan", dataset="fashion_mnist", latent_dim=64, seed=3)
    assert (config.dataset, config.latent_dim, config.seed) == ("fashion_mnist", 64, 3)
    with pytest.raises(UsageError, match="dcgan has no setting clip_value"):
        configs.get("dcgan", clip_value=0.1)
    with pytest.raises(UsageError, match="unknown variant"):
        configs.get("dcgann")


def test_data_the_variant_cannot_take_is_a_usage_error():
    with pytest.raises(UsageError, match="needs class labels"):
        configs.get("cgan", dataset="celeb_a")
    with pytest.raises(UsageError, match="takes images of size"):
        configs.get("dcgan", dataset="mnist", image_size=48)


def test_run_json_round_trip(tmp_path):
    config = configs.get("stargan", dataset="fashion_mnist", image_size=32, lambda_id=2.5)
    config.save(tmp_path)
    saved = json.loads((tmp_path / configs.RUN_FILE).read_text())
    assert saved["variant"] == "stargan" and saved["architecture"] == "stargan"
    assert configs.load(tmp_path) == config
    assert configs.load(tmp_path / "nothing") is None


def test_run_json_of_gan_tf_0_1_is_read(tmp_path):
    # The layout of run.json before configs: variant settings in "extra", other field names.
    old = {
        "variant": "pix2pix",
        "dataset": "fashion_mnist",
        "image_size": 32,
        "channels": 1,
        "architecture": "unet",
        "latent_dim": 100,
        "extra": {"loss": "l1", "num_levels": 3, "pairs": "edges", "input_channels": 1},
    }
    config = configs.from_run_json(old)
    assert (config.loss, config.unet_levels, config.pairs) == ("l1", 3, "edges")
    old_stargan = {
        "variant": "stargan",
        "dataset": "fashion_mnist",
        "extra": {"domains": ["original", "inverted"], "derived": ["original", "inverted"]},
    }
    stargan = configs.from_run_json(old_stargan)
    assert stargan.domain_names == ["original", "inverted"]
    assert stargan.domains == ["original", "inverted"]
