"""pix2pix (Isola et al. 2017): U-Net generator, conditional PatchGAN, cGAN + 100 * L1 loss,
Adam(2e-4, 0.5), batch size 1, random jitter and mirroring.

    # edges -> image pairs derived from Fashion-MNIST (offline from the original archives)
    python -m gan_tf.experiments.pix2pix --dataset=fashion_mnist --pairs=edges \
        --image_size=32 --manual_dir=../shared/data --workdir=runs/pix2pix_edges
    # a pix2pix archive (facades, maps, ...) of side-by-side A|B images: <path>/train/<any>/
    python -m gan_tf.experiments.pix2pix --dataset=folder:data/facades --workdir=runs/facades
"""

from absl import flags

from gan_tf.data.registry import get_dataset_spec
from gan_tf.data.translation import (
    PAIR_TASKS,
    TRANSLATION_SIZES,
    default_translation_size,
    paired_channels,
    paired_pipeline,
)
from gan_tf.experiments import common
from gan_tf.models.pix2pix import LOSSES
from gan_tf.networks.patchgan import VALID_RECEPTIVE_FIELDS

VARIANT = "pix2pix"
SIZES = TRANSLATION_SIZES

FLAGS = flags.FLAGS
common.define_common_flags(
    dataset="fashion_mnist",
    batch_size=1,
    train_steps=200_000,
    sample_every=1000,
    checkpoint_every=5000,
)
flags.DEFINE_enum(
    "pairs",
    None,
    list(PAIR_TASKS),
    "How the input is derived from a TFDS image (the target): edges (default), "
    "grayscale or inverted. Unset for folder: datasets of A|B pairs.",
)
flags.DEFINE_enum(
    "loss",
    "l1_cgan",
    list(LOSSES),
    "Generator objective (sec. 4.2): L1 only, cGAN only, or cGAN + lambda * L1.",
)
flags.DEFINE_enum(
    "receptive_field",
    "70",
    [str(r) for r in VALID_RECEPTIVE_FIELDS],
    "PatchGAN patch size (sec. 4.4): 1 PixelGAN, 16, 70, 286 ImageGAN.",
)
flags.DEFINE_float("lambda_l1", 100.0, "Weight of the L1 term (eq. 4).", lower_bound=0.0)
flags.DEFINE_bool("jitter", True, "Random jitter (resize 286/256, random crop) and mirroring.")
flags.DEFINE_integer(
    "unet_levels", None, "U-Net encoder levels (default: down to 1x1).", lower_bound=2
)


def make_config():
    spec = get_dataset_spec(FLAGS.dataset)
    FLAGS.image_size = default_translation_size(spec, FLAGS.image_size)
    in_channels, out_channels = paired_channels(spec, FLAGS.pairs)
    config = common.config_from_flags(
        VARIANT,
        extra={
            "pairs": FLAGS.pairs,
            "loss": FLAGS.loss,
            "receptive_field": int(FLAGS.receptive_field),
            "lambda_l1": FLAGS.lambda_l1,
            "jitter": FLAGS.jitter,
            "input_channels": in_channels,
            "num_levels": FLAGS.unet_levels,
        },
        supported_sizes=SIZES,
    )
    config.architecture = "unet"
    config.channels = out_channels
    return config


def make_dataset(config):
    return paired_pipeline(
        config.dataset,
        batch_size=config.batch_size,
        image_size=config.image_size,
        task=config.extra["pairs"],
        jitter=config.extra["jitter"],
        data_dir=config.data_dir,
        manual_dir=config.manual_dir,
        seed=config.seed,
    )


if __name__ == "__main__":
    common.run_main(VARIANT, make_config, make_dataset)
