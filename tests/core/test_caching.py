"""The shared copy of anonymous reads (paperfeed/core/caching.py): fresh, stale while one
request rebuilds it, and the page wrapper built on it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from paperfeed.core import caching


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(caching.time, "time", fake.time)
    return fake


def test_a_fresh_copy_is_served_and_a_missing_one_is_built(clock):
    assert caching.copy_lookup("k") == (None, True)
    caching.copy_store("k", "v1", 5)
    clock.now += 4.9
    assert caching.copy_lookup("k") == ("v1", False)


def test_a_stale_copy_is_rebuilt_by_one_request_while_the_others_get_it(clock):
    caching.copy_store("k", "v1", 5)
    clock.now += 6
    assert caching.copy_lookup("k") == ("v1", True)  # this one rebuilds
    assert caching.copy_lookup("k") == ("v1", False)  # the others are served the stale copy
    assert caching.copy_lookup("k") == ("v1", False)
    caching.copy_store("k", "v2", 5)
    assert caching.copy_lookup("k") == ("v2", False)
    clock.now += 6
    assert caching.copy_lookup("k") == ("v2", True)  # the lock went with the rebuild


def test_a_value_of_another_shape_under_the_key_is_a_miss(clock):
    cache.set("k", (200, "text/html", b"an old-format copy"), 60)
    assert caching.copy_lookup("k") == (None, True)


def test_the_page_wrapper_builds_once_per_interval_and_serves_stale_during_a_rebuild(
    clock, settings
):
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 5
    builds = []

    @caching.cached_for_anonymous
    def view(request):
        builds.append(1)
        return HttpResponse(f"page {len(builds)}")

    def get():
        request = RequestFactory().get("/papers")
        request.user = AnonymousUser()
        return view(request).content

    assert get() == b"page 1"
    assert get() == b"page 1" and len(builds) == 1
    clock.now += 6
    # Another request is rebuilding (it holds the lock): this one is served the stale page.
    request = RequestFactory().get("/papers")
    request.user = AnonymousUser()
    page_key = caching.anonymous_copy_key(request, "page:")
    assert page_key is not None
    assert cache.add(page_key + ":rebuild", 1, 10)
    assert get() == b"page 1" and len(builds) == 1
    cache.delete(page_key + ":rebuild")
    assert get() == b"page 2" and len(builds) == 2
    assert get() == b"page 2" and len(builds) == 2


def test_shared_copy_builds_once_keeps_nothing_for_none_and_lets_the_lock_go_on_failure(clock):
    builds = []

    def build():
        builds.append(1)
        return f"v{len(builds)}"

    assert caching.shared_copy("k", 5, build) == "v1"
    assert caching.shared_copy("k", 5, build) == "v1" and len(builds) == 1
    clock.now += 6

    def broken():
        raise RuntimeError("the page failed")

    with pytest.raises(RuntimeError):
        caching.shared_copy("k", 5, broken)
    # The failed rebuild let the lock go: the next request rebuilds, not waits 10 s.
    assert caching.shared_copy("k", 5, build) == "v2"
    assert caching.shared_copy("n", 5, lambda: None) is None
    assert caching.copy_lookup("n") == (None, True)  # None was not kept


def _workers(workers, builds, monkeypatch, key, *, across=False):
    """serve(n): the copy under ``key`` as web process n (its cache ``workers[n]``) gets it, a
    build recording n in ``builds``."""

    def serve(worker: int) -> str:
        def build() -> str:
            builds.append(worker)
            return f"v{len(builds)}"

        monkeypatch.setattr(caching, "cache", workers[worker])
        return caching.shared_copy(key, 5, build, across=across)

    return serve


@pytest.mark.django_db(transaction=True)
def test_with_the_database_cache_two_workers_build_a_page_once_per_interval(clock, monkeypatch):
    from django.core.cache.backends.db import DatabaseCache
    from django.core.management import call_command

    call_command("createcachetable", "paperfeed_cache", verbosity=0)
    # Two cache clients on one table, as two web processes (or hosts) see the shared cache.
    workers = [DatabaseCache("paperfeed_cache", {}), DatabaseCache("paperfeed_cache", {})]
    workers[0].clear()
    # The database cache's own expiry reads the same (patched) clock: start it at today.
    clock.now = datetime.now(UTC).timestamp()
    builds: list[int] = []
    serve = _workers(workers, builds, monkeypatch, "page:k")

    assert serve(0) == "v1"
    assert serve(1) == "v1" and builds == [0]  # the other worker reads the first one's copy
    clock.now += 6
    monkeypatch.setattr(caching, "cache", workers[0])
    assert caching.copy_lookup("page:k") == ("v1", True)  # worker 0 rebuilds
    assert serve(1) == "v1" and builds == [0]  # worker 1 is served the stale copy meanwhile
    workers[0].delete("page:k:rebuild")
    monkeypatch.setattr(caching, "cache", workers[0])
    caching.copy_store("page:k", "v2", 5)
    assert serve(1) == "v2" and serve(0) == "v2" and builds == [0]
    workers[0].clear()


def test_copies_kept_across_processes_are_built_once_per_interval_for_all(clock, monkeypatch):
    """With each process's own cache (locmem), a copy kept ``across`` processes is built once
    per interval for every process of the host: a process whose own copy is stale or missing
    takes another's fresh one from the shared file, or builds it for all under the file's lock
    while the others serve a stale copy; its freshness stays the builder's."""
    from django.core.cache.backends.locmem import LocMemCache

    shared = caching.across_store()
    assert shared is not None and type(shared).__name__ == "SQLiteFileCache"
    workers = [LocMemCache("worker-0", {}), LocMemCache("worker-1", {})]
    builds: list[int] = []
    serve = _workers(workers, builds, monkeypatch, "members:k", across=True)

    assert serve(0) == "v1"
    assert serve(1) == "v1" and builds == [0]  # worker 1 took worker 0's copy from the file
    clock.now += 6
    assert serve(1) == "v2" and builds == [0, 1]  # stale: one worker builds, for both
    assert serve(0) == "v2" and builds == [0, 1]
    clock.now += 4.9
    assert serve(0) == "v2" and builds == [0, 1]
    clock.now += 0.2  # the taken copy went stale when the builder's did: the bound holds
    assert shared.add("members:k:rebuild", 1, 10)  # another process is building it
    assert serve(0) == "v2" and serve(1) == "v2" and builds == [0, 1]  # stale meanwhile
    shared.delete("members:k:rebuild")
    assert serve(0) == "v3" and serve(1) == "v3" and builds == [0, 1, 0]
    # Copies not asked for across processes stay each process's own, as before.
    assert caching.shared_copy("page:k", 5, lambda: "own") == "own"
    assert shared.get("page:k") is None and shared.get("members:k") is not None


