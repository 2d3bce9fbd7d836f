"""Import speed's plain baselines: the same archive read the same way (tarfile + json) and the
same rows inserted into equivalent tables with the same full-text index, with nothing but
``sqlite3.executemany`` (or PostgreSQL ``COPY``); and ``ServerCpu``, the PostgreSQL backends' CPU
time, which both sides of an import on PostgreSQL count. Run by ``bench.import_speed``.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import tarfile
import threading
import time
from pathlib import Path

from bench.dbcpu import cpu_by_pid

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


def _paper_row(pid: str, day: str, record: dict) -> tuple:
    """A paper's columns as both baselines write them (arxiv_id, title, abstract, comments,
    primary_category, listed_on, published, updated): one listing day for all three dates."""
    comments = record.get("comment") or ""
    return (
        pid,
        record["title"],
        record["summary"],
        comments,
        record["categories"][0],
        day,
        day,
        day,
    )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def baseline_sqlite(path: Path, db_path: Path, *, fts: bool = True) -> dict:
    start, cpu = time.perf_counter(), _cpu()
    papers = read_archive(path)
    db = sqlite3.connect(db_path, isolation_level=None)
    schema = SQLITE_BASELINE_SCHEMA
    if not fts:
        schema = schema[: schema.index("CREATE VIRTUAL TABLE")]
    db.executescript(schema)
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO paper (arxiv_id, title, abstract, comments, primary_category, listed_on,"
        " published, updated, versions, sources) VALUES (?,?,?,?,?,?,?,?,'[]','[\"listing\"]')",
        [_paper_row(pid, day, r) for pid, (day, r) in papers.items()],
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
    if fts:
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
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": _cpu() - cpu,
        "papers": count,
        "load": os.getloadavg()[0],
    }


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process on this host (0 once it is gone)."""
    return cpu_by_pid([pid]).get(pid, 0.0)


class ServerCpu:
    """CPU the PostgreSQL server's client backends spend for one database, while it lasts:
    the server runs on this host, so each backend's /proc figures are read every 0.2 s (a
    backend's last 0.2 s before it exits are missed). On PostgreSQL most of an import's work
    is the server's, which neither the importer's nor the baseline's own CPU time holds."""

    def __init__(self, url: str) -> None:
        self.url, self.seen, self.done = url, {}, threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        import psycopg

        from bench.corpus import pg_url

        name = self.url.rsplit("/", 1)[1].split("?")[0]
        with psycopg.connect(pg_url(self.url, "postgres"), autocommit=True) as db:
            while not self.done.wait(0.2):
                for (pid,) in db.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s "
                    "AND backend_type = 'client backend'",
                    [name],
                ).fetchall():
                    self.seen[pid] = max(self.seen.get(pid, 0.0), _cpu_of(pid))

    def __enter__(self) -> ServerCpu:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()

    @property
    def seconds(self) -> float:
        return sum(self.seen.values())


def baseline_postgres(path: Path, url: str, *, fts: bool = True) -> dict:
    import psycopg

    start, cpu = time.perf_counter(), _cpu()
    papers = read_archive(path)
    with psycopg.connect(url, autocommit=False) as db:
        backend = db.execute("SELECT pg_backend_pid()").fetchone()[0]
        backend_cpu = _cpu_of(backend)
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
        )
        if fts:
            db.execute(
                "CREATE TABLE paper_fts (paper_id bigint PRIMARY KEY, document tsvector NOT NULL);"
                "CREATE INDEX ON paper_fts USING GIN (document);"
            )
        with db.cursor() as cur:
            with cur.copy(
                "COPY paper (arxiv_id, title, abstract, comments, primary_category, listed_on,"
                " published, updated, versions, sources) FROM STDIN"
            ) as copy:
                for pid, (day, r) in papers.items():
                    copy.write_row((*_paper_row(pid, day, r), "[]", '["listing"]'))
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
            if fts:
                cur.execute(
                    "CREATE TEMP TABLE fts_in"
                    " (paper_id bigint, title text, authors text, abstract text)"
                )
                with cur.copy("COPY fts_in FROM STDIN") as copy:
                    for pid, (_, r) in papers.items():
                        copy.write_row(
                            (ids[pid], r["title"], ", ".join(r["authors"]), r["summary"])
                        )
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
        server = _cpu_of(backend) - backend_cpu
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": _cpu() - cpu,
        "server_cpu_seconds": server,
        "papers": count,
        "load": os.getloadavg()[0],
    }
