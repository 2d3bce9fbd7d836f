"""`paperfeed backup` and `paperfeed restore`: the database and the data directory, with a
manifest that says what a backup holds and lets a restore check it before touching anything.

The database is copied from one consistent snapshot while the site runs: SQLite's online-backup
API (one step, so a concurrent writer cannot tear it), or ``pg_dump`` on an exported snapshot,
the same one the manifest's row counts are read from. From the data directory a backup takes
the files that are state rather than cache: the similar-papers index (only its live build) and
the thumbnails, when they exist, and the generated ``secret_key`` that signed links depend on.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import connections

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
DATA = "data"
# Folders of the data directory that hold state. A folder with a CURRENT file (the
# similar-papers index) is copied as CURRENT plus the one build it names: older builds are
# being deleted, and a half-written one is not named yet.
DATA_FOLDERS = ("similar", "thumbnails")
DATA_FILES = ("secret_key",)
CURRENT = "CURRENT"


def database_label(alias: str = "default") -> str:
    """Which database a file of the data directory was made from (the similar-papers index
    records it): its paper ids mean nothing in another database, e.g. a test database beside
    the development one in the same data dir. A restore writes the new label."""
    db = connections[alias].settings_dict
    return f"{connections[alias].vendor}:{db.get('HOST') or ''}:{db.get('NAME')}"


class BackupError(Exception):
    """Something the operator must fix; the message says what."""


@dataclass
class BackupReport:
    path: Path
    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _entry(root: Path, path: Path) -> dict[str, Any]:
    return {
        "path": path.relative_to(root).as_posix(),
        "bytes": path.stat().st_size,
        "sha256": _sha256(path),
    }


def _model_tables() -> list[str]:
    return sorted({model._meta.db_table for model in apps.get_models() if model._meta.managed})


def _migrations(cursor: Any) -> dict[str, str]:
    """The last applied migration of each app: what code the backup's schema belongs to."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
    return {app: name for app, name in cursor.fetchall()}


def _counts(cursor: Any, present: set[str]) -> dict[str, int]:
    counts = {}
    for table in _model_tables():
        if table in present:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - names from models
            counts[table] = int(cursor.fetchone()[0])
    return counts


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _sqlite_backup(source: Path, target: Path) -> dict[str, Any]:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        # pages=-1: the whole database in one step, under one read transaction, so writers
        # that commit meanwhile (WAL lets them) are either wholly in the copy or not at all.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"the copy of {source} failed SQLite's quick_check")
        cursor = dst.cursor()
        return {"migrations": _migrations(cursor), "rows": _counts(cursor, _sqlite_tables(dst))}
    finally:
        src.close()
        dst.close()


def _sqlite_restore(source: Path, target: Path, *, force: bool) -> None:
    if target.exists() and not force:
        with contextlib.closing(sqlite3.connect(f"file:{target}?mode=ro", uri=True)) as conn:
            if _sqlite_tables(conn):
                raise BackupError(
                    f"the database {target} is not empty; restore into a new data directory "
                    "or database, or pass --force to replace it"
                )
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
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


def _pg_backup(db: dict[str, Any], target: Path) -> dict[str, Any]:
    with _pg_connect(db) as conn:
        # The counts and the dump read one snapshot: the manifest describes exactly the dump.
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        cursor = conn.cursor()
        found = {"migrations": _migrations(cursor), "rows": _counts(cursor, _pg_tables(conn))}
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


def _pg_restore(db: dict[str, Any], source: Path, *, force: bool) -> None:
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


# --- Data directory -----------------------------------------------------------------------


def _copy_folder(source: Path, target: Path) -> Iterator[Path]:
    current = source / CURRENT
    for _attempt in range(3):
        if not current.exists():
            shutil.copytree(source, target, dirs_exist_ok=True)
            break
        name = current.read_text().strip()
        try:
            shutil.copytree(source / name, target / name)
        except FileNotFoundError:
            shutil.rmtree(target / name, ignore_errors=True)
            continue  # a new build went live and removed this one meanwhile: copy that one
        (target / CURRENT).write_text(name)
        break
    else:
        raise BackupError(f"{source} kept changing while it was copied; try again")
    yield from (path for path in sorted(target.rglob("*")) if path.is_file())


def _data_backup(data_dir: Path, target: Path) -> tuple[list[Path], list[str]]:
    copied: list[Path] = []
    notes = []
    for folder in DATA_FOLDERS:
        if (data_dir / folder).is_dir():
            copied += _copy_folder(data_dir / folder, target / folder)
    if not (target / "similar" / CURRENT).exists():
        notes.append("no similar-papers index: `paperfeed similar build --full` rebuilds it")
    for name in DATA_FILES:
        if (data_dir / name).is_file():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(data_dir / name, target / name)
            copied.append(target / name)
    return copied, notes


