"""The rate-limit counters are exact when several processes count one key at once, on the
store the suite's database gets by default (the counter file beside SQLite, the table in
PostgreSQL) and on Redis; and both database stores keep a cache's promises."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import time
import uuid
import weakref

import pytest
from django.db import connection

from paperfeed.core.cachebackends import CounterDatabaseCache, SQLiteFileCache
from tests.conftest import REPO

PROCESSES = 4
ATTEMPTS = 40
LIMIT = 50

# One process: wait for the common start, then ask the limit ATTEMPTS times as one client.
_HAMMER = """
import os, sys, time
import django
django.setup()
from django.test import RequestFactory
from paperfeed.core.ratelimits import limited
group, rate, attempts, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
factory = RequestFactory()
time.sleep(max(0.0, start - time.time()))
allowed = sum(
    not limited(factory.post("/", REMOTE_ADDR="203.0.113.7"), group=group, key="ip", rate=rate)
    for _ in range(attempts)
)
print(allowed)
"""


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (
        f"postgres://{settings['USER']}{password}@{settings['HOST']}:{settings['PORT']}"
        f"/{settings['NAME']}"
    )


def _allowed_across_processes(env: dict[str, str]) -> int:
    group = f"hammer-{uuid.uuid4().hex}"
    start = time.time() + 4  # every child imported Django and waits: they count at once
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _HAMMER, group, f"{LIMIT}/d", str(ATTEMPTS), str(start)],
            cwd=REPO,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "paperfeed.settings", **env},
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    outputs = [child.communicate(timeout=180)[0] for child in children]
    assert all(child.returncode == 0 for child in children), outputs
    return sum(int(out.strip()) for out in outputs)


@pytest.mark.django_db(transaction=True)
def test_one_limit_counted_by_several_processes_on_the_default_store_is_exact():
    allowed = _allowed_across_processes({"DATABASE_URL": _database_url(), "REDIS_URL": ""})
    # 160 attempts at a limit of 50: a lost increment would let more than 50 through.
    assert allowed == LIMIT


@pytest.mark.django_db(transaction=True)
def test_one_limit_counted_by_several_processes_on_redis_is_exact(redis_url):
    allowed = _allowed_across_processes({"DATABASE_URL": _database_url(), "REDIS_URL": redis_url})
    assert allowed == LIMIT


@pytest.fixture(params=["database", "sqlite-file"])
def store(request, tmp_path):
    """Each counter store, fresh: the table in the suite's database, and a counter file."""
    if request.param == "database":
        request.getfixturevalue("db")
        # Fresh: the table may hold counters that earlier transactional tests of this worker
        # committed and that have expired since; a purge deleting them failed the row counts
        # below whenever such a test ran first (the test's transaction restores them).
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM paperfeed_limits")
        return CounterDatabaseCache("paperfeed_limits", {"KEY_PREFIX": uuid.uuid4().hex})
    return SQLiteFileCache(str(tmp_path / "limits.sqlite3"), {})


def _rows(store) -> int:
    if isinstance(store, SQLiteFileCache):
        return store.rows()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM paperfeed_limits")
        return cursor.fetchone()[0]


def test_incr_counts_from_the_stored_value_and_refuses_a_missing_or_expired_key(store):
    store.add("k", 5, 60)
    assert store.incr("k") == 6
    assert store.incr("k", 4) == 10
    assert store.decr("k") == 9
    assert store.get("k") == 9
    with pytest.raises(ValueError):
        store.incr("missing")
    store.set("old", 1, -1)
    with pytest.raises(ValueError):
        store.incr("old")


def test_add_wins_only_over_a_missing_or_expired_key(store):
    assert store.add("k", 1, 60)
    assert not store.add("k", 7, 60)
    assert store.get("k") == 1
    store.set("old", 1, -1)
    assert store.add("old", 2, 60)
    assert store.get("old") == 2
    assert store.add("forever", 3, None)
    assert store.get("forever") == 3


def test_add_now_and_then_deletes_expired_rows(store, monkeypatch):
    from paperfeed.core import cachebackends

    store.set("gone", 1, -1)
    store.add("live", 1, 60)
    before = _rows(store)
    monkeypatch.setattr(cachebackends.random, "random", lambda: 0.0)
    store.add("another", 1, 60)
    assert _rows(store) == before  # "gone" went, "another" came
    assert store.get("live") == 1 and store.get("gone") is None


def test_the_counter_file_keeps_any_value_and_forgets_on_delete(tmp_path):
    store = SQLiteFileCache(str(tmp_path / "limits.sqlite3"), {})
    store.set("when", 1234.5, 60)
    store.set("what", {"a": [1, 2]}, 60)
    assert store.get("when") == 1234.5
    assert store.get("what") == {"a": [1, 2]}
    assert store.has_key("when")
    with pytest.raises(ValueError):
        store.incr("what")  # not a counter
    assert store.touch("when", 120)
    assert store.delete("when")
    assert not store.has_key("when")
    store.clear()
    assert store.get("what") is None


