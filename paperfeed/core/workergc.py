"""The cyclic garbage collector in a web worker: the objects a warmed-up worker keeps for its
whole life (Django, the URL resolvers, templates, compiled queries) are frozen out of its
collections.

A web worker's heap after its first requests holds ~175,000 tracked objects that live as long as
the process. CPython's oldest-generation collection walks all of them: 200-300 ms at a time on
this machine's 1 M catalogue, in the middle of one request, while every request queued behind
that worker waits (bench/signed_in_tail.py saw one per ~2,000 requests, the largest wait of
any; the younger collections spend ~4 % of the worker's CPU re-walking the same survivors).
``gc.freeze()`` moves every object alive at that moment into a generation no collection walks;
objects made later are collected as before, so a cycle made by a request is still freed.

The worker freezes twice: when the application is loaded (what the import made, after a full
collection: no request waits for it), and once its first :data:`WARM_REQUESTS` requests have
built what is kept per process (cached resolvers, template loaders, compiled queries). The
second freeze collects nothing first, as a full collection then is the very pause this avoids:
a cycle that is garbage at that moment (a request's leftovers) stays in memory for the worker's
life, a few kilobytes once.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from typing import Any

# Requests after which a worker's long-lived objects are made (each distinct page type once or
# a few times over); at ~3 ms a request, well under a second of a busy worker.
WARM_REQUESTS = 200


def settle(*, collect: bool = True) -> None:
    """Keep every object alive now out of later collections (after freeing what is garbage,
    unless ``collect`` is false)."""
    if collect:
        gc.collect()
    gc.freeze()


class FrozenAfterWarmUp:
    """A WSGI application that calls :func:`settle` when made and again (without collecting)
    before request number ``warm_requests``; after that it no longer counts."""

    def __init__(self, application: Callable[..., Iterable[bytes]], warm_requests: int) -> None:
        self.application = application
        self.warm_requests = warm_requests
        self.served = 0
        settle()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.served <= self.warm_requests:
            self.served += 1
            if self.served == self.warm_requests:
                settle(collect=False)
        return self.application(environ, start_response)
