"""DRAGAN (Kodali et al. 2017); its settings: `gan_tf/configs/dragan.py`.

python -m gan_tf.experiments.dragan --dataset=fashion_mnist --workdir=runs/dragan_fashion_mnist
"""

from gan_tf.configs.dragan import CONFIG
from gan_tf.experiments import common

common.define_flags(CONFIG)

if __name__ == "__main__":
    common.main(CONFIG)
