"""Every experiment's flags: each is a field its run reads, or a flag of another variant that it
refuses with one line (exit status 2), never silently ignored."""

from __future__ import annotations

import dataclasses

import pytest
from absl import flags

from gan_tf import api, configs
from gan_tf.configs.base import flag_fields
from gan_tf.errors import UsageError
from gan_tf.experiments import common
from tests.experiments.cli import run_module

TRANSLATION = ("pix2pix", "cyclegan", "stargan")
# The known cases: flags every user tries that these variants do not take.
KNOWN_REFUSALS = {
    "wgan": ["g_loss"],
    "wgan_gp": ["g_loss"],
    "lsgan": ["g_loss"],
    "sngan": ["g_loss", "init"],
    "biggan": ["g_loss"],
    "pggan": ["g_loss", "init", "base_filters", "batch_size", "train_steps", "latent_distribution"],
    "stylegan2": ["g_loss", "init", "base_filters", "latent_distribution", "ema_decay", "d_steps"],
    "stylegan": [
        "g_loss",
        "batch_size",
        "train_steps",
        "pl_weight",
        "d_reg_interval",
        "conditional",
    ],
    **{v: ["latent_dim", "g_steps", "architecture", "g_loss", "init"] for v in TRANSLATION},
    "pix2pix_": ["d_steps"],
    "cyclegan_": ["d_steps"],
}


def tracked(config):
    """A copy of `config` that records which fields are read."""
    names = {f.name for f in dataclasses.fields(config)}

    class Tracked(type(config)):
        def __getattribute__(self, name):
            if name in names:
                # Copies made by `replace` (inside `resolve`) are not tracked.
                reads = object.__getattribute__(self, "__dict__").get("_reads")
                if reads is not None:
                    reads.add(name)
            return super().__getattribute__(name)

    copy = object.__new__(Tracked)
    copy.__dict__.update(config.__dict__)
    object.__setattr__(copy, "_reads", set())
    return copy


def small_settings(variant: str) -> dict:
    settings = dict(batch_size=2, base_filters=4, jit_compile=False)
    if variant == "gan":
        del settings["base_filters"]  # its MLP has no filters (a given one is refused)
    if variant in TRANSLATION:
        settings.update(dataset="fashion_mnist", image_size=32)
    if variant == "biggan":  # attention at 64x64 needs 8 channels there
        settings.update(base_filters=8)
    if variant == "stargan":
        settings.update(image_size=16, d_layers=2, num_residual_blocks=1)
    if variant == "pggan":  # its batches and widths have flags of their own
        settings = dict(jit_compile=False, image_size=8, fmap_base=8, fmap_max=4, batch_sizes=[4])
    if variant == "stylegan":  # its batches and widths have flags of their own
        settings = dict(
            jit_compile=False, image_size=8, channel_base=32, channel_max=4, batch_sizes=[4]
        )
    if variant == "stylegan2":  # its widths have flags of their own
        settings = dict(
            jit_compile=False, image_size=8, channel_base=32, channel_max=4, batch_size=4
        )
    return settings


class StubDataset:
    """What the stubbed data functions return: transformations of it are itself."""

    def map(self, *args, **kwargs):
        return self


def reads_of_building(variant: str, monkeypatch) -> set[str]:
    """The fields read to build the model and its training pipeline (the data functions are
    stubbed: every field they get is read when their arguments are evaluated)."""
    from gan_tf.data import pipelines, translation
    from gan_tf.models.zoo import build_model

    for module, name in [
        (pipelines, "image_pipeline"),
        (translation, "paired_pipeline"),
        (translation, "unpaired_pipeline"),
        (translation, "multi_domain_pipeline"),
    ]:
        monkeypatch.setattr(module, name, lambda *args, **kwargs: StubDataset())
    unresolved = tracked(configs.config_class(variant)(**small_settings(variant)))
    config = tracked(unresolved.resolve())
    build_model(config)
    config.training_pipeline()
    return unresolved.__dict__["_reads"] | config.__dict__["_reads"]


@pytest.fixture(scope="module")
def run_reads(tmp_path_factory, data_dir) -> set[str]:
    """The fields a whole run of one variant reads (building, data, training with an
    evaluation, strategy)."""
    config = tracked(
        configs.get(
            "dcgan",
            dataset="mnist_demo",
            data_dir=data_dir,
            batch_size=8,
            base_filters=4,
            jit_compile=False,
            train_steps=1,
            eval_every=1,
            eval_metric="fcd",
            eval_samples=16,
        )
    )
    api.run(config, tmp_path_factory.mktemp("run"))
    return config.__dict__["_reads"]


@pytest.mark.slow
@pytest.mark.parametrize("variant", configs.VARIANTS)
def test_every_flag_of_a_variant_is_read_by_its_run(variant, monkeypatch, run_reads):
    # What the runner reads beyond building and data is the same for every variant.
    runner_reads = run_reads - reads_of_building("dcgan", monkeypatch)
    reads = reads_of_building(variant, monkeypatch) | runner_reads
    unread = [f.name for f in flag_fields(configs.config_class(variant)) if f.name not in reads]
    assert not unread, f"{variant} defines flags its run never reads: {unread}"


def parse(variant: str, *argv: str):
    cls = configs.config_class(variant)
    values = flags.FlagValues()
    common.define_flags(cls, values)
    common.parse_flags(cls, [variant, "--workdir=/unused", *argv], values)
    return common.config_from_flags(cls, values)