def test_the_process_cache_decodes_an_entry_once_and_again_after_any_write(monkeypatch):
    from django.core.cache.backends import locmem

    from paperfeed.core.cachebackends import ProcessCache

    store = ProcessCache(f"decoded-{uuid.uuid4()}", {})
    store.set("body", ["piece", b"bytes"], 60)
    shared = store.get_shared("body")
    assert shared == ["piece", b"bytes"] and store.get_shared("body") is shared
    copy = store.get("body")
    assert copy == shared and copy is not shared  # get still gives each caller its own
    store.set("body", ["renewed"], 60)  # a rebuild, or another process's copy taken
    assert store.get_shared("body") == ["renewed"]
    store.delete("body")
    assert store.get_shared("body") is None and store.get_shared("body", "gone") == "gone"
    store.set("body", ["short"], 60)
    assert store.get_shared("body") == ["short"]
    now = time.time()
    monkeypatch.setattr(locmem.time, "time", lambda: now + 61)
    assert store.get_shared("body") is None  # expired
    store.set("body", ["again"], 60)
    store.clear()
    assert store.get_shared("body") is None


class _Body:
    """A kept body's stand-in that a weak reference can follow."""

    def __init__(self, text: str) -> None:
        self.text = text


def _released(store, key: str, end) -> bool:  # type: ignore[no-untyped-def]
    """Whether the value ``get_shared`` decoded for ``key`` is freed once ``end`` has ended
    the entry and nobody else holds it."""
    seen = weakref.ref(store.get_shared(key))
    end()
    gc.collect()
    return seen() is None


def test_a_decoded_value_leaves_with_its_entry(monkeypatch):
    """Deleted, expired or culled, an entry keeps no decoded copy alive beside the cache."""
    from django.core.cache.backends import locmem

    from paperfeed.core.cachebackends import ProcessCache

    store = ProcessCache(f"leaves-{uuid.uuid4()}", {"OPTIONS": {"MAX_ENTRIES": 9}})
    store.set("deleted", _Body("x"), 60)
    assert _released(store, "deleted", lambda: store.delete("deleted"))
    store.set("culled", _Body("x"), 60)

    def nine_others() -> None:  # the cache is full at nine: a third, least read first, goes
        for n in range(9):
            store.set(f"other-{n}", n, 60)

    assert _released(store, "culled", nine_others)
    assert store.get("culled") is None
    store.set("expired", _Body("x"), 60)
    now = time.time()

    def expire() -> None:
        monkeypatch.setattr(locmem.time, "time", lambda: now + 61)
        assert store.get("expired") is None  # a plain read finds it expired and deletes it

    assert _released(store, "expired", expire)


def test_a_body_read_often_stays_decoded_while_many_others_come_and_go(monkeypatch):
    """More bodies than the cache keeps (a large site's paper pages): the one read between
    them is decoded once, and the decoded copies never outnumber the entries."""
    import pickle

    from paperfeed.core.cachebackends import ProcessCache

    decoded: list[object] = []
    loads = pickle.loads
    monkeypatch.setattr(pickle, "loads", lambda data: decoded.append(data) or loads(data))
    store = ProcessCache(f"hot-{uuid.uuid4()}", {"OPTIONS": {"MAX_ENTRIES": 30}})
    store.set("hot", _Body("a list"), 600)
    hot = store.get_shared("hot")
    for n in range(300):
        store.set(f"paper-{n}", _Body(f"paper {n}"), 600)
        assert store.get_shared(f"paper-{n}").text == f"paper {n}"
        assert store.get_shared("hot") is hot
        assert len(store._decoded) <= len(store._cache)
    assert len(decoded) == 1 + 300


def test_every_thread_of_a_process_shares_the_decoded_values():
    """Django makes each thread its own instance of a cache (the threaded server of `paperfeed
    run`): they share the entries, and now the decoded values and their forgetting too."""
    from paperfeed.core.cachebackends import ProcessCache

    name = f"threads-{uuid.uuid4()}"
    store = ProcessCache(name, {})
    store.set("body", _Body("shared"), 60)
    first = store.get_shared("body")
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(ProcessCache(name, {}).get_shared("body")))
    thread.start()
    thread.join()
    assert seen == [first]
    ProcessCache(name, {}).set("body", _Body("renewed"), 60)  # another thread's rebuild
    assert store.get_shared("body").text == "renewed"
    assert _released(store, "body", lambda: ProcessCache(name, {}).delete("body"))


def test_the_default_cache_is_the_process_cache(settings):
    from django.core.cache import cache

    assert settings.CACHES["default"]["BACKEND"] == "paperfeed.core.cachebackends.ProcessCache"
    assert hasattr(cache, "get_shared")
