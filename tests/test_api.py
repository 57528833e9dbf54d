"""The Python API: README's example as shipped, and what `gan_tf.build` gives from a config."""

import re

import numpy as np
import pytest

import gan_tf
from tests.conftest import REPO_ROOT


def readme_example() -> str:
    """The first Python block of README.md."""
    text = (REPO_ROOT / "README.md").read_text()
    match = re.search(r"```python\n(.*?)```", text, re.S)
    assert match, "README.md has no Python example"
    return match.group(1)


@pytest.mark.slow
def test_readme_example_runs(tmp_path, data_dir, capsys):
    code = readme_example()
    assert len(code.strip().splitlines()) <= 12  # "about ten lines"
    # The same lines, on the packaged digits, a tiny network and two steps.
    small = {
        'dataset="mnist"': f'dataset="mnist_demo", data_dir={data_dir!r}, base_filters=8, '
        "batch_size=8, jit_compile=False",
        "train_steps=2000": "train_steps=2",
        'workdir="runs/wgan_gp_mnist"': f"workdir={str(tmp_path / 'run')!r}",
    }
    for old, new in small.items():
        assert old in code, f"README's example no longer has {old}"
        code = code.replace(old, new)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    images = scope["images"]
    assert images.shape == (16, 28, 28, 1) and images.dtype == np.float32
    assert images.min() >= -1.0 and images.max() <= 1.0
    assert (tmp_path / "run" / "checkpoints").is_dir()
    assert capsys.readouterr().out.strip().splitlines()[-1] == "5"


def test_build_from_the_config_alone_is_the_papers_setting():
    model = gan_tf.build(gan_tf.configs.get("wgan_gp", dataset="mnist", base_filters=4))
    # Algorithm 1 of Gulrajani et al. 2017: n_critic = 5, Adam(1e-4, 0, 0.9), lambda = 10.
    assert model.d_steps == 5 and model.g_steps == 1 and model.gp_weight == 10.0
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert float(optimizer.learning_rate) == pytest.approx(1e-4)
        assert (optimizer.beta_1, optimizer.beta_2) == (0.0, 0.9)


def test_sample_gives_images_of_the_config_and_cycles_labels():
    model = gan_tf.build(gan_tf.configs.get("cgan", dataset="mnist", base_filters=4))
    images = gan_tf.sample(model, 12, seed=1)
    assert images.shape == (12, 28, 28, 1)
    np.testing.assert_array_equal(images, gan_tf.sample(model, 12, seed=1))
    assert not np.allclose(images, gan_tf.sample(model, 12, seed=2))
