"""DCGAN (Radford et al. 2016); its settings: `gan_tf/configs/dcgan.py`.

python -m gan_tf.experiments.dcgan --dataset=mnist --workdir=runs/dcgan_mnist
python -m gan_tf.experiments.dcgan --dataset=mnist --ema_decay=0.999 --workdir=runs/dcgan_ema
"""

from gan_tf.configs.dcgan import CONFIG
from gan_tf.experiments import common

common.define_flags(CONFIG)

if __name__ == "__main__":
    common.main(CONFIG)