def _data_in_use(data_dir: Path) -> list[str]:
    return [f for f in DATA_FOLDERS if (data_dir / f).is_dir() and any((data_dir / f).iterdir())]


def _relabel(folder: Path, label: str) -> None:
    """The live build now belongs to the restored database (same ids, another name)."""
    with contextlib.suppress(FileNotFoundError):
        meta_path = folder / (folder / CURRENT).read_text().strip() / "meta.json"
        meta = json.loads(meta_path.read_text())
        if "database" in meta:
            meta_path.write_text(json.dumps({**meta, "database": label}, indent=1))


def _data_restore(source: Path, data_dir: Path, *, label: str) -> None:
    for folder in DATA_FOLDERS:
        if (source / folder).is_dir():
            old = data_dir / folder
            if old.exists():
                shutil.rmtree(old)
            shutil.copytree(source / folder, old)
            _relabel(old, label)
    for name in DATA_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, data_dir / name)
            os.chmod(data_dir / name, 0o600)


# --- The two services ---------------------------------------------------------------------


def _database(alias: str) -> dict[str, Any]:
    db = connections[alias].settings_dict
    if connections[alias].vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {connections[alias].vendor}")
    return db


def backup_create(*, dest: Path, alias: str = "default") -> BackupReport:
    """Write a backup of the database ``alias`` and the data directory into ``dest`` (new or
    empty), while the site runs."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} is not an empty directory: choose a new one")
    dest.mkdir(parents=True, exist_ok=True)
    vendor = connections[alias].vendor
    db = _database(alias)
    started = datetime.now(UTC)
    if vendor == "sqlite":
        database = dest / SQLITE_FILE
        found = _sqlite_backup(Path(db["NAME"]), database)
    else:
        database = dest / PG_FILE
        found = _pg_backup(db, database)
    copied, notes = _data_backup(Path(settings.DATA_DIR), dest / DATA)
    manifest = {
        "format": FORMAT,
        "created": started.isoformat(timespec="seconds"),
        "paperfeed": metadata.version("paperfeed"),
        "database": {"vendor": vendor, **_entry(dest, database), **found},
        "data": [_entry(dest, path) for path in copied],
        "notes": notes,
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return BackupReport(path=dest, manifest=manifest, notes=notes)


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of the backup in ``source``, after checking every file it lists."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError as exc:
        raise BackupError(f"{source} holds no {MANIFEST}: not a paperfeed backup") from exc
    except (ValueError, OSError) as exc:
        raise BackupError(f"{source / MANIFEST} is unreadable: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source / MANIFEST} is not a backup format this version reads")
    for item in [manifest["database"], *manifest["data"]]:
        path = source / item["path"]
        if (
            not path.is_file()
            or path.stat().st_size != item["bytes"]
            or _sha256(path) != item["sha256"]
        ):
            raise BackupError(f"{path} is missing or damaged (size or checksum differs)")
    return manifest


def backup_restore(*, source: Path, force: bool = False, alias: str = "default") -> BackupReport:
    """Restore the backup in ``source`` into the database ``alias`` and the data directory.
    Both must be empty unless ``force``; the backup is checked before anything is written."""
    manifest = read_manifest(source)
    vendor = connections[alias].vendor
    wanted = manifest["database"]["vendor"]
    if vendor != wanted:
        raise BackupError(
            f"this backup is of a {wanted} database and DATABASE_URL names a {vendor} one; "
            "docs/operations.md says how to move between them"
        )
    db = _database(alias)
    data_dir = Path(settings.DATA_DIR)
    in_use = _data_in_use(data_dir)
    if in_use and not force:
        raise BackupError(
            f"the data directory {data_dir} already holds {', '.join(in_use)}; restore into an "
            "empty one, or pass --force to replace it"
        )
    connections[alias].close()
    database = source / manifest["database"]["path"]
    if vendor == "sqlite":
        _sqlite_restore(database, Path(db["NAME"]), force=force)
    else:
        _pg_restore(db, database, force=force)
    _data_restore(source / DATA, data_dir, label=database_label(alias))
    with connections[alias].cursor() as cursor:
        rows = _counts(cursor, set(connections[alias].introspection.table_names(cursor)))
    wrong = {
        t: (n, rows.get(t)) for t, n in manifest["database"]["rows"].items() if rows.get(t) != n
    }
    if wrong:
        raise BackupError(f"restored row counts differ from the manifest: {wrong}")
    return BackupReport(path=source, manifest=manifest, notes=list(manifest.get("notes", [])))
