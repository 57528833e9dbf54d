import numpy as np

from benchmarks import step_timing


class CountingModel:
    """Stands for a Keras model: its train function records the batches it is given."""

    def __init__(self) -> None:
        self.seen = []
        self.train_function = None

    def make_train_function(self) -> None:
        self.train_function = lambda batches: self.seen.append(next(batches).numpy())


def test_the_prepared_step_has_run_once_on_the_fixed_batch():
    model = CountingModel()
    real = np.arange(6, dtype=np.float32).reshape(2, 3)
    (function, batches), seconds = step_timing.prepared_step(model, real)
    assert len(model.seen) == 1 and seconds >= 0
    function(batches)
    np.testing.assert_array_equal(model.seen[1], real)  # the same batch again


def test_forms_are_timed_in_turn_and_each_gets_its_median():
    calls = []
    steps = {key: (lambda _, key=key: calls.append(key), None) for key in ("a", "b")}
    reports = []
    rates = step_timing.interleaved_rates(steps, 3, 2, lambda r, k, rate: reports.append((r, k)))
    assert calls == ["a", "a", "b", "b"] * 3
    assert reports == [(r, k) for r in range(3) for k in ("a", "b")]
    assert set(rates) == {"a", "b"} and all(rate > 0 for rate in rates.values())
