"""`paperfeed backup` and `paperfeed restore`, end to end: real commands in child processes, a
real site served from the original and from the restored copy, compared page by page."""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from paperfeed.core import backup
from tests.helpers import free_port

REPO = Path(__file__).resolve().parents[2]
WORDS = (
    "graph",
    "neural",
    "network",
    "transformer",
    "attention",
    "diffusion",
    "vision",
    "language",
    "robot",
    "policy",
    "reinforcement",
    "sparse",
    "mixture",
    "experts",
    "quantum",
    "retrieval",
    "benchmark",
    "protein",
    "folding",
    "speech",
)
PAGES = [
    "/papers/2603.00007",
    "/papers/2603.00031",
    "/search?q=diffusion+robot&mode=keyword",
    "/search?q=protein+folding+speech&mode=semantic",
    "/search?q=graph+attention&mode=hybrid",
    "/api/papers/2603.00007/similar",
    "/api/papers/search?q=quantum+retrieval",
    "/papers/new",
]


def _listing(path: Path) -> Path:
    rng = random.Random(15)
    lines = []
    for number in range(1, 61):
        words = rng.sample(WORDS, 8)
        lines.append(
            json.dumps(
                {
                    "id": f"2603.{number:05d}",
                    "categories": ["cs.CL"],
                    "pdf": f"https://arxiv.org/pdf/2603.{number:05d}",
                    "abs": f"https://arxiv.org/abs/2603.{number:05d}",
                    "authors": ["Ada Lovelace", f"Author {number}"],
                    "title": " ".join(words[:5]).title(),
                    "comment": None,
                    "summary": " ".join(rng.choices(words, k=80)),
                }
            )
        )
    path.write_text("\n".join(lines) + "\n")
    return path


