r"""CycleGAN (Zhu et al. 2017); its settings: `gan_tf/configs/cyclegan.py`.

    python -m gan_tf.experiments.cyclegan --dataset=cycle_gan/horse2zebra --workdir=runs/h2z
    # user folders <path>/train/A/ and <path>/train/B/
    python -m gan_tf.experiments.cyclegan --dataset=folder:data/mine --workdir=runs/mine
    # derived domains: disjoint halves of Fashion-MNIST, B = inverted A (no identity loss:
    # it asks G(b) = b, while the right answer here is G(x) = -x for every x)
    python -m gan_tf.experiments.cyclegan --dataset=fashion_mnist --domain_b=inverted \
        --lambda_id=0 --image_size=32 --workdir=runs/cyclegan_inverted
"""

from gan_tf.configs.cyclegan import CONFIG
from gan_tf.experiments import common

common.define_flags(CONFIG)

if __name__ == "__main__":
    common.main(CONFIG)
