"""Import speed: `paperfeed ingest file` on the real daily corpus beside a plain baseline.

The baseline reads the same archive the same way (tarfile + json) and inserts the same rows
into equivalent tables with the same full-text index, with nothing but ``sqlite3.executemany``
(or PostgreSQL ``COPY``): no validation, no merge rules, no idempotent upsert. The ratio
baseline_time / paperfeed_time says how much of the bare cost paperfeed's safety costs.

    .venv/bin/python -m bench.import_speed [--postgres postgres://...] [--snapshot-lines N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from bench.common import BENCH_VAR, DAILY_ARCHIVE, REPO, SNAPSHOT_SAMPLE, require_shared, table

SQLITE_BASELINE_SCHEMA = """
PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
CREATE TABLE paper (id INTEGER PRIMARY KEY AUTOINCREMENT, arxiv_id TEXT UNIQUE NOT NULL,
  title TEXT, abstract TEXT, comments TEXT, primary_category TEXT, listed_on TEXT,
  published TEXT, updated TEXT, versions TEXT, sources TEXT);
CREATE INDEX paper_published ON paper (published DESC, id DESC);
CREATE INDEX paper_primary ON paper (primary_category);
CREATE TABLE author (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, key TEXT UNIQUE);
CREATE TABLE paper_author (id INTEGER PRIMARY KEY AUTOINCREMENT, paper_id INTEGER,
  author_id INTEGER, position INTEGER, UNIQUE (paper_id, position));
CREATE INDEX paper_author_author ON paper_author (author_id);
CREATE TABLE paper_category (id INTEGER PRIMARY KEY AUTOINCREMENT, paper_id INTEGER,
  category TEXT, position INTEGER, UNIQUE (paper_id, category));
CREATE INDEX paper_category_cat ON paper_category (category, paper_id);
CREATE VIRTUAL TABLE paper_fts USING fts5(title, abstract, authors,
  tokenize = 'unicode61 remove_diacritics 2');
