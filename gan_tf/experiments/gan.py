"""The original GAN (Goodfellow et al. 2014): fully connected networks, k D steps per G step.

    python -m gan_tf.experiments.gan --dataset=mnist --manual_dir=../shared/data \
        --workdir=runs/gan_mnist
"""

from gan_tf.experiments import common

VARIANT = "gan"

common.define_common_flags(architecture="mlp", train_steps=20_000)


def make_config():
    return common.config_from_flags(VARIANT)


if __name__ == "__main__":
    common.run_main(VARIANT, make_config)
