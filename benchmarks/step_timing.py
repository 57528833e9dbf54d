"""Timing a model's compiled training step on a fixed batch, several forms interleaved: what
the speed benchmarks of single steps share (`augment_speed`, `stylegan_speed`,
`pggan_speed`). CPU timings vary with the machine's load, so forms are timed in turn within
each round and compared by their medians."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Any


def prepared_step(model, real) -> tuple[tuple[Callable, Iterator], float]:
    """`model`'s train function and an endless iterator of the batch `real`, traced by one
    step; and that first step's seconds (the trace)."""
    import tensorflow as tf

    model.make_train_function()
    batches = iter(tf.data.Dataset.from_tensors(real).repeat())
    begin = time.perf_counter()
    model.train_function(batches)
    return (model.train_function, batches), time.perf_counter() - begin


def interleaved_rates(
    steps: Mapping[Hashable, tuple[Callable, Iterator]],
    rounds: int,
    count: int,
    report: Callable[[int, Any, float], None] | None = None,
) -> dict[Hashable, float]:
    """The median steps/s of each prepared step over `rounds` rounds of `count` steps, the
    forms in turn within a round; `report(round, key, rate)` after each timing."""
    rates: dict[Hashable, list[float]] = {key: [] for key in steps}
    for round_index in range(rounds):
        for key, (function, batches) in steps.items():
            begin = time.perf_counter()
            for _ in range(count):
                function(batches)
            rates[key].append(count / (time.perf_counter() - begin))
            if report is not None:
                report(round_index, key, rates[key][-1])
    return {key: statistics.median(values) for key, values in rates.items()}
