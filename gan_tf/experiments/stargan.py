r"""StarGAN (Choi et al. 2018); its settings: `gan_tf/configs/stargan.py`.

`--train_steps` counts generator updates (each step = `--d_steps` critic updates + one
generator update), so the paper's 200,000 iterations with n_critic 5 are 40,000 steps.

    python -m gan_tf.experiments.stargan --dataset=celeb_a --workdir=runs/stargan_celeba
    # user folders <path>/train/<domain>/
    python -m gan_tf.experiments.stargan --dataset=folder:data/seasons --workdir=runs/seasons
    # derived domains of Fashion-MNIST: original, inverted, rotated 90 degrees, colorized
    python -m gan_tf.experiments.stargan --dataset=fashion_mnist --image_size=32 \
        --workdir=runs/stargan_fmnist
"""

from gan_tf.configs.stargan import CONFIG
from gan_tf.experiments import common

common.define_flags(CONFIG)

if __name__ == "__main__":
    common.main(CONFIG)