class Place:
    """A data directory and a database: one installation, driven by `python -m paperfeed`."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.data_dir = data_dir
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}},
            "PAPERFEED_DATA_DIR": str(data_dir),
            "LOG_LEVEL": "WARNING",
        }
        if database_url:
            self.env["DATABASE_URL"] = database_url

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "paperfeed", *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert done.returncode == 0, done.stderr
        return done

    @contextlib.contextmanager
    def serve(self) -> Iterator[str]:
        port = free_port()
        command = [sys.executable, "-m", "paperfeed", "run", "--no-worker", "--port", str(port)]
        child = subprocess.Popen(
            command, env=self.env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert child.poll() is None, "the server exited"
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=5):
                        break
                except OSError:
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.2)
            yield base
        finally:
            child.terminate()
            child.wait(timeout=30)


def _get(base: str, path: str) -> str:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        assert response.status == 200
        body = response.read().decode()
    # A fresh CSRF token in every form, and their own address, are all two servers differ by.
    body = body.replace(base, "http://site")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


@contextlib.contextmanager
def _postgres_databases(count: int) -> Iterator[list[str]]:
    """Fresh, empty PostgreSQL databases on the server the tests use; dropped afterwards."""
    db = settings.DATABASES["default"]
    admin = psycopg.connect(
        dbname="postgres",
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        autocommit=True,
    )
    names = [f"pf_backup_{os.getpid()}_{n}" for n in range(count)]
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    try:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        yield [f"postgres://{auth}{db['HOST']}:{db['PORT']}/{name}" for name in names]
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextlib.contextmanager
def _writes_meanwhile(database: Path) -> Iterator[list[int]]:
    """Commits two rows per transaction into the SQLite file until the block ends; yields the
    row count before the first and after the last commit."""
    stop = threading.Event()
    counts: list[int] = []
    conn = sqlite3.connect(database, timeout=30, check_same_thread=False)

    def write() -> None:
        number = 0
        while not stop.is_set():
            with conn:
                for _ in range(2):
                    number += 1
                    conn.execute(
                        "INSERT INTO core_scheduledrun (job, slot, enqueued_at, task_id) "
                        "VALUES ('backup-test', ?, '2026-01-01', '')",
                        (str(number),),
                    )
            time.sleep(0.002)

    counts.append(conn.execute("SELECT COUNT(*) FROM core_scheduledrun").fetchone()[0])
    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.3)
    try:
        yield counts
    finally:
        stop.set()
        writer.join()
        counts.append(conn.execute("SELECT COUNT(*) FROM core_scheduledrun").fetchone()[0])
        conn.close()


def _round_trip(tmp_path: Path, source: Place, target: Place) -> None:
    source.run("migrate", "--no-input")
    source.run("ingest", "file", str(_listing(tmp_path / "2026-03-02.jsonl")), "--no-progress")
    source.run("similar", "build", "--full")
    if source.env.get("DATABASE_URL"):
        source.run("backup", str(tmp_path / "backup"))
    else:
        with _writes_meanwhile(source.data_dir / "paperfeed.sqlite3") as counts:
            source.run("backup", str(tmp_path / "backup"))
        with contextlib.closing(sqlite3.connect(tmp_path / "backup" / backup.SQLITE_FILE)) as copy:
            [(copied,)] = copy.execute("SELECT COUNT(*) FROM core_scheduledrun").fetchall()
        # One snapshot taken while the writer ran: whole transactions only, some of them.
        assert counts[0] < copied < counts[1]
        assert copied % 2 == 0
    manifest = json.loads((tmp_path / "backup" / backup.MANIFEST).read_text())
    assert manifest["database"]["rows"]["papers_paper"] == 60
    assert any(item["path"].startswith("data/similar/") for item in manifest["data"])

    restored = target.run("restore", str(tmp_path / "backup"))
    assert "row counts match the manifest" in restored.stdout
    with source.serve() as original, target.serve() as copy:
        for path in PAGES:
            assert _get(copy, path) == _get(original, path), path
        # The comparison means something: the pages hold similar papers and search results.
        assert json.loads(_get(copy, "/api/papers/2603.00007/similar"))
        assert "2603.000" in _get(copy, "/search?q=protein+folding+speech&mode=semantic")

    refused = target.run("restore", str(tmp_path / "backup"), check=False)
    assert refused.returncode != 0
    assert "not empty" in refused.stderr or "already holds" in refused.stderr
    assert "--force" in refused.stderr
    forced = target.run("restore", "--force", str(tmp_path / "backup"))
    assert "row counts match the manifest" in forced.stdout


@pytest.mark.long
@pytest.mark.django_db
def test_round_trip(tmp_path):
    """SQLite, or PostgreSQL when the suite runs on it (DATABASE_URL=postgres://…)."""
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        _round_trip(tmp_path, Place(tmp_path / "a", None), Place(tmp_path / "b", None))
        return
    with _postgres_databases(2) as (first, second):
        _round_trip(tmp_path, Place(tmp_path / "a", first), Place(tmp_path / "b", second))


def test_backup_refuses_a_directory_in_use(tmp_path):
    (tmp_path / "old").write_text("an earlier backup")
    with pytest.raises(backup.BackupError, match="not an empty directory"):
        backup.backup_create(dest=tmp_path)


def test_restore_checks_the_backup_first(tmp_path):
    with pytest.raises(backup.BackupError, match="not a paperfeed backup"):
        backup.read_manifest(tmp_path)
    (tmp_path / backup.MANIFEST).write_text("{not json")
    with pytest.raises(backup.BackupError, match="unreadable"):
        backup.read_manifest(tmp_path)
    database = tmp_path / backup.SQLITE_FILE
    database.write_bytes(b"SQLite format 3\0" + b"\0" * 100)
    entry = {"path": backup.SQLITE_FILE, "bytes": 116, "sha256": "0" * 64, "vendor": "sqlite"}
    (tmp_path / backup.MANIFEST).write_text(
        json.dumps({"format": backup.FORMAT, "database": entry, "data": []})
    )
    with pytest.raises(backup.BackupError, match="missing or damaged"):
        backup.read_manifest(tmp_path)


def test_restore_refuses_a_manifest_that_points_outside_or_lacks_parts(tmp_path):
    (tmp_path / "outside.sqlite3").write_bytes(b"x")
    backup_dir = tmp_path / "backup"
    backup_dir.mkdir()
    entry = {"path": "../outside.sqlite3", "bytes": 1, "sha256": "0" * 64}
    manifest = {"format": backup.FORMAT, "database": entry, "data": []}
    (backup_dir / backup.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupError, match="outside the backup"):
        backup.read_manifest(backup_dir)
    (backup_dir / backup.MANIFEST).write_text(json.dumps({"format": backup.FORMAT}))
    with pytest.raises(backup.BackupError, match="incomplete"):
        backup.read_manifest(backup_dir)


def test_backup_says_when_there_is_no_database(tmp_path):
    from paperfeed.core import dbcopy

    with pytest.raises(backup.BackupError, match="no SQLite database"):
        dbcopy.sqlite_backup(tmp_path / "missing.sqlite3", tmp_path / "copy.sqlite3")


def test_a_sqlite_file_opened_by_uri_has_the_same_database_label(monkeypatch):
    """The read-only URI of a catalogue (``file:/path?mode=ro``) names the same database, so
    its search and neighbour indexes still belong to it; another file does not."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite file names only")
    monkeypatch.setitem(connection.settings_dict, "NAME", "/srv/paperfeed/pf.sqlite3")
    plain = backup.database_label()
    monkeypatch.setitem(connection.settings_dict, "NAME", "file:/srv/paperfeed/pf.sqlite3?mode=ro")
    assert backup.database_label() == plain
    monkeypatch.setitem(connection.settings_dict, "NAME", "file:/srv/other/pf.sqlite3?mode=ro")
    assert backup.database_label() != plain
