"""Each variant's experiment runs a few steps, resumes, and refuses bad flags."""

import json

import pytest

from tests.experiments.cli import run_module, scalar_events

pytestmark = pytest.mark.slow

TINY = ["--dataset=mnist_demo", "--batch_size=4", "--base_filters=4", "--log_every=1"]

EXTRA_LOGS = {
    "wgan": ["wasserstein_estimate"],
    "wgan_gp": ["wasserstein_estimate", "gradient_penalty", "gradient_norm"],
    "dragan": ["gradient_penalty", "gradient_norm"],
    "lsgan": [],
    "cgan": [],
}


# The suite runs two (a penalty, a label); the others' models: tests/models/test_variants.py.
@pytest.mark.parametrize(
    "variant",
    [
        *(pytest.param(v, marks=pytest.mark.long) for v in ("wgan", "wgan_gp", "lsgan")),
        "dragan",
        "cgan",
    ],
)
def test_variant_runs_and_resumes(variant, tmp_path, data_dir):
    # Each variant runs from the command line; one also resumes there (the others' resume is
    # checked in-process, bit for bit, by tests/training/test_resume.py and `make test-resume`).
    workdir = tmp_path / variant
    args = [*TINY, f"--data_dir={data_dir}", f"--workdir={workdir}"]
    first = run_module(f"gan_tf.experiments.{variant}", *args, "--train_steps=2")
    assert first.returncode == 0, first.stderr[-3000:]
    steps = [1, 2]
    if variant == "wgan_gp":
        second = run_module(f"gan_tf.experiments.{variant}", *args, "--train_steps=3")
        assert second.returncode == 0, second.stderr[-3000:]
        assert "from step 2" in second.stderr
        steps = [1, 2, 3]
    scalars = scalar_events(workdir)
    for tag in ["d_loss", "g_loss", "d_real", "d_fake", *EXTRA_LOGS[variant]]:
        assert sorted(scalars[tag]) == steps, tag
    assert (workdir / "checkpoints" / f"ckpt-{steps[-1]}.index").exists()


@pytest.mark.long  # SNGAN's conditional model: tests/models/test_sngan.py
def test_conditional_sngan_runs(tmp_path, data_dir):
    # Its resume is checked bit for bit by `make test-resume` (tests/training/test_resume.py).
    workdir = tmp_path / "sngan"
    args = [
        *TINY, f"--data_dir={data_dir}", f"--workdir={workdir}", "--conditional",
        "--d_steps=1", "--g_batch_size=8",
    ]  # fmt: skip
    first = run_module("gan_tf.experiments.sngan", *args, "--train_steps=2")
    assert first.returncode == 0, first.stderr[-3000:]
    scalars = scalar_events(workdir)
    for tag in ["d_loss", "g_loss", "d_real", "d_fake"]:
        assert sorted(scalars[tag]) == [1, 2], tag


@pytest.mark.long  # BigGAN's model and truncation: tests/models/test_biggan.py
def test_biggan_cifar_preset_runs_and_samples_truncated(tmp_path, data_dir):
    # Its resume is checked bit for bit by `make test-resume` (tests/training/test_resume.py).
    workdir = tmp_path / "biggan"
    args = [
        "--dataset=mnist_demo", "--batch_size=4", "--log_every=1", f"--data_dir={data_dir}",
        f"--workdir={workdir}", "--preset=cifar", "--base_filters=2", "--d_steps=1",
        "--latent_dim=8", "--orthogonal_reg=1e-4",
    ]  # fmt: skip
    first = run_module("gan_tf.experiments.biggan", *args, "--train_steps=2")
    assert first.returncode == 0, first.stderr[-3000:]
    run = json.loads((workdir / "run.json").read_text())
    # The preset's settings, but where a flag says otherwise.
    assert (run["preset"], run["image_size"], run["init"], run["shared_dim"]) == (
        "cifar",
        32,
        "normal",
        0,
    )
    assert (run["d_steps"], run["orthogonal_reg"], run["ema_start"]) == (1, 1e-4, 1000)
    scalars = scalar_events(workdir)
    assert sorted(scalars["orthogonal_penalty"]) == [1, 2]
    out = tmp_path / "t05.png"
    sample = run_module(
        "gan_tf.generate", f"--workdir={workdir}", "--truncation=0.5", "--standing_stats=2",
        "--num=10", f"--out={out}",
    )  # fmt: skip
    assert sample.returncode == 0, sample.stderr[-3000:]
    assert out.read_bytes().startswith(b"\x89PNG")


@pytest.mark.long  # growth in the suite: tests/models/test_pggan.py
def test_pggan_grows_from_the_command_line_and_samples_at_full_size(tmp_path, data_dir):
    # Resume in a fade-in is checked bit for bit in tests/models/test_pggan.py.
    workdir = tmp_path / "pggan"
    args = [
        "--dataset=mnist_demo", "--log_every=1", f"--data_dir={data_dir}",
        f"--workdir={workdir}", "--preset=small", "--image_size=8", "--fmap_base=8",
        "--fmap_max=4", "--latent_dim=4", "--batch_sizes=4", "--stable_images=8",
        "--fade_images=8", "--total_images=24",
    ]  # fmt: skip
    run = run_module("gan_tf.experiments.pggan", *args)
    assert run.returncode == 0, run.stderr[-3000:]
    scalars = scalar_events(workdir)
    assert sorted(scalars["schedule/resolution"]) == [1, 2, 3, 4, 5, 6]
    assert [scalars["schedule/resolution"][s] for s in (2, 3, 5)] == [4, 8, 8]
    assert [scalars["schedule/alpha"][s] for s in (2, 3, 4, 5)] == [1.0, 0.0, 0.5, 1.0]
    assert sorted(scalars["drift"]) == [1, 2, 3, 4, 5, 6]
    out = tmp_path / "sample.png"
    sample = run_module("gan_tf.generate", f"--workdir={workdir}", "--num=4", f"--out={out}")
    assert sample.returncode == 0, sample.stderr[-3000:]


