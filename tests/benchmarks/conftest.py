"""Shared fixtures of the benchmark tests."""

import pytest
from absl import flags


@pytest.fixture
def parse_flags():
    """Parses the benchmarks' flags like `app.run` would, and unparses them afterwards."""

    def parse(*args: str) -> list[str]:
        return flags.FLAGS(["benchmark", *args])

    yield parse
    flags.FLAGS.unparse_flags()
