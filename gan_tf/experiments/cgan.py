"""Conditional GAN (Mirza & Osindero 2014) on a labelled dataset (MNIST, Fashion-MNIST,
CIFAR-10); sample grids have one row per class.

    python -m gan_tf.experiments.cgan --dataset=mnist --manual_dir=../shared/data \
        --workdir=runs/cgan_mnist
"""

from gan_tf.experiments import common

VARIANT = "cgan"

common.define_common_flags()


def make_config():
    return common.config_from_flags(VARIANT, conditional=True)


if __name__ == "__main__":
    common.run_main(VARIANT, make_config)
