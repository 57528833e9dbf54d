"""CycleGAN (Zhu et al. 2017): two ResNet generators, two 70x70 PatchGANs with instance norm,
least-squares GAN loss, cycle weight 10, identity weight 5, history pools of 50 images,
Adam(2e-4, 0.5) constant then linearly decayed to zero, batch size 1.

    python -m gan_tf.experiments.cyclegan --dataset=cycle_gan/horse2zebra --workdir=runs/h2z
    # user folders <path>/train/A/ and <path>/train/B/
    python -m gan_tf.experiments.cyclegan --dataset=folder:data/mine --workdir=runs/mine
    # derived domains: disjoint halves of Fashion-MNIST, B = inverted A (no identity loss:
    # it asks G(b) = b, while the right answer here is G(x) = -x for every x)
    python -m gan_tf.experiments.cyclegan --dataset=fashion_mnist --domain_b=inverted \
        --lambda_id=0 --image_size=32 --manual_dir=../shared/data --workdir=runs/cyclegan_inverted
"""

from absl import flags

from gan_tf.data.registry import get_dataset_spec
from gan_tf.data.translation import (
    TRANSLATION_SIZES,
    UNPAIRED_TRANSFORMS,
    default_translation_size,
    unpaired_channels,
    unpaired_pipeline,
)
from gan_tf.experiments import common
from gan_tf.models.cyclegan import POOL_SIZE
from gan_tf.networks.patchgan import VALID_RECEPTIVE_FIELDS

VARIANT = "cyclegan"

FLAGS = flags.FLAGS
common.define_common_flags(
    dataset="cycle_gan/horse2zebra",
    batch_size=1,
    train_steps=200_000,
    sample_every=1000,
    checkpoint_every=5000,
)
flags.DEFINE_enum(
    "domain_b",
    None,
    list(UNPAIRED_TRANSFORMS),
    "Derived domains of a TFDS image dataset: B is this transform of its half "
    "(default inverted). Unset for cycle_gan/ and folder: datasets.",
)
flags.DEFINE_float("lambda_cyc", 10.0, "Cycle-consistency weight (eq. 3).", lower_bound=0.0)
flags.DEFINE_float(
    "lambda_id",
    None,
    "Identity loss weight (sec. 5.2; default 0.5 * lambda_cyc; 0 disables it). It asks G to "
    "leave B images unchanged, which suits color-preserving tasks: use 0 when the true mapping "
    "changes every image (e.g. --domain_b=inverted).",
    lower_bound=0.0,
)
flags.DEFINE_integer(
    "num_residual_blocks",
    None,
    "Residual blocks of each generator (default 6 below 256 px, 9 from 256).",
    lower_bound=1,
)
flags.DEFINE_integer(
    "decay_start",
    None,
    "Step from which the learning rate decays linearly "
    "to zero at --train_steps (default: half of --train_steps).",
    lower_bound=0,
)
flags.DEFINE_integer(
    "pool_size",
    POOL_SIZE,
    "Generated images kept per discriminator's history (0: none).",
    lower_bound=0,
)
flags.DEFINE_enum(
    "receptive_field",
    "70",
    [str(r) for r in VALID_RECEPTIVE_FIELDS],
    "PatchGAN patch size of both discriminators.",
)


def make_config():
    spec = get_dataset_spec(FLAGS.dataset)
    FLAGS.image_size = default_translation_size(spec, FLAGS.image_size)
    config = common.config_from_flags(
        VARIANT,
        extra={
            "domain_b": FLAGS.domain_b,
            "lambda_cyc": FLAGS.lambda_cyc,
            "lambda_id": FLAGS.lambda_id,
            "num_residual_blocks": FLAGS.num_residual_blocks,
            "decay_start": FLAGS.decay_start,
            "pool_size": FLAGS.pool_size,
            "receptive_field": int(FLAGS.receptive_field),
        },
        supported_sizes=TRANSLATION_SIZES,
    )
    config.architecture = "resnet"
    config.channels = unpaired_channels(spec, FLAGS.domain_b)
    return config


def make_dataset(config):
    return unpaired_pipeline(
        config.dataset,
        batch_size=config.batch_size,
        image_size=config.image_size,
        domain_b=config.extra["domain_b"],
        data_dir=config.data_dir,
        manual_dir=config.manual_dir,
        seed=config.seed,
    )


if __name__ == "__main__":
    common.run_main(VARIANT, make_config, make_dataset)
