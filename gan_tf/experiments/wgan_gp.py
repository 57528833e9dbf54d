"""WGAN-GP (Gulrajani et al. 2017): gradient penalty lambda = 10, Adam(1e-4, 0, 0.9),
n_critic = 5, layer norm (or none) in the critic instead of batch norm.

    python -m gan_tf.experiments.wgan_gp --dataset=mnist --manual_dir=../shared/data \
        --workdir=runs/wgan_gp_mnist
"""

from absl import flags

from gan_tf.experiments import common

VARIANT = "wgan_gp"

common.define_common_flags(
    d_learning_rate=1e-4, g_learning_rate=1e-4, beta_1=0.0, beta_2=0.9, d_steps=5
)
flags.DEFINE_float("gp_weight", 10.0, "lambda: weight of the gradient penalty.", lower_bound=0.0)
flags.DEFINE_enum(
    "critic_norm",
    "layer",
    ["layer", "none"],
    "Normalisation in the critic (batch norm would break the per-sample penalty).",
)
flags.DEFINE_bool(
    "critic_bias", True, "Biases in the critic's layers (--nocritic_bias drops them)."
)


def make_config():
    f = flags.FLAGS
    return common.config_from_flags(
        VARIANT,
        extra={
            "gp_weight": f.gp_weight,
            "critic_norm": f.critic_norm,
            "critic_bias": f.critic_bias,
        },
    )


if __name__ == "__main__":
    common.run_main(VARIANT, make_config)
