"""WGAN with weight clipping (Arjovsky et al. 2017); its settings: `gan_tf/configs/wgan.py`.

python -m gan_tf.experiments.wgan --dataset=mnist --workdir=runs/wgan_mnist
# the critic schedule of the authors' code (see gan_tf.models.wgan)
python -m gan_tf.experiments.wgan --dataset=mnist --warmup_critic_steps=100 --workdir=runs/w
"""

from gan_tf.configs.wgan import CONFIG
from gan_tf.experiments import common

common.define_flags(CONFIG)

if __name__ == "__main__":
    common.main(CONFIG)
