"""tests/leaks.py: what a test leaves running is found, named and ended; a clean test leaves
nothing to find."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import subprocess
import sys

import pytest
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from tests import leaks


@pytest.fixture
def short_grace(monkeypatch):
    monkeypatch.setattr(leaks, "GRACE_SECONDS", 0.2)


def test_a_child_left_running_is_named_and_ended(short_grace):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    found = leaks.leftovers()
    assert found == [
        f"a child process still running: pid {child.pid}: {child.args[0]} -c "
        "import time; time.sleep(60)"
    ]
    assert child.poll() is not None  # ended
    assert leaks.leftovers() == []


def test_a_child_that_ends_within_the_grace_is_not_a_leftover():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.5)"])
    assert leaks.leftovers() == []
    assert child.returncode == 0


def _sleep() -> None:
    import time

    time.sleep(60)


def test_a_multiprocessing_child_left_running_is_named_and_ended(short_grace):
    process = multiprocessing.get_context("spawn").Process(target=_sleep, name="left-behind")
    process.start()
    [found] = leaks.leftovers()
    assert found == f"a child process still running: pid {process.pid}: multiprocessing left-behind"
    assert not process.is_alive()


@pytest.mark.django_db(transaction=True)
def test_a_second_session_on_the_test_database_is_named_and_ended(short_grace):
    if connection.vendor != "postgresql":
        pytest.skip("sessions are checked on PostgreSQL; SQLite has none")
    import psycopg

    params = connection.settings_dict
    other = psycopg.connect(
        dbname=params["NAME"],
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        application_name="left-open",
    )
    other.execute("SELECT 42")
    [found] = leaks.leftovers()
    assert found.startswith(
        f"a session on the test database (pid {other.info.backend_pid}, left-open, idle"
    )
    assert "'SELECT 42'" in found and "held by this test process (threads: MainThread" in found
    with pytest.raises(psycopg.OperationalError):  # ended by the check
        other.execute("SELECT 1")
    other.close()
    assert leaks.leftovers() == []


@pytest.mark.django_db(transaction=True)
def test_the_test_process_own_connection_is_not_a_leftover():
    from paperfeed.papers.models import Paper

    assert not Paper.objects.exists()  # this test's own connection is open
    assert leaks.leftovers() == []


@pytest.mark.django_db(transaction=True)
def test_a_django_connection_the_thread_no_longer_reaches_is_named(short_grace, monkeypatch):
    """The leftovers of tests/digests/test_browser.py (S90): while an event loop runs in this
    thread, Django's ``connection`` is another wrapper, and the one made outside it is left."""
    if connection.vendor != "postgresql":
        pytest.skip("sessions are checked on PostgreSQL; SQLite has none")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # as the browser fixture does

    async def under_a_loop() -> BaseDatabaseWrapper:
        connections["default"].ensure_connection()
        return connections["default"]

    wrapper = asyncio.run(under_a_loop())
    assert wrapper is not connection._connections["default"]  # not the thread's own
    [found] = leaks.leftovers()
    assert f"(pid {wrapper.connection.info.backend_pid}, no application name, idle" in found
    assert "held by this test process (Django's 'default' connection made in MainThread; " in found
    with contextlib.suppress(Exception):  # ended by the check
        wrapper.close()
    assert leaks.leftovers() == []


def test_a_leftover_fails_its_test_unless_a_warning_is_asked_for(monkeypatch):
    monkeypatch.delenv("PAPERFEED_TEST_LEAKS", raising=False)
    with pytest.raises(pytest.fail.Exception, match="left running: a child"):
        leaks.report("left running: a child")
    monkeypatch.setenv("PAPERFEED_TEST_LEAKS", "warn")
    with pytest.warns(pytest.PytestWarning, match="left running: a child"):
        leaks.report("left running: a child")
