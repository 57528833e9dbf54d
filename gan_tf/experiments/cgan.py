"""Conditional GAN (Mirza & Osindero 2014) on a labelled dataset; sample grids have one row per
class. Its settings: `gan_tf/configs/cgan.py`.

    python -m gan_tf.experiments.cgan --dataset=mnist --workdir=runs/cgan_mnist
"""

from gan_tf.configs.cgan import CONFIG
from gan_tf.experiments import common

common.define_flags(CONFIG)

if __name__ == "__main__":
    common.main(CONFIG)