def test_an_unusable_shared_file_leaves_each_process_its_own_copies(clock, settings, tmp_path):
    settings.CACHES = {
        **settings.CACHES,
        "bodies": {**settings.CACHES["bodies"], "LOCATION": str(tmp_path / "no" / "such.db")},
    }
    assert caching.shared_copy("members:k", 5, lambda: "v1", across=True) == "v1"
    assert caching.shared_copy("members:k", 5, lambda: "v2", across=True) == "v1"
    clock.now += 6
    assert caching.shared_copy("members:k", 5, lambda: "v3", across=True) == "v3"


def test_without_the_shared_file_copies_across_processes_are_each_processs_own(clock, settings):
    settings.CACHES = {name: c for name, c in settings.CACHES.items() if name != "bodies"}
    assert caching.across_store() is None
    assert caching.shared_copy("members:k", 5, lambda: "v1", across=True) == "v1"
    cache.clear()
    assert caching.shared_copy("members:k", 5, lambda: "v2", across=True) == "v2"


def test_a_kept_body_read_shared_is_the_one_another_process_renewed(clock, monkeypatch):
    """Each process's cache gives a reader (``fresh_copy(shared=True)``) the copy it decoded
    once; when another process's newer copy is taken from the shared file, or this process
    builds one, the reader gets that one at once, never the decoded old one."""
    from paperfeed.core.cachebackends import ProcessCache

    workers = [ProcessCache("shared-worker-0", {}), ProcessCache("shared-worker-1", {})]
    builds: list[int] = []
    serve = _workers(workers, builds, monkeypatch, "members:shared", across=True)

    def read(worker: int) -> object:
        monkeypatch.setattr(caching, "cache", workers[worker])
        return caching.fresh_copy("members:shared", shared=True)

    assert serve(0) == "v1" and serve(1) == "v1"
    first = read(1)
    assert first == "v1" and read(1) is first  # decoded once
    clock.now += 6
    assert serve(0) == "v2"  # worker 0 builds the next interval's copy for both
    assert read(1) is None  # worker 1's own copy is stale: not served as fresh
    assert serve(1) == "v2" and read(1) == "v2"  # taken from the file: the new one
    assert read(0) == "v2"
