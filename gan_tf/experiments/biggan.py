"""BigGAN (Brock et al. 2019); its settings and presets: `gan_tf/configs/biggan.py`.

python -m gan_tf.experiments.biggan --dataset=folder:~/imagenet --workdir=runs/biggan_128
python -m gan_tf.experiments.biggan --preset=cifar --dataset=cifar10 --workdir=runs/bg_c10
python -m gan_tf.generate --workdir=runs/bg_c10 --truncation=0.5 --out=t05.png
"""

from gan_tf.configs.biggan import CONFIG
from gan_tf.experiments import common

common.define_flags(CONFIG)

if __name__ == "__main__":
    common.main(CONFIG)
