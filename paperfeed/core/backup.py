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
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

from paperfeed.core.dbcopy import (
    BackupError,
    pg_backup,
    pg_restore,
    row_counts,
    sqlite_backup,
    sqlite_restore,
)

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
DATA = "data"
# Folders of the data directory that hold state. A folder with a CURRENT file (the
# similar-papers index) is copied as CURRENT plus the one build it names: older builds are
# being deleted, and a half-written one is not named yet.
DATA_FOLDERS = ("similar", "thumbs")
DATA_FILES = ("secret_key",)
CURRENT = "CURRENT"


def database_label(alias: str = "default") -> str:
    """Which database a file of the data directory was made from (the similar-papers index
    records it): its paper ids mean nothing in another database, e.g. a test database beside
    the development one in the same data dir. A restore writes the new label."""
    db = connections[alias].settings_dict
    name = str(db.get("NAME"))
    if connections[alias].vendor == "sqlite" and name.startswith("file:"):
        # The same file opened by URI (``file:/path?mode=ro``, read-only) is the same database.
        name = name.removeprefix("file:").split("?", 1)[0]
    return f"{connections[alias].vendor}:{db.get('HOST') or ''}:{name}"


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
    vendor = connections[alias].vendor
    db = _database(alias)
    started = datetime.now(UTC)
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if vendor == "sqlite":
            database = dest / SQLITE_FILE
            found = sqlite_backup(Path(db["NAME"]), database)
        else:
            database = dest / PG_FILE
            found = pg_backup(db, database)
        copied, notes = _data_backup(Path(settings.DATA_DIR), dest / DATA)
    except BaseException:
        # No half backup that looks like a whole one: it has no manifest, and it is removed.
        shutil.rmtree(dest, ignore_errors=True)
        raise
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
    try:
        for item in [manifest["database"], *manifest["data"]]:
            name = Path(item["path"])
            if name.is_absolute() or ".." in name.parts:
                raise BackupError(f"{source / MANIFEST} names a file outside the backup: {name}")
            path = source / name
            if (
                not path.is_file()
                or path.stat().st_size != item["bytes"]
                or _sha256(path) != item["sha256"]
            ):
                raise BackupError(f"{path} is missing or damaged (size or checksum differs)")
        database = manifest["database"]
        if not isinstance(database["rows"], dict) or not isinstance(database["vendor"], str):
            raise TypeError("database rows or vendor")
    except (KeyError, TypeError, ValueError) as exc:
        raise BackupError(f"{source / MANIFEST} is incomplete or malformed ({exc!r})") from exc
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
        sqlite_restore(database, Path(db["NAME"]), force=force)
    else:
        pg_restore(db, database, force=force)
    _data_restore(source / DATA, data_dir, label=database_label(alias))
    with connections[alias].cursor() as cursor:
        present = set(connections[alias].introspection.table_names(cursor))
        rows = row_counts(cursor, present, tables=list(manifest["database"]["rows"]))
    wrong = {
        t: (n, rows.get(t)) for t, n in manifest["database"]["rows"].items() if rows.get(t) != n
    }
    if wrong:
        raise BackupError(f"restored row counts differ from the manifest: {wrong}")
    return BackupReport(path=source, manifest=manifest, notes=list(manifest.get("notes", [])))
