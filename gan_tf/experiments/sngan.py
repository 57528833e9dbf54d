"""SNGAN (Miyato et al. 2018) with the hinge loss, and with --conditional the projection cGAN
(Miyato & Koyama 2018). Its settings: `gan_tf/configs/sngan.py`.

    python -m gan_tf.experiments.sngan --dataset=cifar10 --workdir=runs/sngan_cifar10
    python -m gan_tf.experiments.sngan --dataset=fashion_mnist --conditional --workdir=runs/sn_fm
"""

from gan_tf.configs.sngan import CONFIG
from gan_tf.experiments import common

common.define_flags(CONFIG)

if __name__ == "__main__":
    common.main(CONFIG)
