"""Real processes, used as operators use them: `paperfeed run` on every interface (a sign-up from
another machine's point of view, and its mail written to a file the log names), and `paperfeed
worker` against real database faults (it logs, backs off and carries on, and its work is still
done once the database is back)."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from paperfeed.core import serving
from tests import loopback
from tests.helpers import free_port

REPO = Path(__file__).resolve().parents[2]
EVERY = "0.0.0.0"  # noqa: S104 - every interface, the case under test


class _NotFound(loopback.QuietHandler):
    def do_GET(self) -> None:
        self.reply(404, b"not here")


@pytest.fixture
def sources_not_found() -> Iterator[dict[str, str]]:
    """arXiv, Hugging Face and GitHub on loopback, answering 404 at once: the daily tasks a
    fresh install schedules fail fast (an outage is retried with backoff for ~30 s a source,
    and the sign-up mail waits behind them in the worker's queue), and never the internet."""
    with loopback.serving(_NotFound) as url:
        yield {
            name: url
            for name in (
                "ARXIV_API_URL",
                "ARXIV_OAI_URL",
                "HF_API_URL",
                "ARXIV_PDF_URL",
                "GITHUB_API_URL",
            )
        }


@pytest.mark.long
@pytest.mark.sqlite_only  # it runs its own SQLite install whatever the suite's database
def test_sign_up_on_a_fresh_install_served_on_every_interface(tmp_path, sources_not_found):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PAPERFEED_", "EMAIL_"))
        and key not in {"DATABASE_URL", "ALLOWED_HOSTS", "SECRET_KEY"}
    }
    env.update(PYTHONPATH=str(REPO), PAPERFEED_DATA_DIR=str(tmp_path / "var"), LOG_LEVEL="INFO")
    env.update(sources_not_found)
    command = [sys.executable, "-m", "paperfeed"]
    subprocess.run([*command, "migrate", "-v0"], env=env, cwd=tmp_path, check=True, timeout=120)
    port = free_port()
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*command, "run", "--host", EVERY, "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    # What a browser on another machine would type, sent to this one.
    site = serving.served_url(EVERY, port)
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"Host": urlsplit(site).netloc}, timeout=10
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                form = client.get("/accounts/signup")
                break
            except httpx.TransportError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert form.status_code == 200  # the machine's own name is an allowed host
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert token is not None
        answer = client.post(
            "/accounts/signup",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": "ada",
                "email": "ada@example.org",
                "password1": "correct horse battery staple 15",
                "password2": "correct horse battery staple 15",
            },
        )
        assert answer.status_code in (200, 302), answer.text[:2000]
        mail_dir = tmp_path / "var" / "mail"
        while not list(mail_dir.glob("*.eml")):  # the worker thread sends it within seconds
            assert time.monotonic() < deadline + 60, log.read_text()
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
    [path] = mail_dir.glob("*.eml")
    mail = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert mail["To"] == "ada@example.org"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"{site}/accounts/verify/" in body  # the link points at the address served
    text = log.read_text()
    assert f"written to {path}" in text
    assert f"mails are written to {mail_dir}/" in text


ENQUEUE = (
    "from paperfeed.papers.tasks import similar_build_task; print(similar_build_task.enqueue().id)"
)
# A task that becomes due a few seconds from now: the worker claims it (a write) only then.
ENQUEUE_SOON = (
    "from datetime import timedelta; from django.utils import timezone; "
    "from paperfeed.papers.tasks import similar_build_task; "
    "print(similar_build_task.using(run_after=timezone.now() + timedelta(seconds=4))"
    ".enqueue().id)"
)


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    # A worker as deployed: no web worker's kept connection, which would keep writing into the
    # WAL of a file made read-only under it (paperfeed/wsgi.py sets it for gunicorn's workers).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "PAPERFEED_SQLITE_CONN_MAX_AGE")
    }
    env.update(
        PAPERFEED_DATA_DIR=str(tmp_path),
        DATABASE_URL=database_url,
        PAPERFEED_SCHEDULER="false",
        PAPERFEED_SQLITE_TIMEOUT="1",
        PAPERFEED_SIMILAR_AFTER_IMPORT="false",
    )
    return env


def _paperfeed(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "paperfeed", *args],
        env=env,
        check=True,
        timeout=180,
        capture_output=True,
        text=True,
    )
    # The last line: `shell` first says how many objects it imported.
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def _wait(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.2)


