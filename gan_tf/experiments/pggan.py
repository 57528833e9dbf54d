"""PGGAN (Karras et al. 2018), grown from 4x4; its settings and presets:
`gan_tf/configs/pggan.py`.

    python -m gan_tf.experiments.pggan --dataset=celeb_a --image_size=128 --workdir=runs/pg
    python -m gan_tf.experiments.pggan --preset=small --dataset=mnist --workdir=runs/pg_mnist
"""

from gan_tf.configs.pggan import CONFIG
from gan_tf.experiments import common

common.define_flags(CONFIG)

if __name__ == "__main__":
    common.main(CONFIG)
