"""tests/conftest.py: the order a run starts its tests in."""

from __future__ import annotations

import pytest

from tests.conftest import collection_rank


def test_the_slow_tests_then_the_long_ones_start_first(request: pytest.FixtureRequest) -> None:
    # In a whole run: the slow tests (0), then the long ones (1), then the rest (2).
    ranks = [collection_rank(item) for item in request.session.items]
    assert ranks == sorted(ranks)
    assert collection_rank(request.node) == 2