@pytest.mark.long  # truncation and mixing in the suite: tests/networks/test_stylegan2.py
def test_stylegan2_trains_and_samples_with_truncation_and_style_mixing(tmp_path, data_dir):
    workdir = tmp_path / "stylegan2"
    args = [
        "--dataset=mnist_demo", "--log_every=1", f"--data_dir={data_dir}",
        f"--workdir={workdir}", "--preset=small", "--image_size=32", "--channel_base=64",
        "--channel_max=4", "--latent_dim=4", "--w_dim=4", "--batch_size=4", "--train_steps=2",
        "--pl_weight=2", "--style_mixing=0.9", "--g_reg_interval=2", "--d_reg_interval=2",
    ]  # fmt: skip
    run = run_module("gan_tf.experiments.stylegan2", *args)
    assert run.returncode == 0, run.stderr[-3000:]
    assert sorted(scalar_events(workdir)["path_length_mean"]) == [1, 2]
    figure = tmp_path / "mix.png"
    mix = run_module(
        "gan_tf.generate", f"--workdir={workdir}", "--num=3", "--rows=2", "--style_mix=coarse",
        "--truncation_psi=0.5", "--truncation_cutoff=4", f"--out={figure}",
    )  # fmt: skip
    assert mix.returncode == 0, mix.stderr[-3000:]
    import tensorflow as tf

    grid = tf.io.decode_png(figure.read_bytes())
    assert grid.shape[0] > grid.shape[1] * 0.7  # 3 rows of 4 cells: (rows + 1) x (num + 1)


@pytest.mark.long  # StyleGAN2's command line in the suite; StyleGAN's model: test_stylegan.py
def test_stylegan_trains_and_samples_with_its_default_truncation(tmp_path, data_dir):
    # Its phases, one trace each, are checked in tests/models/test_stylegan.py.
    workdir = tmp_path / "stylegan"
    args = [
        "--dataset=mnist_demo", "--log_every=1", f"--data_dir={data_dir}",
        f"--workdir={workdir}", "--preset=small", "--image_size=8", "--channel_base=32",
        "--channel_max=4", "--latent_dim=4", "--w_dim=4", "--mapping_layers=2",
        "--batch_sizes=4", "--mbstd_group=2", "--stable_images=8", "--total_images=8",
    ]  # fmt: skip
    run = run_module("gan_tf.experiments.stylegan", *args)
    assert run.returncode == 0, run.stderr[-3000:]
    assert sorted(scalar_events(workdir)["r1_penalty"]) == [1, 2]
    out = tmp_path / "sample.png"
    sample = run_module("gan_tf.generate", f"--workdir={workdir}", "--num=4", f"--out={out}")
    assert sample.returncode == 0, sample.stderr[-3000:]


@pytest.mark.parametrize(
    "variant,args,message",
    [
        ("wgan", ["--clip_value=0"], "clip_value"),
        ("wgan", ["--warmup_critic_steps=3"], "more than --d_steps=5"),
        ("wgan", ["--warmup_critic_steps=100", "--strategy=mirrored"], "one device only"),
        ("wgan", ["--critic_norm=group"], "critic_norm"),
        ("wgan", ["--critic_norm=none", "--architecture=mlp"], "critic_norm=none change the DCGAN"),
        ("wgan_gp", ["--gp_weight=-1"], "gp_weight"),
        ("wgan_gp", ["--critic_norm=batch"], "critic_norm"),
        ("wgan_gp", ["--nocritic_bias", "--architecture=mlp"], "--nocritic_bias changes the"),
        ("wgan_gp", ["--penalty_pixel_range=0,255"], "penalty_pixel_range"),
        ("dragan", ["--gp_weight=-1"], "gp_weight"),
        ("cgan", ["--dataset=celeb_a"], "needs class labels"),
        ("lsgan", ["--image_size=100"], "--image_size"),
        ("sngan", ["--g_batch_size=6"], "multiple of --batch_size=4"),
        ("biggan", ["--preset=cifar", "--attention=64"], "blocks work at 8, 16, 32"),
    ],
)
def test_variant_refuses_bad_flags(variant, args, message, tmp_path, data_dir):
    result = run_module(
        f"gan_tf.experiments.{variant}",
        *TINY,
        f"--data_dir={data_dir}",
        f"--workdir={tmp_path / 'run'}",
        "--train_steps=2",
        *args,
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.long  # generate's CLI: test_dcgan_cli.py; a label's row: tests/models/test_variants.py
def test_generate_takes_a_label_for_cgan(tmp_path, data_dir):
    import tensorflow as tf

    workdir = tmp_path / "cgan"
    trained = run_module(
        "gan_tf.experiments.cgan",
        *TINY,
        f"--data_dir={data_dir}",
        f"--workdir={workdir}",
        "--train_steps=1",
    )
    assert trained.returncode == 0, trained.stderr[-3000:]
    out = tmp_path / "sevens.png"
    result = run_module(
        "gan_tf.generate", f"--workdir={workdir}", "--label=7", "--num=8", f"--out={out}"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert tf.io.decode_png(out.read_bytes()).shape[-1] == 1
    bad = run_module(
        "gan_tf.generate", f"--workdir={workdir}", "--label=12", f"--out={tmp_path / 'x.png'}"
    )
    assert bad.returncode != 0 and "below 10" in bad.stderr
