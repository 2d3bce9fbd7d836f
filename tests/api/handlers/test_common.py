"""Anonymous reads of /api/daily_papers and /api/papers/{id} are served from cached JSON bytes;
those bytes must be exactly what ninja itself renders for a fresh (authenticated) request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from paperfeed.accounts.services import token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _counting(sql: str) -> bool:
    return "paperfeed_limits" in sql or sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))


PATHS = [
    "/api/daily_papers",
    "/api/daily_papers?date=2025-03-11",
    "/api/daily_papers?week=2025-W11&limit=1",
    "/api/daily_papers?month=2025-03&sort=trending",
    "/api/papers/2503.00001",
    "/api/papers/2503.00005",
]


@pytest.mark.parametrize("path", PATHS)
def test_cached_bytes_equal_what_ninja_renders(client, catalogue, path):
    token = token_create(user=UserFactory(verified=True), name="test")
    fresh = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    first = client.get(path)  # builds and caches the bytes
    with CaptureQueriesContext(connection) as queries:
        again = client.get(path)  # served from the cache
    # Nothing but the rate limit's counter, which is in the database on PostgreSQL without
    # Redis (settings: CACHES["limits"]); on SQLite it is a file of its own: no query at all.
    assert [q["sql"] for q in queries if not _counting(q["sql"])] == []
    if connection.vendor == "sqlite":
        assert len(queries) == 0
    assert fresh.status_code == first.status_code == again.status_code == 200
    assert first.content == again.content == fresh.content
    assert first["Content-Type"] == fresh["Content-Type"]
    assert first.get("Link") == again.get("Link") == fresh.get("Link")


def test_the_next_link_survives_the_cache(client, catalogue):
    first = client.get("/api/daily_papers?limit=1")
    again = client.get("/api/daily_papers?limit=1")
    assert 'rel="next"' in first["Link"]
    assert again["Link"] == first["Link"]
    assert len(again.json()) == 1


def test_a_missing_paper_is_not_cached_as_found(client, catalogue):
    assert client.get("/api/papers/2503.09999").status_code == 404
    assert client.get("/api/papers/2503.09999").status_code == 404
    assert client.get("/api/papers/2503.00001").status_code == 200
