"""The web worker's collector (core/workergc.py): long-lived objects frozen once loaded and once
warm; what requests make later is still collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from paperfeed.core.workergc import WARM_REQUESTS, FrozenAfterWarmUp
from tests.helpers import served_wsgi_module


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _app(calls: list[str]):
    def application(environ, start_response):
        calls.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    return application


def _request(app, path: str = "/") -> list[bytes]:
    return list(app({"PATH_INFO": path}, lambda status, headers: None))


def test_frozen_when_loaded_and_again_when_warm_and_the_answers_are_the_app_s() -> None:
    calls: list[str] = []
    app = FrozenAfterWarmUp(_app(calls), 3)
    loaded = gc.get_freeze_count()
    assert loaded > 0
    kept = [_Node() for _ in range(50)]  # made by the first requests, alive for the worker's life
    assert _request(app, "/a") == [b"ok"]
    assert _request(app, "/b") == [b"ok"]
    # A frozen object that dies leaves the count (another thread's, a connection's), so "not
    # frozen again" is "not grown": a freeze would add at least the kept nodes.
    assert gc.get_freeze_count() <= loaded  # not yet warm
    _request(app, "/c")
    warm = gc.get_freeze_count()
    assert warm >= loaded + len(kept)
    for _ in range(5):
        _request(app)
    assert gc.get_freeze_count() <= warm  # once warm, never again
    assert app.served == 4  # and it stops counting
    assert calls == ["/a", "/b", "/c", "/", "/", "/", "/", "/"]


def test_a_cycle_made_after_the_freeze_is_still_collected() -> None:
    app = FrozenAfterWarmUp(_app([]), 1)
    _request(app)
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    del first, second
    assert gone() is not None  # only the cycle collector frees a cycle
    gc.collect()
    assert gone() is None


def test_the_site_s_wsgi_application_is_frozen_after_warm_up() -> None:
    wsgi = served_wsgi_module()

    # Behind the replay of kept anonymous answers (core/replay.py), which run no Python of
    # the site's and so neither count toward the warm-up nor need it.
    frozen = wsgi.application.application
    assert isinstance(frozen, FrozenAfterWarmUp)
    assert frozen.warm_requests == WARM_REQUESTS
