"""LSGAN (Mao et al. 2017): least-squares losses, targets a = 0, b = 1, c = 1; Adam(2e-4, 0.5).

    python -m gan_tf.experiments.lsgan --dataset=mnist --manual_dir=../shared/data \
        --workdir=runs/lsgan_mnist
"""

from gan_tf.experiments import common

VARIANT = "lsgan"

common.define_common_flags()


def make_config():
    return common.config_from_flags(VARIANT)


if __name__ == "__main__":
    common.run_main(VARIANT, make_config)
