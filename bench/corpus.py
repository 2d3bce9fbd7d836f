"""Benchmark catalogues, built once and cached under var/bench/corpora.

- ``10k``: the first days of the real daily archive (about 10,000 papers), plus the HF days;
- ``real``: the whole shared corpus (74,728 listed papers) plus the HF featured days/upvotes;
- ``100k``, ``1m`` and ``2.7m`` (the size of all of arXiv): the real catalogue scaled up by
  re-mapping ids. Each extra copy of the real papers gets new ids (copy k: ``27MM.NNNNN``,
  ``28MM.NNNNN`` ...) and is moved back in time by k * 480 days (k * 360 above 1 M), so a 1 M
  catalogue spans ~17 years and 2.7 M ~35 years like real arXiv history, and the newest pages
  show the real papers. Authors, categories and the full-text index rows are copied
  with the papers, so these are complete catalogues, not bare rows.

Copying in SQL (not re-importing) keeps a 1 M build to minutes; the ``real`` catalogue itself
goes through ``paperfeed ingest file`` like any installation's.

    .venv/bin/python -m bench.corpus [--postgres URL] [names...]     # build / show the cache
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.common import BENCH_VAR, DAILY_ARCHIVE, SHARED, code_dir, paperfeed, require_shared

CORPORA_DIR = BENCH_VAR / "corpora"
HF_ARCHIVES = sorted((SHARED / "data/hf_daily_papers").glob("*.tar.xz"))
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "2.7m": 2_700_000}
ALL = ("10k", "real", "100k", "1m", "2.7m")
# Days each copy is moved back: 480 spreads 1 M papers over ~17 years; above 1 M, 360 spreads
# 2.7 M (35 copies) over ~35 years, the span of all of arXiv.
SHIFT_DAYS = 480
SHIFT_DAYS_LARGE = 360
# Catalogues this large are served by the search index alone, as an operator of all of arXiv
# would run them: no database full-text copy (PAPERFEED_SEARCH_DATABASE_COPY=false), which also
# halves the time to build them here.
NO_COPY_ABOVE = 1_000_000


def _copy_env(name: str) -> dict[str, str]:
    return {"PAPERFEED_SEARCH_DATABASE_COPY": "false"} if SIZES.get(name, 0) > NO_COPY_ABOVE else {}


# Bump when the way corpora are built changes, so stale caches are rebuilt.
BUILD_VERSION = 1


@dataclass
class Corpus:
    name: str
    backend: str  # "sqlite" | "postgres"
    env: dict[str, str]
    papers: int = 0
    featured: int = 0
    build_seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.backend}/{self.name}"


# --- small archive -----------------------------------------------------------------------------


def small_archive(records: int = 10_000) -> Path:
    """The first daily files of the real archive holding >= ``records`` lines, as a plain tar.

    Used for the 10k catalogue and for the quick import benchmark, whose baseline reads a tar.
    """
    path = BENCH_VAR / f"daily-first-{records}.tar"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    seen = 0
    with tarfile.open(DAILY_ARCHIVE, "r|*") as source, tarfile.open(partial, "w") as out:
        for member in source:
            handle = source.extractfile(member)
            if handle is None:
                continue
            data = handle.read()
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            info.mtime = member.mtime
            out.addfile(info, io.BytesIO(data))
            seen += data.count(b"\n")
            if seen >= records:
                break
    partial.rename(path)
    return path


# --- helpers -----------------------------------------------------------------------------------


def _sqlite_env(directory: Path) -> dict[str, str]:
    return {
        "PAPERFEED_DATA_DIR": str(directory),
        "DATABASE_URL": f"sqlite:///{directory}/pf.sqlite3",
        "LOG_LEVEL": "WARNING",
    }


def pg_url(base: str, database: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/" + database))


def _pg_admin(base: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(pg_url(base, "postgres"), autocommit=True) as db:
        for statement in statements:
            db.execute(statement)


def _pg_exists(base: str, database: str) -> bool:
    import psycopg

    with psycopg.connect(pg_url(base, "postgres"), autocommit=True) as db:
        row = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    return row is not None


def _stats(env: dict[str, str]) -> dict:
    return json.loads(paperfeed("stats", "--json", env=env).stdout)


def _timed(steps: dict[str, float], name: str, *args: str, env: dict[str, str]) -> str:
    start = time.perf_counter()
    proc = paperfeed(*args, env=env, check=False)
    steps[name] = round(time.perf_counter() - start, 2)
    if proc.returncode:
        raise SystemExit(f"`paperfeed {' '.join(args)}` failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def _import_real(env: dict[str, str], steps: dict[str, float], archive: Path) -> None:
    _timed(steps, "migrate", "migrate", "-v0", env=env)
    _timed(steps, "ingest daily", "ingest", "file", str(archive), "--no-progress", env=env)
    if HF_ARCHIVES:
        hf = [str(p) for p in HF_ARCHIVES]
        _timed(steps, "ingest hf", "ingest", "file", *hf, "--no-progress", env=env)
    # The code-link scan is part of a realistic catalogue: the trending page ranks by stars.
    _timed(steps, "stars links", "stars", "links", env=env)


def _scale_up(env: dict[str, str], target: int, steps: dict[str, float]) -> None:
    start = time.perf_counter()
    # The child's output (one line per copy, with its time) goes straight to ours: a 2.7 M
    # build runs for an hour or more, and its progress is what tells how far it got.
    proc = subprocess.run(
        [sys.executable, "-m", "bench.corpus", "--scale-up", str(target)],
        env={**os.environ, **env},
        cwd=code_dir(),
        stdout=sys.stderr,
        text=True,
    )
    steps["scale up (SQL copy)"] = round(time.perf_counter() - start, 2)
    if proc.returncode:
        raise SystemExit(f"scale-up failed (exit {proc.returncode}); its output is above")


def _meta_path(name: str, backend: str) -> Path:
    return CORPORA_DIR / f"{backend}-{name}.json"


def _load_cached(name: str, backend: str, env: dict[str, str]) -> Corpus | None:
    meta = _meta_path(name, backend)
    if not meta.exists():
        return None
    saved = json.loads(meta.read_text())
    if saved.get("version") != BUILD_VERSION or saved.get("env") != env:
        return None
    # Other apps may have added migrations since the build; applying them is cheap.
    if paperfeed("migrate", "-v0", env=env, check=False).returncode:
        return None
    stats = _stats(env)
    if stats["papers"] != saved["papers"]:
        return None
    return Corpus(
        name=name,
        backend=backend,
        env=env,
        papers=saved["papers"],
        featured=saved.get("featured", 0),
        build_seconds=saved["build_seconds"],
        steps=saved.get("steps", {}),
    )


def _save(corpus: Corpus) -> Corpus:
    stats = _stats(corpus.env)
    corpus.papers = stats["papers"]
    corpus.featured = stats.get("featured", 0)
    data = asdict(corpus)
    data["version"] = BUILD_VERSION
    _meta_path(corpus.name, corpus.backend).write_text(json.dumps(data, indent=2))
    return corpus


# --- SQLite ------------------------------------------------------------------------------------


def _sqlite_file_copy(source: Path, target_dir: Path) -> None:
    db = sqlite3.connect(source / "pf.sqlite3")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    shutil.rmtree(target_dir, ignore_errors=True)
    target_dir.mkdir(parents=True)
    shutil.copy2(source / "pf.sqlite3", target_dir / "pf.sqlite3")


def sqlite_corpus(name: str) -> Corpus:
    directory = CORPORA_DIR / f"sqlite-{name}"
    env = {**_sqlite_env(directory), **_copy_env(name)}
    cached = _load_cached(name, "sqlite", env)
    if cached is not None:
        return cached
    print(f"building corpus sqlite/{name} ...", file=sys.stderr, flush=True)
    corpus = Corpus(name=name, backend="sqlite", env=env)
    start = time.perf_counter()
    if name in ("10k", "real"):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        archive = small_archive(SIZES["10k"]) if name == "10k" else DAILY_ARCHIVE
        _import_real(env, corpus.steps, archive)
    else:
        real = sqlite_corpus("real")
        _sqlite_file_copy(Path(real.env["PAPERFEED_DATA_DIR"]), directory)
        _scale_up(env, SIZES[name], corpus.steps)
    corpus.build_seconds = round(time.perf_counter() - start, 1)
    return _save(corpus)


# --- PostgreSQL --------------------------------------------------------------------------------


def postgres_corpus(name: str, base_url: str) -> Corpus:
    # BENCH_PG_TAG keeps one engineer's (or CI's) catalogues apart from another's on a shared
    # server: paperfeed_bench_<tag>_<name>.
    tag = os.environ.get("BENCH_PG_TAG", "")
    database = f"paperfeed_bench_{tag + '_' if tag else ''}{name.replace('.', '_')}"
    directory = CORPORA_DIR / f"postgres-{name}"
    directory.mkdir(parents=True, exist_ok=True)
    env = {
        "PAPERFEED_DATA_DIR": str(directory),
        "DATABASE_URL": pg_url(base_url, database),
        "LOG_LEVEL": "WARNING",
        **_copy_env(name),
    }
    if _pg_exists(base_url, database):
        cached = _load_cached(name, "postgres", env)
        if cached is not None:
            return cached
    print(f"building corpus postgres/{name} ...", file=sys.stderr, flush=True)
    corpus = Corpus(name=name, backend="postgres", env=env)
    start = time.perf_counter()
    _pg_admin(base_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    if name in ("10k", "real"):
        _pg_admin(base_url, f'CREATE DATABASE "{database}"')
        archive = small_archive(SIZES["10k"]) if name == "10k" else DAILY_ARCHIVE
        _import_real(env, corpus.steps, archive)
    else:
        real = postgres_corpus("real", base_url)
        source = urlsplit(real.env["DATABASE_URL"]).path.lstrip("/")
        # A template copy is a file-level clone: seconds, not an import.
        _pg_admin(
            base_url,
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{source}'",
            f'CREATE DATABASE "{database}" TEMPLATE "{source}"',
        )
        _scale_up(env, SIZES[name], corpus.steps)
    corpus.build_seconds = round(time.perf_counter() - start, 1)
    return _save(corpus)


def corpus(name: str, backend: str, postgres: str | None = None) -> Corpus:
    if backend == "postgres":
        assert postgres
        return postgres_corpus(name, postgres)
    return sqlite_corpus(name)


# --- the SQL copy (runs inside a child process with Django set up) -----------------------------


def _copy_statements(
    vendor: str, prefix: str, shift: int, count: int, max_real: int, *, fts_copy: bool = True
) -> list:
    if vendor == "postgresql":
        new_id = f"'{prefix}.' || lpad(o.rn::text, 5, '0')"
        published = f"published - interval '{shift} days'"
        updated = f"updated - interval '{shift} days'"
        listed = f"listed_on - {shift}"
    else:
        new_id = f"'{prefix}.' || printf('%05d', o.rn)"
        published = f"datetime(published, '-{shift} days')"
        updated = f"datetime(updated, '-{shift} days')"
        listed = f"date(listed_on, '-{shift} days')"
    numbered = (
        f"(SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS rn FROM papers_paper "
        f"WHERE id <= {max_real}) o"
    )
    columns = (
        "version, versions, title, abstract, comments, journal_ref, doi, license, "
        "primary_category, published_is_estimate, code_url, code_url_source, code_stars, "
        "project_page, sources, hidden, created_at, updated_at, arxiv_checked_at, "
        "abstract_source, last_seen_on"
    )
    fts = (
        "INSERT INTO papers_fts (paper_id, document) SELECT m.new, f.document "
        "FROM papers_fts f JOIN bench_idmap m ON m.old = f.paper_id"
        if vendor == "postgresql"
        else "INSERT INTO papers_fts (rowid, title, abstract, authors) "
        "SELECT m.new, f.title, f.abstract, f.authors "
        "FROM papers_fts f JOIN bench_idmap m ON m.old = f.rowid"
    )
    return [
        "DROP TABLE IF EXISTS bench_idmap",
        f"""INSERT INTO papers_paper (arxiv_id, published, updated, listed_on,
                upvote_count, comment_count, {columns})
            SELECT {new_id}, {published}, {updated}, {listed}, 0, 0, {columns}
            FROM papers_paper p JOIN {numbered} ON o.id = p.id
            WHERE o.rn <= {count}""",
        f"""CREATE TEMP TABLE bench_idmap AS
            SELECT o.id AS old, n.id AS new FROM {numbered}
            JOIN papers_paper n ON n.arxiv_id = {new_id} WHERE o.rn <= {count}""",
        "CREATE INDEX bench_idmap_old ON bench_idmap (old)",
        """INSERT INTO papers_paperauthor (paper_id, author_id, position, name)
            SELECT m.new, pa.author_id, pa.position, pa.name
            FROM papers_paperauthor pa JOIN bench_idmap m ON m.old = pa.paper_id""",
        """INSERT INTO papers_papercategory (paper_id, category, position)
            SELECT m.new, pc.category, pc.position
            FROM papers_papercategory pc JOIN bench_idmap m ON m.old = pc.paper_id""",
        *([fts] if fts_copy else []),
    ]


def scale_up_in_process(target: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Each copy inserts ~76 k papers and ~0.5 M author and category rows into indexes
            # of millions of entries; the site's 16 MB page cache would re-read index pages
            # for most of those inserts. 1 GB for this one build process.
            cursor.execute("PRAGMA cache_size=-1048576")
        cursor.execute("SELECT count(*), max(id) FROM papers_paper")
        have, max_real = cursor.fetchone()
    real = have
    copy = 0
    if target > NO_COPY_ABOVE:
        # The real papers' rows too (a copy holding some papers would answer wrongly), first,
        # so the copies reuse their pages.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM papers_fts")
    while have < target:
        copy += 1
        count = min(real, target - have)
        # Copy 1 -> 2701, copy 12 -> 2712, copy 13 -> 2801: months that no real id uses.
        prefix = f"{27 + (copy - 1) // 12}{(copy - 1) % 12 + 1:02d}"
        shift = (SHIFT_DAYS if target <= SIZES["1m"] else SHIFT_DAYS_LARGE) * copy
        statements = _copy_statements(
            connection.vendor, prefix, shift, count, max_real, fts_copy=target <= NO_COPY_ABOVE
        )
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        have += count
        print(f"copy {copy}: {count} papers in {time.perf_counter() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
        else:
            cursor.execute("DROP TABLE IF EXISTS bench_idmap")
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def main(argv: list[str] | None = None) -> list[Corpus]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", default=list(ALL), help=f"any of {ALL}")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--sqlite-only", action="store_true", help="build no PostgreSQL catalogue")
    parser.add_argument(
        "--postgres-only", action="store_true", help="build no SQLite catalogue (needs --postgres)"
    )
    parser.add_argument("--scale-up", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scale_up:
        scale_up_in_process(args.scale_up)
        return []
    unknown = set(args.names) - set(ALL)
    if unknown:
        parser.error(f"unknown corpora {sorted(unknown)}; choose from {ALL}")
    require_shared()
    CORPORA_DIR.mkdir(parents=True, exist_ok=True)
    built = []
    backends = [] if args.postgres_only else ["sqlite"]
    if args.postgres and not args.sqlite_only:
        backends.append("postgres")
    for backend in backends:
        for name in args.names:
            built.append(corpus(name, backend, args.postgres))
            c = built[-1]
            print(f"{c.label}: {c.papers:,} papers, {c.featured:,} featured, {c.build_seconds} s")
    return built


if __name__ == "__main__":
    main(sys.argv[1:])
