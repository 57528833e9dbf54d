"""The original GAN (Goodfellow et al. 2014); its settings: `gan_tf/configs/gan.py`.

python -m gan_tf.experiments.gan --dataset=mnist --workdir=runs/gan_mnist
"""

from gan_tf.configs.gan import CONFIG
from gan_tf.experiments import common

common.define_flags(CONFIG)

if __name__ == "__main__":
    common.main(CONFIG)
