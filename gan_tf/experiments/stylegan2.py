"""StyleGAN2 (Karras et al. 2020); its settings and presets: `gan_tf/configs/stylegan2.py`.

python -m gan_tf.experiments.stylegan2 --dataset=celeb_a --image_size=256 --preset=paper256
python -m gan_tf.experiments.stylegan2 --preset=cifar --dataset=cifar10 --conditional
"""

from gan_tf.configs.stylegan2 import CONFIG
from gan_tf.experiments import common

common.define_flags(CONFIG)

if __name__ == "__main__":
    common.main(CONFIG)
