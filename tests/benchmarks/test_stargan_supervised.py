"""The StarGAN proof's supervised diagnostic (benchmarks/stargan_supervised.py): its step
learns the truth on a fixed batch, and two steps on real Fashion-MNIST give a proof-style
record (the numbers are the benchmark's, not the test's)."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from absl import app

from benchmarks import stargan_supervised as supervised
from gan_tf.networks.stargan import stargan_generator
from tests.data.test_translation import prepared_fashion_mnist


def test_the_step_fits_the_truth_of_a_fixed_batch():
    # Two domains whose truth is known: x and -x. Repeating one batch and one seed, the L1
    # between G(T_s(x), t) and T_t(x) must fall well below its start.
    keras.utils.set_random_seed(0)
    x = tf.random.uniform((4, 8, 8, 1), -1.0, 1.0, seed=1)
    stack = tf.stack([x, -x])  # (k, batch, h, w, c), as multi_domain_truth gives it
    generator = stargan_generator(8, 1, 2, base_filters=8, num_residual_blocks=1)
    optimizer = keras.optimizers.Adam(1e-2)
    step = supervised.supervised_step(generator, optimizer, 2, jit_compile=False)
    seed = tf.constant([0, 3], tf.int64)
    losses = [float(step(stack, seed)) for _ in range(60)]
    assert losses[-1] < 0.5 * losses[0]
    assert np.all(np.isfinite(losses))


def test_only_stargan_proofs(tmp_path, parse_flags):
    parse_flags(f"--out={tmp_path}")
    with pytest.raises(app.UsageError, match="not a StarGAN proof"):
        supervised.run_supervised("cyclegan", tmp_path)


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.long
def test_two_steps_end_to_end(tmp_path, parse_flags, tmp_path_factory):
    fashion_dir = prepared_fashion_mnist(tmp_path_factory)
    out = tmp_path / "out"
    parse_flags(
        "--proofs=stargan_inverted",
        "--steps=2",
        "--eval_examples=20",
        f"--data_dir={fashion_dir}",
        f"--out={out}",
        "--nojit_compile",
    )
    supervised.main(["stargan_supervised"])

    [line] = (out / "results.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert record["proof"] == "stargan_inverted_supervised" and record["step"] == 2
    assert record["metrics"]["examples"] == record["untrained"]["examples"] == 20
    assert set(record["verdict"]["baselines"]) == {"untrained", "identity", "mean"}
    own = record["metrics"]["l1_matrix"][0][0]  # G(x, s) against x: the own-domain error
    assert 0 < own < 1
    assert (out / "stargan_inverted_supervised.png").stat().st_size > 0
    assert "benchmarks/stargan_supervised.py" in record["command"]
    assert "| stargan_inverted_supervised | off | 2 |" in (out / "results.md").read_text()
