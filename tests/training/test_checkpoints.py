"""A checkpoint holds every weight of every network, the EMA generator's included, also for
networks that keep their layers in nested lists (the growing and style-based ones)."""

import numpy as np
import pytest
import tensorflow as tf

from gan_tf import configs
from gan_tf.models.zoo import build_model
from gan_tf.training.checkpoints import checkpoint_manager, restore_latest

TINY = {
    "pggan": dict(
        preset="small", image_size=8, fmap_base=8, fmap_max=4, latent_dim=4, batch_sizes=[4],
        stable_images=8, fade_images=8, total_images=24,
    ),
    "stylegan2": dict(
        preset="small", image_size=8, channel_base=32, channel_max=4, latent_dim=4, w_dim=4,
        batch_size=4, mbstd_group=2, ema_rampup=0.0, ema_half_life_images=8,
    ),
    "stylegan": dict(
        preset="small", image_size=8, channel_base=32, channel_max=4, latent_dim=4, w_dim=4,
        mapping_layers=2, batch_sizes=[4], mbstd_group=2, stable_images=8, fade_images=8,
        total_images=24, ema_half_life_images=8,
    ),
}  # fmt: skip


def weights(model) -> dict[str, np.ndarray]:
    networks = {"g": model.generator, "d": model.discriminator, "ema": model.ema.network}
    return {
        f"{key}/{index}": np.asarray(w) for key, net in networks.items()
        for index, w in enumerate(net.weights)
    }  # fmt: skip


@pytest.mark.parametrize("variant", sorted(TINY))
def test_every_weight_the_emas_included_is_restored(variant, tmp_path):
    config = configs.get(variant, dataset="mnist_demo", jit_compile=False, seed=3, **TINY[variant])
    model = build_model(config)
    model.enter_phase(0)
    side = config.phases()[0].resolution if hasattr(config, "phases") else config.image_size
    real = tf.random.stateless_uniform([4, side, side, 1], [1, 2], -1, 1)
    model.fit(tf.data.Dataset.from_tensors(real).repeat(), steps_per_epoch=2, epochs=1, verbose=0)
    trained = weights(model)
    checkpoint_manager(model, tmp_path).save(checkpoint_number=2)

    fresh = build_model(config)
    before = weights(fresh)
    assert restore_latest(checkpoint_manager(fresh, tmp_path)) == 2
    restored = weights(fresh)
    changed = [k for k in trained if not np.array_equal(trained[k], before[k])]
    assert any(k.startswith("ema/") for k in changed)  # the EMA moved: the check can fail
    for key, value in trained.items():
        np.testing.assert_array_equal(restored[key], value, err_msg=key)
