"""/healthz, and what a database error means."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from paperfeed.core import health
from paperfeed.core.liveness import heartbeat_beat, process_name
from paperfeed.core.models import Heartbeat
from paperfeed.papers.tasks import similar_build_task


def _wrapped(message: str) -> OperationalError:
    try:
        try:
            raise sqlite3.OperationalError(message)
        except sqlite3.OperationalError as inner:
            raise OperationalError(message) from inner
    except OperationalError as exc:
        return exc


@pytest.mark.parametrize(
    ("message", "fault"),
    [
        ("attempt to write a readonly database", health.READ_ONLY),
        ("database or disk is full", health.FULL),
        ("database is locked", health.LOCKED),
        ("disk I/O error", health.UNAVAILABLE),
        ("no such table: papers_paper", None),
        ('near "SELEC": syntax error', None),
    ],
)
def test_sqlite_errors_are_told_apart(message, fault):
    assert health.database_fault(_wrapped(message)) == fault


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__("error")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "fault"),
    [
        ("25006", health.READ_ONLY),
        ("53100", health.FULL),
        ("57P01", health.UNAVAILABLE),
        ("08006", health.UNAVAILABLE),
        ("23505", None),  # a unique violation is a bug, not an outage
    ],
)
def test_postgresql_errors_are_told_apart_by_sqlstate(sqlstate, fault):
    try:
        raise OperationalError("error") from _PgError(sqlstate)
    except OperationalError as exc:
        assert health.database_fault(exc) == fault


@pytest.mark.django_db
def test_healthz_reports_a_writable_database_a_fresh_worker_and_the_queue(client):
    heartbeat_beat(name=process_name(), started_at=timezone.now())
    similar_build_task.enqueue()
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert report["database"]["writable"] is True
    assert report["worker"]["alive"] == 1
    assert report["worker"]["last_heartbeat_age_seconds"] < 5
    assert report["queue"]["ready"] == 1
    assert report["outbox"]["relay_paused"] is False
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_healthz_costs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    heartbeat_beat(name=process_name(), started_at=timezone.now())
    client.get("/healthz")
    # A load balancer asks every few seconds: one query per part, not one per figure
    # (12 on SQLite, 3 of them its busy-timeout pragmas; 10 on PostgreSQL, 1 of them the new
    # page that proves there is room on disk).
    with django_assert_max_num_queries(12):
        assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_says_when_the_worker_stopped_beating(client):
    name = process_name()
    heartbeat_beat(name=name, started_at=timezone.now())
    Heartbeat.objects.filter(name=name).update(beat_at=timezone.now() - timedelta(minutes=10))
    report = client.get("/healthz").json()
    assert report["status"] == "degraded"
    assert report["worker"]["alive"] == 0
    assert report["worker"]["last_heartbeat_age_seconds"] >= 600


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_a_read_only_database_and_still_answers(client):
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET default_transaction_read_only = on")
    try:
        response = client.get("/healthz")
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA query_only = OFF")
            else:
                cursor.execute("SET default_transaction_read_only = off")
    assert response.status_code == 200  # readers can still be served
    report = response.json()
    assert report["status"] == "degraded"
    assert report["database"] == {
        "ok": False,
        "readable": True,
        "writable": False,
        "fault": health.READ_ONLY,
    }
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_quickly_when_another_process_holds_the_write_lock(client):
    import time

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL has row locks and no such wait")
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        response = client.get("/healthz")
        took = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert response.status_code == 200
    assert response.json()["database"]["fault"] == health.LOCKED
    assert took < health.HEALTH_BUSY_TIMEOUT_MS / 1000 + 3  # not the site's 30 s busy timeout
    # The site's own busy timeout is back for the requests that follow.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 30_000
