"""The rate-limit counters are exact when several processes count one key at once, on the
database table (SQLite or PostgreSQL, whichever the suite runs on) and on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import pytest
from django.core.cache import caches
from django.db import connection

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
def test_one_limit_counted_by_several_processes_on_the_database_is_exact():
    allowed = _allowed_across_processes({"DATABASE_URL": _database_url(), "REDIS_URL": ""})
    # 160 attempts at a limit of 50: a lost increment would let more than 50 through.
    assert allowed == LIMIT


@pytest.mark.django_db(transaction=True)
def test_one_limit_counted_by_several_processes_on_redis_is_exact(redis_url):
    allowed = _allowed_across_processes({"DATABASE_URL": _database_url(), "REDIS_URL": redis_url})
    assert allowed == LIMIT


@pytest.mark.django_db
def test_incr_counts_from_the_stored_value_and_refuses_a_missing_or_expired_key():
    store = caches["limits"]
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


@pytest.mark.django_db
def test_add_wins_only_over_a_missing_or_expired_key(monkeypatch):
    store = caches["limits"]
    assert store.add("k", 1, 60)
    assert not store.add("k", 7, 60)
    assert store.get("k") == 1
    store.set("old", 1, -1)
    assert store.add("old", 2, 60)
    assert store.get("old") == 2
    assert store.add("forever", 3, None)
    assert store.get("forever") == 3


@pytest.mark.django_db
def test_add_now_and_then_deletes_expired_rows(monkeypatch):
    from paperfeed.core import cachebackends

    store = caches["limits"]
    store.set("gone", 1, -1)
    store.add("live", 1, 60)
    monkeypatch.setattr(cachebackends.random, "random", lambda: 0.0)
    store.add("another", 1, 60)
    table = connection.ops.quote_name("paperfeed_limits")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        assert cursor.fetchone()[0] == 2
