r"""pix2pix (Isola et al. 2017); its settings: `gan_tf/configs/pix2pix.py`.

    # edges -> image pairs derived from Fashion-MNIST
    python -m gan_tf.experiments.pix2pix --dataset=fashion_mnist --pairs=edges \
        --image_size=32 --workdir=runs/pix2pix_edges
    # a pix2pix archive (facades, maps, ...) of side-by-side A|B images: <path>/train/<any>/
    python -m gan_tf.experiments.pix2pix --dataset=folder:data/facades --workdir=runs/facades
"""

from gan_tf.configs.pix2pix import CONFIG
from gan_tf.experiments import common

common.define_flags(CONFIG)

if __name__ == "__main__":
    common.main(CONFIG)