@pytest.mark.parametrize("variant", configs.VARIANTS)
def test_every_other_flag_is_refused_with_a_reason(variant):
    cls = configs.config_class(variant)
    own = {f.name for f in flag_fields(cls)}
    values = flags.FlagValues()  # defined once: a refused flag fails before any is set
    common.define_flags(cls, values)
    for name in sorted(common.all_flag_names() - own):
        with pytest.raises(UsageError) as error:
            common.parse_flags(cls, [variant, "--workdir=/unused", f"--{name}=1"], values)
        message = str(error.value)
        assert message.startswith(f"--{name} does not apply to {variant}: "), message
        assert "\n" not in message


@pytest.mark.parametrize(
    "variant,name",
    [(v.rstrip("_"), n) for v, names in KNOWN_REFUSALS.items() for n in names],
)
def test_known_cases_are_refused_with_their_own_reason(variant, name):
    reason = common.refusal(configs.config_class(variant), name)
    assert "other variants" not in reason, f"--{name} for {variant}: no reason given: {reason}"
    with pytest.raises(UsageError, match=f"--{name} does not apply to {variant}"):
        parse(variant, f"--{name}=1")


def test_flags_keep_their_names_defaults_and_types():
    config = parse("wgan_gp", "--dataset=mnist", "--nocritic_bias", "--gp_weight=5")
    assert (config.d_steps, config.beta_1, config.gp_weight, config.critic_bias) == (
        5,
        0.0,
        5,
        False,
    )
    pix2pix = parse("pix2pix", "--receptive_field=16", "--pairs=inverted", "--image_size=32")
    assert pix2pix.receptive_field == 16 and pix2pix.pairs == "inverted"
    stargan = parse("stargan", "--dataset=fashion_mnist", "--domains=original,inverted")
    assert stargan.domain_names == ["original", "inverted"]


def test_bad_values_and_unknown_flags_are_one_line():
    with pytest.raises(UsageError, match="--batch_size=0"):
        parse("dcgan", "--batch_size=0")
    with pytest.raises(UsageError, match="unknown flag --nonsense"):
        parse("dcgan", "--nonsense=1")


@pytest.mark.parametrize(
    "variant,flag",
    [("wgan", "--g_loss=minimax"), ("pix2pix", "--latent_dim=8"), ("cyclegan", "--d_steps=2")],
)
def test_a_refused_flag_exits_2_with_one_line(variant, flag, tmp_path):
    result = run_module(f"gan_tf.experiments.{variant}", flag, f"--workdir={tmp_path / 'run'}")
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith(f"{variant}:")]
    assert errors == [
        f"{variant}: error: {common.refusal(configs.config_class(variant), flag[2:].split('=')[0])}"
    ]
    assert not (tmp_path / "run").exists()  # nothing half-written


def test_wgan_refuses_adams_betas_with_rmsprop_in_one_line_exit_2(tmp_path):
    result = run_module("gan_tf.experiments.wgan", "--beta_1=0.5", f"--workdir={tmp_path / 'run'}")
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("wgan:")]
    assert errors == [
        "wgan: error: --beta_1 is Adam's: add --optimizer=adam or drop --beta_1 (RMSProp has "
        "no betas)"
    ]
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "argv,error",
    [
        (["--beta_2=0.9"], "--beta_2 is Adam's: add --optimizer=adam or drop --beta_2"),
        (
            ["--beta_1=0.5", "--beta_2=0.9"],
            "--beta_1 and --beta_2 are Adam's: add --optimizer=adam or drop --beta_1 and "
            "--beta_2 (RMSProp has no betas)",
        ),
        (["--optimizer=adam", "--rmsprop_rho=0.9"], "--rmsprop_rho=0.9 is RMSProp's"),
    ],
)
def test_wgan_refuses_one_optimizers_settings_with_the_other(argv, error):
    with pytest.raises(UsageError) as refused:
        parse("wgan", "--dataset=mnist", *argv)
    assert str(refused.value).startswith(error) and "\n" not in str(refused.value)


def test_wgan_takes_adams_betas_with_adam():
    config = parse("wgan", "--optimizer=adam", "--beta_1=0", "--beta_2=0.9")
    assert (config.optimizer, config.beta_1, config.beta_2) == ("adam", 0.0, 0.9)
    assert parse("wgan").optimizer == "rmsprop"


@pytest.mark.parametrize(
    "argv,value",
    [
        ((), "auto"),
        (("--jit_compile",), True),
        (("--nojit_compile",), False),
        (("--jit_compile=auto",), "auto"),
        (("--jit_compile=AUTO",), "auto"),
        (("--jit_compile=false",), False),
    ],
)
def test_jit_compile_takes_auto_or_a_bool(argv, value):
    assert parse("dcgan", *argv).jit_compile == value


def test_jit_compile_refuses_other_words_in_one_line():
    with pytest.raises(UsageError, match="use true, false or auto; got 'maybe'"):
        parse("dcgan", "--jit_compile=maybe")


@pytest.mark.parametrize("variant", configs.VARIANTS)
def test_jit_compile_help_says_what_auto_picks_on_a_cpu(variant):
    config_cls = configs.config_class(variant)
    choice = "with" if config_cls.XLA_ON_CPU else "without"
    text = config_cls.flag_help("jit_compile")
    measured = (
        "not measured; Keras's choice on a CPU"
        if config_cls.XLA_CPU_RATIO is None
        else f"XLA x{config_cls.XLA_CPU_RATIO:.2f} the steps/s of the graph kernels: "
        "make bench, AMD EPYC, one core, 2026-12-04"
    )
    assert f"On a CPU, auto runs {variant} {choice} XLA ({measured})" in text
