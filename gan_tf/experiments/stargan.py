"""StarGAN (Choi et al. 2018): one generator conditioned on the target domain, a PatchGAN
critic with a domain classifier, WGAN-GP (lambda_gp 10) + classification (1) + reconstruction
(10) losses, n_critic = 5, Adam(1e-4, 0.5, 0.999), batch size 16, CelebA at 128x128.

`--train_steps` counts generator updates (each step = `--d_steps` critic updates + one
generator update), so the paper's 200,000 iterations with n_critic 5 are 40,000 steps.

    python -m gan_tf.experiments.stargan --dataset=celeb_a --workdir=runs/stargan_celeba
    # user folders <path>/train/<domain>/
    python -m gan_tf.experiments.stargan --dataset=folder:data/seasons --workdir=runs/seasons
    # derived domains of Fashion-MNIST: original, inverted, rotated 90 degrees, colorized
    python -m gan_tf.experiments.stargan --dataset=fashion_mnist --image_size=32 \
        --manual_dir=../shared/data --workdir=runs/stargan_fmnist
"""

from absl import flags

from gan_tf.data.registry import get_dataset_spec
from gan_tf.data.translation import (
    CELEB_A_ATTRIBUTES,
    DERIVED_DOMAINS,
    TRANSLATION_SIZES,
    default_translation_size,
    exclusive_groups,
    multi_domain_channels,
    multi_domain_names,
    multi_domain_pipeline,
)
from gan_tf.errors import UsageError
from gan_tf.experiments import common
from gan_tf.models.stargan import check_target_domains
from gan_tf.networks.stargan import check_domain_conditioning

VARIANT = "stargan"

FLAGS = flags.FLAGS
common.define_common_flags(
    dataset="celeb_a",
    batch_size=16,
    train_steps=40_000,
    d_steps=5,
    d_learning_rate=1e-4,
    g_learning_rate=1e-4,
    sample_every=1000,
    checkpoint_every=5000,
)
flags.DEFINE_list(
    "attributes",
    list(CELEB_A_ATTRIBUTES),
    "CelebA attributes used as domains (hair colors are exclusive).",
)
flags.DEFINE_list(
    "domains",
    list(DERIVED_DOMAINS),
    "Derived domains of a TFDS image dataset (not celeb_a / folder:): transforms "
    "among original, inverted, rotated, colorized, grayscale, edges.",
)
flags.DEFINE_float("lambda_cls", 1.0, "Domain classification weight (eq. 5, 6).", lower_bound=0.0)
flags.DEFINE_float("lambda_rec", 10.0, "Reconstruction weight (eq. 6).", lower_bound=0.0)
flags.DEFINE_float("lambda_gp", 10.0, "Gradient penalty weight (eq. 8).", lower_bound=0.0)
flags.DEFINE_float(
    "lambda_id",
    0.0,
    "Weight of an identity term |G(x, own domain) - x|_1, CycleGAN's (not in StarGAN: 0, an "
    "ablation; CycleGAN's weight is half the cycle weight, i.e. 5 here).",
    lower_bound=0.0,
)
flags.DEFINE_enum(
    "adversarial_loss",
    "wgan_gp",
    ["wgan_gp", "least_squares"],
    "wgan_gp: the paper's (eq. 8). least_squares: Mao et al. 2017's, as CycleGAN uses, without "
    "a penalty (an ablation).",
)
flags.DEFINE_enum(
    "target_domains",
    "shuffle",
    ["shuffle", "other"],
    "How training picks target domains. shuffle: the batch's labels in a random order (the "
    "authors' code; a target can be the source's own domain). other: a random domain other "
    "than the source's (one-hot domains only, not CelebA).",
)
flags.DEFINE_integer("num_residual_blocks", 6, "Generator residual blocks.", lower_bound=1)
flags.DEFINE_enum(
    "domain_conditioning",
    "input",
    ["input", "input_and_norms"],
    "input: the label tiled and joined to the image (the paper). input_and_norms: also a "
    "label-dependent scale and shift after the generator's instance norms (an ablation).",
)
flags.DEFINE_float(
    "modulation_stddev",
    0.0,
    "With --domain_conditioning=input_and_norms: the standard deviation of the label's scale "
    "and shift weights at the start. 0: they start at zero (the network starts as the "
    "paper's); e.g. 0.5: each domain starts with its own (see experiments/translation.md).",
    lower_bound=0.0,
)
flags.DEFINE_integer(
    "d_layers",
    None,
    "Critic stride-2 layers (default 6 at 128 px, fewer for small images).",
    lower_bound=1,
)


def make_config():
    spec = get_dataset_spec(FLAGS.dataset)
    celeb_a = spec.name == "celeb_a"
    if FLAGS["attributes"].present and not celeb_a:
        raise UsageError("--attributes picks CelebA domains: use --dataset=celeb_a")
    if FLAGS["domains"].present and (celeb_a or spec.is_folder):
        raise UsageError(
            f"--domains derives domains from a TFDS dataset; {spec.name} has its own domains"
        )
    check_target_domains(FLAGS.target_domains, multi_label=celeb_a)  # before any data
    check_domain_conditioning(FLAGS.domain_conditioning, FLAGS.modulation_stddev)
    if celeb_a and FLAGS.image_size is None:
        FLAGS.image_size = 128  # sec. 4.4: CelebA cropped to 178x178 and resized to 128x128
    FLAGS.image_size = default_translation_size(spec, FLAGS.image_size, fallback=128)
    attributes = FLAGS.attributes if celeb_a else None
    derived = None if celeb_a or spec.is_folder else FLAGS.domains
    names = multi_domain_names(
        spec,
        attributes=attributes,
        domains=derived,
        data_dir=FLAGS.data_dir,
        manual_dir=FLAGS.manual_dir,
    )
    config = common.config_from_flags(
        VARIANT,
        extra={
            "domains": names,
            "attributes": attributes,
            "derived": derived,
            "multi_label": celeb_a,
            "exclusive_groups": exclusive_groups(spec, names),
            "lambda_cls": FLAGS.lambda_cls,
            "lambda_rec": FLAGS.lambda_rec,
            "lambda_gp": FLAGS.lambda_gp,
            "lambda_id": FLAGS.lambda_id,
            "adversarial_loss": FLAGS.adversarial_loss,
            "target_domains": FLAGS.target_domains,
            "num_residual_blocks": FLAGS.num_residual_blocks,
            "domain_conditioning": FLAGS.domain_conditioning,
            "modulation_stddev": FLAGS.modulation_stddev,
            "d_layers": FLAGS.d_layers,
        },
        supported_sizes=TRANSLATION_SIZES,
    )
    config.architecture = "stargan"
    config.channels = multi_domain_channels(spec, names)
    return config


def make_dataset(config):
    extra = config.extra
    return multi_domain_pipeline(
        config.dataset,
        batch_size=config.batch_size * config.d_steps,
        image_size=config.image_size,
        attributes=extra["attributes"],
        domains=extra["derived"],
        data_dir=config.data_dir,
        manual_dir=config.manual_dir,
        seed=config.seed,
    )


if __name__ == "__main__":
    common.run_main(VARIANT, make_config, make_dataset)
