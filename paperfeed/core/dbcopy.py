"""Copying a database from one consistent snapshot, and back: SQLite's online-backup API,
``pg_dump``/``pg_restore`` on PostgreSQL; with the row counts and migrations of exactly what
was copied. `core/backup.py` puts it together with the data directory and a manifest."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.apps import apps

# psycopg is imported by the functions that use it: every command imports this module (the
# search index reads `backup.database_label`), and importing psycopg costs ~0.2 s of CPU that a
# SQLite process never needs.
if TYPE_CHECKING:
    import psycopg


class BackupError(Exception):
    """Something the operator must fix; the message says what."""


def model_tables() -> list[str]:
    return sorted({model._meta.db_table for model in apps.get_models() if model._meta.managed})


def _migrations(cursor: Any) -> dict[str, str]:
    """The last applied migration of each app: what code the backup's schema belongs to."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
    return {app: name for app, name in cursor.fetchall()}


def row_counts(cursor: Any, present: set[str], tables: list[str] | None = None) -> dict[str, int]:
    """Rows of each of ``tables`` (default: every model's) that is ``present``."""
    counts = {}
    for table in model_tables() if tables is None else tables:
        if table in present:
            # Names from the models or from a checked manifest, and only tables that exist.
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
            counts[table] = int(cursor.fetchone()[0])
    return counts


# --- SQLite -------------------------------------------------------------------------------


def _read_only(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open the SQLite database {path}: {exc}") from exc


def _sqlite_tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def sqlite_backup(source: Path, target: Path) -> dict[str, Any]:
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}: nothing to back up")
    src = _read_only(source)
    dst = sqlite3.connect(target)
    try:
        # pages=-1: the whole database in one step, under one read transaction, so writers
        # that commit meanwhile (WAL lets them) are either wholly in the copy or not at all.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"the copy of {source} failed SQLite's quick_check")
        cursor = dst.cursor()
        return {"migrations": _migrations(cursor), "rows": row_counts(cursor, _sqlite_tables(dst))}
    finally:
        src.close()
        dst.close()


def sqlite_restore(source: Path, target: Path, *, force: bool) -> None:
    if target.exists() and not force:
        with contextlib.closing(_read_only(target)) as conn:
            if _sqlite_tables(conn):
                raise BackupError(
                    f"the database {target} is not empty; restore into a new data directory "
                    "or database, or pass --force to replace it"
                )
    target.parent.mkdir(parents=True, exist_ok=True)
    src = _read_only(source)
    dst = sqlite3.connect(target, timeout=30)
    try:
        # Through the target's own pager: a leftover -wal file of the old database cannot
        # resurrect its pages, and a reader that has the file open sees a whole database.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        src.close()
        dst.close()


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    """libpq's environment for pg_dump and pg_restore: the password stays off the command line."""
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[name] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    env["PGDATABASE"] = str(db["NAME"])
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = str(db["OPTIONS"]["sslmode"])
    return env


def _pg_connect(db: dict[str, Any]) -> psycopg.Connection[Any]:
    import psycopg

    return psycopg.connect(
        dbname=db["NAME"],
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
    )


def _pg_tables(conn: psycopg.Connection[Any]) -> set[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    ).fetchall()
    return {row[0] for row in rows}


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} not found: install the PostgreSQL client tools") from exc
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def pg_backup(db: dict[str, Any], target: Path) -> dict[str, Any]:
    import psycopg

    try:
        conn = _pg_connect(db)
    except psycopg.OperationalError as exc:
        raise BackupError(f"cannot connect to the database {db['NAME']}: {exc}") from exc
    with conn:
        # The counts and the dump read one snapshot: the manifest describes exactly the dump.
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        cursor = conn.cursor()
        found = {"migrations": _migrations(cursor), "rows": row_counts(cursor, _pg_tables(conn))}
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--snapshot={snapshot}",
                "-f",
                str(target),
            ],
            _pg_env(db),
        )
        conn.rollback()
    return found


def pg_restore(db: dict[str, Any], source: Path, *, force: bool) -> None:
    import psycopg

    try:
        with _pg_connect(db) as conn:
            present = _pg_tables(conn)
    except psycopg.OperationalError as exc:
        raise BackupError(f"cannot connect to the database {db['NAME']}: {exc}") from exc
    if present and not force:
        raise BackupError(
            f"the database {db['NAME']} is not empty ({len(present)} tables); restore into a new "
            "database, or pass --force to replace what the backup holds"
        )
    command = [
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
    ]
    if present:
        # --clean alone fails on the first object the database lacks; --if-exists makes it
        # drop only what is there.
        command += ["--clean", "--if-exists"]
    _run([*command, "-d", str(db["NAME"]), str(source)], _pg_env(db))
