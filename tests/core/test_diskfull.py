"""A real full disk under PostgreSQL: a throwaway server whose paperfeed database lives in a
tablespace on a small tmpfs, filled until PostgreSQL answers 53100 (disk_full). The worker logs,
backs off and carries on; `/healthz` says "full"; a reader's write gets the 503 "read-only" page
and an API client the JSON 503, never a 500 or a 429; reading still works. Once the tmpfs is
grown (as an operator grows a volume), writes work again with nothing restarted.

Needs root (to mount) and PostgreSQL's binaries; skips with a message otherwise."""

from __future__ import annotations

import contextlib
import os
import re
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
from aiosmtpd.controller import Controller
from django.db import connection

from paperfeed.accounts.services import token_create
from paperfeed.core.liveness import this_host
from tests.core.test_flows import Worker, _env, _paperfeed, _wait
from tests.digests.conftest import Sink
from tests.factories import SubscriberFactory, UserFactory, catalogue_paper
from tests.helpers import free_port

# argon2: the member signs in to a separate web process, which knows only the real hashers.
pytestmark = [pytest.mark.postgresql, pytest.mark.argon2]

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
                [
                    str(pg_bin / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(base / "log"),
                    "-w",
                    "-o",
                    options,
                    "start",
                ]
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
                "-p",
                str(db["PORT"] or 5432),
                "-U",
                db["USER"],
                db["NAME"],
            ],
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
            [
                sys.executable,
                "-m",
                "paperfeed",
                "web",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
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


def _csrf(web: Web, path: str) -> str:
    page = web.client.get(path)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found is not None, page.text[:2000]
    return found.group(1)


def _sign_in(web: Web, username: str) -> httpx.Response:
    """A reader signing in: a new session row."""
    web.client.cookies.clear()
    token = _csrf(web, "/accounts/login")
    return web.client.post(
        "/accounts/login",
        data={"username": username, "password": "correct horse battery"},
        headers={"X-CSRFToken": token, "Referer": f"http://127.0.0.1:{web.port}/accounts/login"},
    )


def _upvote(web: Web, arxiv_id: str, token: str) -> httpx.Response:
    """An API client's write: a new upvote row."""
    return web.client.post(
        f"/api/papers/{arxiv_id}/upvote", headers={"Authorization": f"Bearer {token}"}
    )


def _site_in_use() -> tuple[str, str, str]:
    """What a running site has before its disk fills: a featured paper, a member with an API
    token, a subscriber whose digest is queued with the task that sends it, and the row of
    /healthz's own write (load balancers probe all the time). Returns (paper, user, token)."""
    from django.utils import timezone

    from paperfeed.core.models import Heartbeat
    from paperfeed.digests import outbox
    from paperfeed.digests.tasks import send_due_digests

    paper = catalogue_paper("2601.00001", featured_on=timezone.localdate(), featured_upvotes=3)
    user = UserFactory(verified=True)
    token = token_create(user=user, name="full disk")
    SubscriberFactory()
    assert outbox.deliveries_enqueue(force=True, frequency="daily") == 1
    send_due_digests.enqueue()
    name, now = f"healthz:{this_host()}", timezone.now()
    Heartbeat.objects.create(name=name, host=name[8:], pid=0, started_at=now, beat_at=now)
    return paper.arxiv_id, user.username, token


SEND_DIGESTS = "from paperfeed.digests.tasks import send_due_digests; send_due_digests.enqueue()"


@pytest.mark.django_db(transaction=True)
def test_a_full_disk_on_postgresql_is_told_and_survived(request, tmp_path):
    import psycopg

    arxiv_id, username, token = _site_in_use()  # before the copy: in the full database
    server: FullDiskServer = request.getfixturevalue("full_disk_server")
    assert server.fill() > 0

    def delivery_states() -> list[str]:
        with psycopg.connect(server.url) as db:
            return [row[0] for row in db.execute("SELECT state FROM digests_delivery")]

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = _env(tmp_path, server.url)
    env.update(
        PAPERFEED_THUMBNAILS="false",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(controller.port),
        PAPERFEED_SITE_URL="http://127.0.0.1",
    )
    web = Web(env, tmp_path / "web.log")
    worker = Worker(env, tmp_path / "worker.log")
    try:
        web.wait_ready()  # reading works on a full disk
        # The queued digest run: its message, stored before sending, needs a new page.
        _wait(lambda: "No space left on device" in worker.text(), "the worker's fault", 60)
        _wait(lambda: delivery_states() == ["pending"], "the digest back in the queue", 10)
        time.sleep(1)
        assert worker.alive(), worker.text()[-3000:]
        assert sink.messages == []

        health = web.client.get("/healthz")
        assert health.status_code == 200, health.text
        assert health.json()["database"] == {
            "ok": False,
            "readable": True,
            "writable": False,
            "fault": "full",
        }
        page = _sign_in(web, username)
        assert page.status_code == 503, page.text[:2000]
        assert "Read-only for a while" in page.text
        assert page.headers["Retry-After"].isdigit()
        api = _upvote(web, arxiv_id, token)
        assert api.status_code == 503, api.text
        assert api.json()["reason"] == "full"
        assert web.client.get(f"/papers/{arxiv_id}").status_code == 200

        server.grow(TMPFS_MB * 4)  # nothing restarted

        def writable() -> bool:
            return web.client.get("/healthz").json()["database"]["writable"]

        _wait(writable, "/healthz to see the space", 30)
        again = _sign_in(web, username)
        assert again.status_code == 302, re.sub(r"\s+", " ", again.text)[-2500:]
        assert _upvote(web, arxiv_id, token).status_code in (200, 201)
        _paperfeed(env, "shell", "-c", SEND_DIGESTS)  # the scheduler's next slot
        _wait(lambda: delivery_states() == ["sent"], "the digest to be sent", 60)
        assert len(sink.messages) == 1
        assert worker.alive()
    finally:
        worker.process.terminate()  # both stop at once
        web.stop()
        worker.stop()
        controller.stop()
