"""Smoke test of the toy-mixture stability benchmark: it runs end to end and writes a table.

The benchmark itself trains for minutes; here one variant trains for a few dozen steps, so
only the plumbing (flags, training, metric, Markdown, figure) is checked, not the numbers.
"""

import re

import pytest
from absl import app

from benchmarks import toy_mixture

NUMBER = r"-?\d+(?:\.\d+)?"


@pytest.mark.timeout(60)
def test_one_variant_writes_a_table_with_parsable_numbers(tmp_path, parse_flags):
    out = tmp_path / "toy.md"
    argv = parse_flags(
        "--variants=lsgan",
        "--seeds=0",
        "--train_steps=30",
        "--num_samples=300",
        "--hidden_units=32,32",
        f"--out={out}",
    )
    toy_mixture.main(argv)

    text = out.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| lsgan |")]
    assert len(rows) == 2  # the summary row and the per-run row
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    modes = re.fullmatch(rf"({NUMBER}) ± ({NUMBER})", cells[2])
    share = re.fullmatch(rf"({NUMBER}) ± ({NUMBER})", cells[4])
    assert modes and share, cells
    assert 0 <= float(modes[1]) <= 8 and float(modes[2]) == 0.0  # one seed: no spread
    assert 0 <= float(share[1]) <= 100
    assert int(cells[3]) == round(float(modes[1]))  # the per-seed value
    assert int(cells[6]) == 30  # the steps actually trained
    assert float(cells[7]) > 0  # wall time
    assert "python -m benchmarks.toy_mixture --variants=lsgan" in text
    # The reference row: the mixture's own samples cover every mode.
    assert re.search(r"\| data \(reference\) \| .* \| 8 \|", text)
    # The figure sits beside the table and is linked from it.
    assert (tmp_path / "toy.png").stat().st_size > 0
    assert "(toy.png)" in text


def test_unknown_variant_is_a_clear_usage_error(tmp_path, parse_flags):
    argv = parse_flags("--variants=lsgan,dcgan_typo", f"--out={tmp_path / 'x.md'}")
    with pytest.raises(
        app.UsageError, match=r"unknown variant.*'dcgan_typo'.*choose from.*wgan_gp"
    ):
        toy_mixture.main(argv)
    assert not (tmp_path / "x.md").exists()  # refused before any training


def test_every_variant_builds_with_the_library_classes():
    from gan_tf.models.lsgan import LSGAN
    from gan_tf.models.noise_to_image import NoiseToImageGAN
    from gan_tf.models.regularizers import GradientPenalty
    from gan_tf.models.wgan import WGAN
    from gan_tf.models.wgan_gp import WGANGP

    classes = {
        "gan_non_saturating": NoiseToImageGAN,
        "gan_minimax": NoiseToImageGAN,
        "wgan": WGAN,
        "wgan_gp": WGANGP,
        "lsgan": LSGAN,
    }
    setup = toy_mixture.Setup(latent_dim=2, hidden_units=(8,), jit_compile=False)
    for name, variant in toy_mixture.VARIANTS.items():
        model = variant.build(setup, 3)
        assert type(model) is classes[name], name
        assert model.d_steps == variant.d_steps and model.g_steps == 1 and model.seed == 3
        penalties = [r for r in model.d_regularizers if isinstance(r, GradientPenalty)]
        assert len(penalties) == (name == "wgan_gp"), name
        assert model.generator.output_shape == (None, 2)


def test_observation_tells_collapse_from_not_fitted():
    def runs(modes, share):
        return [
            toy_mixture.RunResult("v", seed, m, share, [0] * 8, 100, 1.0, 0.5, None)
            for seed, m in enumerate(modes)
        ]

    assert "seed(s) 0, 1 not yet fitted" in toy_mixture.observation(runs([0, 0], 0.01), 8)
    assert "seed(s) 1 miss modes" in toy_mixture.observation(runs([8, 3], 0.9), 8)
    assert toy_mixture.observation(runs([8, 8], 0.9), 8) is None
