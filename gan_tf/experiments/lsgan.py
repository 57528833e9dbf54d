"""LSGAN (Mao et al. 2017); its settings: `gan_tf/configs/lsgan.py`.

python -m gan_tf.experiments.lsgan --dataset=mnist --workdir=runs/lsgan_mnist
"""

from gan_tf.configs.lsgan import CONFIG
from gan_tf.experiments import common

common.define_flags(CONFIG)

if __name__ == "__main__":
    common.main(CONFIG)
