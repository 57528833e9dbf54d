"""StyleGAN (Karras et al. 2019), grown from 4x4; its settings and presets:
`gan_tf/configs/stylegan.py`.

    python -m gan_tf.experiments.stylegan --dataset=celeb_a --image_size=128 --workdir=runs/sg
    python -m gan_tf.experiments.stylegan --preset=small --dataset=mnist --workdir=runs/sg_mnist
"""

from gan_tf.configs.stylegan import CONFIG
from gan_tf.experiments import common

common.define_flags(CONFIG)

if __name__ == "__main__":
    common.main(CONFIG)
