"""A real full disk under PostgreSQL: a throwaway server whose paperfeed database lives in a
tablespace on a small tmpfs, filled until PostgreSQL answers 53100 (disk_full). The worker logs,
backs off and carries on; `/healthz` says "full"; a reader's write gets the 503 "read-only" page
and an API client the JSON 503, never a 500 or a 429; reading still works. Once the tmpfs is
grown (as an operator grows a volume), writes work again with nothing restarted.

Needs root (to mount) and PostgreSQL's binaries; skips with a message otherwise."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.db import connection

from paperfeed.accounts.services import token_create
from tests.core.test_flows import Worker, _env, _wait
from tests.factories import PaperFactory, UserFactory
from tests.helpers import free_port

pytestmark = pytest.mark.postgresql

# Small, so that filling it takes a moment; big enough for the empty schema (about 3 MB).
TMPFS_MB = 12


def _pg_bin() -> Path | None:
    """PostgreSQL's binaries as .ci/run finds them (PG_BIN in the environment wins)."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    return found[-1].parent if found else None


def _as_postgres(argv: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; as anyone else, it runs as that user.
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _run(argv: list[str], **options: object) -> subprocess.CompletedProcess:
    done = subprocess.run(argv, capture_output=True, **options)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{argv[:5]}: {done.stderr[-2000:]!r}"
    return done


@dataclass
class FullDiskServer:
    url: str
    space: Path

    def psql(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute(sql)

    def fill(self) -> int:
        """Insert rows that do not compress until PostgreSQL says the disk is full."""
        import psycopg

        rows = 0
        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute("CREATE TABLE filler (x text)")
            for chunk in (500, 50, 1):
                while True:
                    try:
                        db.execute(
                            "INSERT INTO filler SELECT md5(random()::text) || repeat(md5(i::text),"
                            " 50) FROM generate_series(1, %s) AS i",
                            [chunk],
                        )
                    except psycopg.errors.DiskFull:
                        break
                    rows += chunk
        return rows

    def grow(self, megabytes: int) -> None:
        _run(
            ["mount", "-o", f"remount,size={megabytes}m", str(self.space)],
        )


@pytest.fixture
def full_disk_server() -> Iterator[FullDiskServer]:
    if connection.vendor != "postgresql":
        pytest.skip("the full-disk test runs on PostgreSQL: DATABASE_URL=postgres://…")
    pg_bin = _pg_bin()
    if pg_bin is None or not (pg_bin / "pg_ctl").exists():
        pytest.skip("no PostgreSQL binaries (set PG_BIN) to start a throwaway server")
    if shutil.which("runuser") is None and os.geteuid() == 0:
        pytest.skip("running as root without runuser: cannot start PostgreSQL")
    # Under /tmp itself: the postgres user cannot enter pytest's own (mode 700) folders.
    base = Path(tempfile.mkdtemp(prefix="paperfeed-fulldisk-"))
    space = base / "space"
    space.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_MB}m", "tmpfs", str(space)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs for the full disk: {mounted.stderr.strip()}")
    data = base / "data"
    port = free_port()
    started = False
    try:
        if os.geteuid() == 0:
            shutil.chown(base, "postgres")
            shutil.chown(space, "postgres")
        _run(
            _as_postgres(
                [str(pg_bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-N"]
            ),
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c autovacuum=off"
        )
        _run(
            _as_postgres(
                [str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w"]
                + ["-o", options, "start"]
            ),
        )
        started = True
        admin = f"postgres://postgres@127.0.0.1:{port}/postgres"
        server = FullDiskServer(url=f"postgres://postgres@127.0.0.1:{port}/paperfeed", space=space)
        FullDiskServer(url=admin, space=space).psql(f"CREATE TABLESPACE small LOCATION '{space}'")
        FullDiskServer(url=admin, space=space).psql("CREATE DATABASE paperfeed TABLESPACE small")
        # The test database as it stands (migrated, and the rows this test made), copied over:
        # much faster than migrating again.
        db = connection.settings_dict
        dump = _run(
            [
                str(pg_bin / "pg_dump"),
                "--no-owner",
                "--no-privileges",
                "-h",
                db["HOST"] or "localhost",
            ]
            + ["-p", str(db["PORT"] or 5432), "-U", db["USER"], db["NAME"]],
            env={**os.environ, "PGPASSWORD": db["PASSWORD"] or ""},
        )
        _run(
            [str(pg_bin / "psql"), "-q", "-v", "ON_ERROR_STOP=1", server.url],
            input=dump.stdout,
        )
        yield server
    finally:
        if started:
            subprocess.run(
                _as_postgres([str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                capture_output=True,
            )
        subprocess.run(["umount", "-l", str(space)], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


class Web:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "paperfeed", "web", "--bind", f"127.0.0.1:{self.port}"]
            + ["--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log.open("w"),
        )
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)

    def wait_ready(self) -> None:
        def answers() -> bool:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            with contextlib.suppress(httpx.TransportError):
                return self.client.get("/papers").status_code == 200
            return False

        _wait(answers, "the web server", 60)

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _subscribe(web: Web, email: str) -> httpx.Response:
    # The subscribe form takes no CSRF token (it sits on cached list pages).
    return web.client.post("/digest/subscribe", data={"email": email})


def _upvote(web: Web, arxiv_id: str, token: str) -> httpx.Response:
    return web.client.post(
        f"/api/papers/{arxiv_id}/upvote", headers={"Authorization": f"Bearer {token}"}
    )


@pytest.mark.django_db(transaction=True)
def test_a_full_disk_on_postgresql_is_told_and_survived(request, tmp_path):
    # Made before the copy, so they are in the full database.
    from paperfeed.papers.tasks import similar_build_task

    paper = PaperFactory()
    token = token_create(user=UserFactory(verified=True), name="full disk")
    task_id = similar_build_task.enqueue().id
    server: FullDiskServer = request.getfixturevalue("full_disk_server")
    rows = server.fill()
    assert rows > 0

    env = _env(tmp_path, server.url)
    env["PAPERFEED_THUMBNAILS"] = "false"
    web = Web(env, tmp_path / "web.log")
    worker = Worker(env, tmp_path / "worker.log")
    try:
        web.wait_ready()  # reading works on a full disk
        # The worker's first heartbeat is a new row, which needs a new page: disk full.
        _wait(lambda: "No space left on device" in worker.text(), "the worker's fault", 60)
        time.sleep(2)
        assert worker.alive(), worker.text()[-3000:]

        health = web.client.get("/healthz")
        assert health.status_code == 200, health.text
        assert health.json()["database"] == {
            "ok": False,
            "readable": True,
            "writable": False,
            "fault": "full",
        }
        page = _subscribe(web, "reader@example.org")
        assert page.status_code == 503, page.text[:2000]
        assert b"Read-only for a while" in page.content
        assert page.headers["Retry-After"].isdigit()
        api = _upvote(web, paper.arxiv_id, token)
        assert api.status_code == 503, api.text
        assert api.json()["reason"] == "full"
        assert web.client.get(f"/papers/{paper.arxiv_id}").status_code == 200

        server.grow(TMPFS_MB * 4)  # nothing restarted

        def writable() -> bool:
            return web.client.get("/healthz").json()["database"]["writable"]

        _wait(writable, "/healthz to see the space", 30)
        assert _subscribe(web, "reader@example.org").status_code in (200, 302, 303)
        assert _upvote(web, paper.arxiv_id, token).status_code in (200, 201)
        import psycopg

        def task_done() -> bool:
            with psycopg.connect(server.url) as db:
                row = db.execute(
                    "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = %s",
                    [task_id.replace("-", "")],
                ).fetchone()
            return row == ("SUCCESSFUL",)

        # The task queued before the disk filled is run (its first claim may have failed).
        _wait(task_done, "the worker to run the queued task", 60)
        assert worker.alive()
    finally:
        worker.process.terminate()  # both stop at once
        web.stop()
        worker.stop()
