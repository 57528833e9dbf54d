"""The on-disk cache of real-data features and statistics."""

import numpy as np
import pytest

from gan_tf.metrics import real_stats
from gan_tf.metrics.fid import feature_statistics
from gan_tf.metrics.real_stats import RealStatsKey, cached_real_statistics

KEY = RealStatsKey("mnist", "test", 28, 100, "classifier_mnist_abc")


class CountingCompute:
    def __init__(self, seed: int = 0):
        self.calls = 0
        self.rng = np.random.default_rng(seed)

    def __call__(self):
        self.calls += 1
        return {"features": self.rng.standard_normal((100, 4)), "logits": np.zeros((100, 10))}


def test_second_call_reads_the_cache_and_does_not_recompute(tmp_path):
    compute = CountingCompute()
    first = cached_real_statistics(KEY, compute, tmp_path)
    second = cached_real_statistics(KEY, compute, tmp_path)
    assert compute.calls == 1
    assert sorted(second) == ["features", "logits", "mu", "sigma"]
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])
    mu, sigma = feature_statistics(first["features"])
    np.testing.assert_allclose(second["mu"], mu)
    np.testing.assert_allclose(second["sigma"], sigma)
    assert [p.name for p in (tmp_path / "real_stats").iterdir()] == [KEY.filename()]


@pytest.mark.parametrize(
    "other",
    [
        RealStatsKey("mnist", "train", 28, 100, "classifier_mnist_abc"),
        RealStatsKey("mnist", "test", 32, 100, "classifier_mnist_abc"),
        RealStatsKey("mnist", "test", 28, 200, "classifier_mnist_abc"),
        RealStatsKey("mnist", "test", 28, 100, "fid_inception_v3_2015_12_05"),
        RealStatsKey("fashion_mnist", "test", 28, 100, "classifier_mnist_abc"),
    ],
)
def test_every_part_of_the_key_gets_its_own_entry(tmp_path, other):
    compute = CountingCompute()
    cached_real_statistics(KEY, compute, tmp_path)
    cached_real_statistics(other, compute, tmp_path)
    assert compute.calls == 2


def test_broken_or_foreign_entries_are_recomputed(tmp_path):
    compute = CountingCompute()
    cached_real_statistics(KEY, compute, tmp_path)
    path = tmp_path / "real_stats" / KEY.filename()
    path.write_bytes(b"not a zip file")
    cached_real_statistics(KEY, compute, tmp_path)
    assert compute.calls == 2
    # An entry whose stored key differs (e.g. copied by hand) is not trusted.
    other = RealStatsKey("mnist", "test", 28, 100, "other")
    cached_real_statistics(other, compute, tmp_path)
    (tmp_path / "real_stats" / other.filename()).replace(path)
    cached_real_statistics(KEY, compute, tmp_path)
    assert compute.calls == 4


def test_cache_dir_comes_from_the_argument_then_the_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv(real_stats.CACHE_ENV_VAR, str(tmp_path / "env"))
    assert real_stats.cache_dir() == tmp_path / "env" / "real_stats"
    assert real_stats.cache_dir(tmp_path / "arg") == tmp_path / "arg" / "real_stats"
    monkeypatch.delenv(real_stats.CACHE_ENV_VAR)
    assert real_stats.cache_dir() == real_stats.DEFAULT_CACHE_DIR / "real_stats"


def test_folder_datasets_get_a_safe_file_name():
    key = RealStatsKey("folder:/data/my images", "test", 64, 10, "x")
    name = key.filename()
    assert "/" not in name and " " not in name and name.endswith(".npz")