class Worker:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "paperfeed", "worker", "--interval", "0.2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def text(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def sqlite_site(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the SQLite file test runs on SQLite; the PostgreSQL one runs on PostgreSQL")
    path = tmp_path / "site.sqlite3"
    env = _env(tmp_path, f"sqlite:///{path}")
    _paperfeed(env, "migrate", "-v0")
    yield env, path


def _make_read_only(path: Path) -> Callable[[], None]:
    """Make the database file refuse writes; return how to undo it. root ignores file modes,
    so as root the file is made immutable (chattr +i), which binds root too."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        return lambda: path.chmod(0o644)
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: no way to make a file read-only for root")
    subprocess.run(["chattr", "+i", str(path)], check=True)
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


def _task_status(path: Path, task_id: str) -> str | None:
    with closing(sqlite3.connect(path)) as db:
        row = db.execute(
            "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = ?",
            [task_id.replace("-", "")],
        ).fetchone()
    return None if row is None else row[0]


def _beats(path: Path) -> int:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT COUNT(*) FROM core_heartbeat").fetchone()[0]


@pytest.mark.long
def test_the_worker_survives_a_read_only_database_file(sqlite_site, tmp_path):
    env, path = sqlite_site
    # Settle the WAL into the main file, so that the fault is the file's and nothing else.
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    worker = Worker(env, tmp_path / "worker.log")
    try:
        _wait(lambda: _beats(path) == 1, "the worker's first heartbeat")
        task_id = _paperfeed(env, "shell", "-c", ENQUEUE_SOON)
        with closing(sqlite3.connect(path)) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        undo = _make_read_only(path)
        try:
            # The task falls due: claiming it is a write, which the file refuses.
            _wait(lambda: "database read-only" in worker.text(), "the worker to log the fault")
            time.sleep(3)  # several failed claims and backoffs
            assert worker.alive(), worker.text()
        finally:
            undo()
        _wait(lambda: _task_status(path, task_id) == "SUCCESSFUL", "the task to run", 90)
        assert worker.alive()
        assert "trying again in" in worker.text()
    finally:
        worker.stop()


@pytest.mark.long
def test_the_worker_survives_a_locked_database(sqlite_site, tmp_path):
    env, path = sqlite_site
    worker = Worker(env, tmp_path / "worker.log")
    try:
        _wait(lambda: _beats(path) == 1, "the worker's first heartbeat")
        locker = sqlite3.connect(path, timeout=1, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            time.sleep(6)  # past the worker's 1 s busy timeout, several times
            assert worker.alive(), worker.text()
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        task_id = _paperfeed(env, "shell", "-c", ENQUEUE)
        _wait(lambda: _task_status(path, task_id) == "SUCCESSFUL", "the task to run", 90)
        assert worker.alive()
    finally:
        worker.stop()


@pytest.fixture
def postgres_site(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("set DATABASE_URL to a PostgreSQL server to run the PostgreSQL fault test")
    import psycopg

    name = f"pf_worker_{uuid.uuid4().hex[:8]}"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    site_url = url.rsplit("/", 1)[0] + f"/{name}"
    env = _env(tmp_path, site_url)
    try:
        _paperfeed(env, "migrate", "-v0")
        yield env, site_url
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.long
def test_the_worker_survives_postgresql_killing_its_connections(postgres_site, tmp_path):
    import psycopg

    env, url = postgres_site
    name = url.rsplit("/", 1)[1]

    def query(sql: str, *args: object) -> list[tuple]:
        with psycopg.connect(url, autocommit=True) as db:
            return db.execute(sql, args).fetchall()

    worker = Worker(env, tmp_path / "worker.log")
    try:
        _wait(lambda: query("SELECT COUNT(*) FROM core_heartbeat")[0][0] == 1, "a heartbeat")
        killed = 0
        for _ in range(3):  # as a PostgreSQL restart does to every client, three times over
            killed += len(
                query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    name,
                )
            )
            time.sleep(1.5)
        assert killed >= 1
        _wait(lambda: "database unavailable" in worker.text(), "the worker to log the fault")
        assert worker.alive(), worker.text()
        task_id = _paperfeed(env, "shell", "-c", ENQUEUE)
        _wait(
            lambda: (
                query(
                    "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = %s", task_id
                )
                == [("SUCCESSFUL",)]
            ),
            "the task to run",
            90,
        )
        assert worker.alive()
    finally:
        worker.stop()
