"""DCGAN (Radford et al. 2016): all-convolutional networks with batch norm; Adam(2e-4, 0.5).

    python -m gan_tf.experiments.dcgan --dataset=mnist --manual_dir=../shared/data \
        --workdir=runs/dcgan_mnist
"""

from gan_tf.experiments import common

VARIANT = "dcgan"

common.define_common_flags(architecture="dcgan", train_steps=10_000)


def make_config():
    return common.config_from_flags(VARIANT)


if __name__ == "__main__":
    common.run_main(VARIANT, make_config)
