"""tests/conftest.py: the order a run starts its tests in."""

from __future__ import annotations

import pytest

from tests.conftest import collection_rank


def test_the_slow_tests_then_the_long_ones_start_first(request: pytest.FixtureRequest) -> None:
    # In a whole run: the slow tests (0), then the long ones (1), then the rest (2).
    ranks = [collection_rank(item) for item in request.session.items]
    assert ranks == sorted(ranks)
    assert collection_rank(request.node) == 2


def test_a_rate_limit_window_does_not_end_inside_a_test(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real clock moves to the last second of a minute-window and past its edge: the window
    # django-ratelimit counts in is the one the test started in.
    import time

    from django_ratelimit.core import _get_window

    start = _get_window("key", 60)
    real = time.time()
    for moved in (real + 60, real + 3600):
        monkeypatch.setattr(time, "time", lambda moved=moved: moved)
        assert _get_window("key", 60) == start
