"""WGAN-GP (Gulrajani et al. 2017); its settings: `gan_tf/configs/wgan_gp.py`.

python -m gan_tf.experiments.wgan_gp --dataset=cifar10 --workdir=runs/wgan_gp_cifar10
"""

from gan_tf.configs.wgan_gp import CONFIG
from gan_tf.experiments import common

common.define_flags(CONFIG)

if __name__ == "__main__":
    common.main(CONFIG)
