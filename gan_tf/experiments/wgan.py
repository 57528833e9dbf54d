"""WGAN with weight clipping (Arjovsky et al. 2017): RMSProp(5e-5), c = 0.01, n_critic = 5.

    python -m gan_tf.experiments.wgan --dataset=mnist --manual_dir=../shared/data \
        --workdir=runs/wgan_mnist

`--warmup_critic_steps=100` adds the critic schedule of the authors' code (100 critic updates in
the first 25 generator iterations and in every 500th; see `gan_tf.models.wgan`).
`--critic_norm=layer|none` replaces the critic's batch norm (an ablation; see
experiments/mnist_variants.md).
"""

from absl import flags

from gan_tf.experiments import common

VARIANT = "wgan"

common.define_common_flags(d_learning_rate=5e-5, g_learning_rate=5e-5, d_steps=5)
flags.DEFINE_float("clip_value", 0.01, "c: critic weights are clipped to [-c, c].", lower_bound=0.0)
flags.register_validator("clip_value", lambda c: c > 0, "--clip_value must be positive")
flags.DEFINE_integer(
    "warmup_critic_steps",
    0,
    "0: --d_steps critic updates in every iteration (the paper's Algorithm 1). N > --d_steps: N "
    "critic updates in the first 25 iterations and in every 500th (the authors' code: 100).",
    lower_bound=0,
)
flags.DEFINE_enum(
    "critic_norm",
    "batch",
    ["batch", "layer", "none"],
    "Normalisation in the critic: batch (DCGAN's, as in the paper) or, as ablations, layer or "
    "none (clipping also clips batch norm's scale and shift to [-c, c]).",
)


def make_config():
    return common.config_from_flags(
        VARIANT,
        extra={
            "clip_value": flags.FLAGS.clip_value,
            "warmup_critic_steps": flags.FLAGS.warmup_critic_steps,
            "critic_norm": flags.FLAGS.critic_norm,
        },
    )


if __name__ == "__main__":
    common.run_main(VARIANT, make_config)