"""


def read_archive(path: Path) -> dict[str, tuple[str, dict]]:
    """Latest record per id, with its listing day: what any importer must at least do."""
    papers: dict[str, tuple[str, dict]] = {}
    with tarfile.open(path, "r|*") as archive:
        for member in archive:
            handle = archive.extractfile(member)
            if handle is None:
                continue
            day = Path(member.name).stem
            for line in handle:
                record = json.loads(line)
                first_day = papers[record["id"]][0] if record["id"] in papers else day
                papers[record["id"]] = (first_day, record)
    return papers


def baseline_sqlite(path: Path, db_path: Path) -> dict:
    start = time.perf_counter()
    papers = read_archive(path)
    db = sqlite3.connect(db_path, isolation_level=None)
    db.executescript(SQLITE_BASELINE_SCHEMA)
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO paper (arxiv_id, title, abstract, comments, primary_category, listed_on,"
        " published, updated, versions, sources) VALUES (?,?,?,?,?,?,?,?,'[]','[\"listing\"]')",
        [
            (
                pid,
                r["title"],
                r["summary"],
                r.get("comment") or "",
                r["categories"][0],
                day,
                day,
                day,
            )
            for pid, (day, r) in papers.items()
        ],
    )
    ids = dict(db.execute("SELECT arxiv_id, id FROM paper"))
    author_ids: dict[str, int] = {}
    names = {" ".join(n.lower().split()): n for _, r in papers.values() for n in r["authors"]}
    db.executemany(
        "INSERT INTO author (name, key) VALUES (?, ?)", [(n, k) for k, n in names.items()]
    )
    author_ids = dict(db.execute("SELECT key, id FROM author"))
    links = []
    for pid, (_, r) in papers.items():
        seen = set()
        for name in r["authors"]:
            author = author_ids[" ".join(name.lower().split())]
            if author not in seen:
                seen.add(author)
                links.append((ids[pid], author, len(seen) - 1))
    db.executemany("INSERT INTO paper_author (paper_id, author_id, position) VALUES (?,?,?)", links)
    db.executemany(
        "INSERT INTO paper_category (paper_id, category, position) VALUES (?,?,?)",
        [
            (ids[pid], c, i)
            for pid, (_, r) in papers.items()
            for i, c in enumerate(dict.fromkeys(r["categories"]))
        ],
    )
    db.executemany(
        "INSERT INTO paper_fts (rowid, title, abstract, authors) VALUES (?,?,?,?)",
        [
            (ids[pid], r["title"], r["summary"], ", ".join(r["authors"]))
            for pid, (_, r) in papers.items()
        ],
    )
    db.execute("COMMIT")
    count = db.execute("SELECT count(*) FROM paper").fetchone()[0]
    db.close()
    return {"seconds": time.perf_counter() - start, "papers": count}


def baseline_postgres(path: Path, url: str) -> dict:
    import psycopg

    start = time.perf_counter()
    papers = read_archive(path)
    with psycopg.connect(url, autocommit=False) as db:
        db.execute("DROP SCHEMA IF EXISTS bench_baseline CASCADE")
        db.execute("CREATE SCHEMA bench_baseline")
        db.execute("SET search_path = bench_baseline")
        db.execute(
            "CREATE TABLE paper (id bigserial PRIMARY KEY, arxiv_id text UNIQUE NOT NULL,"
            " title text, abstract text, comments text, primary_category text, listed_on date,"
            " published timestamptz, updated timestamptz, versions jsonb, sources jsonb);"
            "CREATE INDEX ON paper (published DESC, id DESC);"
            "CREATE INDEX ON paper (primary_category);"
            "CREATE TABLE author (id bigserial PRIMARY KEY, name text, key text UNIQUE);"
            "CREATE TABLE paper_author (id bigserial PRIMARY KEY, paper_id bigint,"
            " author_id bigint,"
            " position int, UNIQUE (paper_id, position)); CREATE INDEX ON paper_author (author_id);"
            "CREATE TABLE paper_category (id bigserial PRIMARY KEY, paper_id bigint, category text,"
            " position int, UNIQUE (paper_id, category));"
            "CREATE INDEX ON paper_category (category, paper_id);"
            "CREATE TABLE paper_fts (paper_id bigint PRIMARY KEY, document tsvector NOT NULL);"
            "CREATE INDEX ON paper_fts USING GIN (document);"
        )
        with db.cursor() as cur:
            with cur.copy(
                "COPY paper (arxiv_id, title, abstract, comments, primary_category, listed_on,"
                " published, updated, versions, sources) FROM STDIN"
            ) as copy:
                for pid, (day, r) in papers.items():
                    copy.write_row(
                        (
                            pid,
                            r["title"],
                            r["summary"],
                            r.get("comment") or "",
                            r["categories"][0],
                            day,
                            day,
                            day,
                            "[]",
                            '["listing"]',
                        )
                    )
            ids = dict(cur.execute("SELECT arxiv_id, id FROM paper").fetchall())
            names = {
                " ".join(n.lower().split()): n for _, r in papers.values() for n in r["authors"]
            }
            with cur.copy("COPY author (name, key) FROM STDIN") as copy:
                for key, name in names.items():
                    copy.write_row((name, key))
            author_ids = dict(cur.execute("SELECT key, id FROM author").fetchall())
            with cur.copy("COPY paper_author (paper_id, author_id, position) FROM STDIN") as copy:
                for pid, (_, r) in papers.items():
                    seen: set[int] = set()
                    for name in r["authors"]:
                        author = author_ids[" ".join(name.lower().split())]
                        if author not in seen:
                            seen.add(author)
                            copy.write_row((ids[pid], author, len(seen) - 1))
            with cur.copy("COPY paper_category (paper_id, category, position) FROM STDIN") as copy:
                for pid, (_, r) in papers.items():
                    for i, c in enumerate(dict.fromkeys(r["categories"])):
                        copy.write_row((ids[pid], c, i))
            cur.execute(
                "CREATE TEMP TABLE fts_in"
                " (paper_id bigint, title text, authors text, abstract text)"
            )
            with cur.copy("COPY fts_in FROM STDIN") as copy:
                for pid, (_, r) in papers.items():
                    copy.write_row((ids[pid], r["title"], ", ".join(r["authors"]), r["summary"]))
            cur.execute(
                "INSERT INTO paper_fts SELECT paper_id,"
                " setweight(to_tsvector('english', title), 'A')"
                " || setweight(to_tsvector('simple', authors), 'B')"
                " || setweight(to_tsvector('english', authors), 'B')"
                " || setweight(to_tsvector('english', abstract), 'C') FROM fts_in"
            )
            count = cur.execute("SELECT count(*) FROM paper").fetchone()[0]
        db.execute("DROP SCHEMA bench_baseline CASCADE")
        db.commit()
    return {"seconds": time.perf_counter() - start, "papers": count}


def paperfeed_import(path: Path, env: dict[str, str], *extra: str) -> dict:
    cli = str(REPO / ".venv/bin/paperfeed")
    subprocess.run([cli, "migrate", "-v0"], env={**os.environ, **env}, check=True)
    command = [
        "/usr/bin/time",
        "-f",
        "%M",
        cli,
        "ingest",
        "file",
        str(path),
        "--no-progress",
        *extra,
    ]
    start = time.perf_counter()
    proc = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"import failed:\n{proc.stdout}\n{proc.stderr}")
    peak_kb = int(proc.stderr.strip().splitlines()[-1])
    stats = json.loads(
        subprocess.run(
            [cli, "stats", "--json"],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    return {
        "seconds": seconds,
        "peak_rss_mb": peak_kb / 1024,
        "papers": stats["papers"],
        "summary": proc.stdout.strip().splitlines()[0],
    }


def fresh_dir(name: str) -> Path:
    path = BENCH_VAR / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def snapshot_memory(lines: int) -> dict:
    """Peak RSS importing the 200-record snapshot sample repeated to ``lines`` lines."""
    data = fresh_dir("snapshot-memory")
    big = data / "snapshot-repeated.jsonl"
    sample = SNAPSHOT_SAMPLE.read_bytes()
    if not sample.endswith(b"\n"):
        sample += b"\n"
    per_copy = sample.count(b"\n")
    with big.open("wb") as out:
        for _ in range(max(1, lines // per_copy)):
            out.write(sample)
    env = {"PAPERFEED_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data}/pf.sqlite3"}
    result = paperfeed_import(big, env, "--format", "snapshot")
    result["lines"] = max(1, lines // per_copy) * per_copy
    result["file_mb"] = big.stat().st_size / 1e6
    big.unlink()
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="also measure on this PostgreSQL database (it is emptied)",
    )
    parser.add_argument("--snapshot-lines", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    require_shared()
    records = 120_405
    results: dict = {}

    data = fresh_dir("import-sqlite")
    env = {"PAPERFEED_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data}/pf.sqlite3"}
    results["sqlite"] = paperfeed_import(DAILY_ARCHIVE, env)
    results["sqlite_baseline"] = baseline_sqlite(
        DAILY_ARCHIVE, fresh_dir("import-baseline") / "b.sqlite3"
    )
    if args.postgres:
        results["postgres"] = paperfeed_import(
            DAILY_ARCHIVE,
            {"PAPERFEED_DATA_DIR": str(fresh_dir("import-pg")), "DATABASE_URL": args.postgres},
        )
        results["postgres_baseline"] = baseline_postgres(DAILY_ARCHIVE, args.postgres)
    if args.snapshot_lines:
        results["snapshot_memory"] = snapshot_memory(args.snapshot_lines)

    rows = []
    for backend in ("sqlite", "postgres"):
        if backend not in results:
            continue
        ours, base = results[backend], results[f"{backend}_baseline"]
        rows.append(
            (
                backend,
                f"{ours['papers']:,}",
                f"{ours['seconds']:.1f}",
                f"{records / ours['seconds']:,.0f}",
                f"{base['seconds']:.1f}",
                f"{records / base['seconds']:,.0f}",
                f"{base['seconds'] / ours['seconds']:.2f}",
                f"{ours['peak_rss_mb']:.0f}",
            )
        )
    print(f"Import of {DAILY_ARCHIVE.name} ({records:,} records)")
    print(
        table(
            rows,
            (
                "db",
                "papers",
                "paperfeed s",
                "records/s",
                "baseline s",
                "baseline rec/s",
                "ratio",
                "peak RSS MB",
            ),
        )
    )
    if "snapshot_memory" in results:
        snap = results["snapshot_memory"]
        print(
            f"\nSnapshot importer on {snap['lines']:,} lines ({snap['file_mb']:.0f} MB): "
            f"peak RSS {snap['peak_rss_mb']:.0f} MB in {snap['seconds']:.1f} s ({snap['summary']})"
        )
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
