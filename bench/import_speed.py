"""Import speed: `paperfeed ingest file` on the real daily corpus beside a plain baseline.

The baseline reads the same archive the same way (tarfile + json) and inserts the same rows
into equivalent tables with the same full-text index, with nothing but ``sqlite3.executemany``
(or PostgreSQL ``COPY``): no validation, no merge rules, no idempotent upsert. The ratio
baseline_time / paperfeed_time says how much of the bare cost paperfeed's safety costs.
paperfeed runs with its defaults: since S38 its database full-text copy is "auto", i.e. not
written beside the tantivy index, while this baseline keeps its full-text table (the target's
definition); ``--without-copy`` adds the rows against a baseline of the tables alone, and
``--index`` times the worker's ``search update`` after each import, so both views are printed.

    .venv/bin/python -m bench.import_speed [--postgres postgres://...] [--snapshot-lines N]

``--against COMMIT`` also imports with that commit's paperfeed (exported, see
``bench.common.export_commit``) in the same run, and ``--rounds N`` repeats everything,
alternating the order each round, so that a before/after comparison on a busy machine is made
side by side. Figures are medians over the rounds; ratios are wall and importer CPU time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
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


def _ticks(pid: int) -> int:
    """utime + stime of a process on this host, in clock ticks (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


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
                    self.seen[pid] = max(self.seen.get(pid, 0), _ticks(pid))

    def __enter__(self) -> ServerCpu:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()

    @property
    def seconds(self) -> float:
        return sum(self.seen.values()) / os.sysconf("SC_CLK_TCK")


def baseline_postgres(path: Path, url: str, *, fts: bool = True) -> dict:
    import psycopg

    start, cpu = time.perf_counter(), _cpu()
    papers = read_archive(path)
    with psycopg.connect(url, autocommit=False) as db:
        backend = db.execute("SELECT pg_backend_pid()").fetchone()[0]
        backend_ticks = _ticks(backend)
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
        server = (_ticks(backend) - backend_ticks) / os.sysconf("SC_CLK_TCK")
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": _cpu() - cpu,
        "server_cpu_seconds": server,
        "papers": count,
        "load": os.getloadavg()[0],
    }


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one command."""
    start = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M %U %S", *command], env=env, capture_output=True, text=True
    )
    if proc.returncode:
        raise SystemExit(f"{command} failed:\n{proc.stdout}\n{proc.stderr}")
    _, user, system = proc.stderr.strip().splitlines()[-1].split()
    return time.perf_counter() - start, float(user) + float(system)


def paperfeed_import(
    path: Path, env: dict[str, str], *extra: str, code: Path | None = None, index: bool = False
) -> dict:
    """One ``paperfeed ingest file`` in a child process; ``code``: an exported paperfeed to run
    instead of the working tree's. ``index``: then ``paperfeed search update``, the worker's
    step after an import that makes the new papers searchable in the tantivy index (timed
    apart: with the database's copy off it is where the imported words get indexed)."""
    cli = str(REPO / ".venv/bin/paperfeed")
    if code is not None:
        env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(code), str(REPO)]))}
    subprocess.run([cli, "migrate", "-v0"], env={**os.environ, **env}, check=True)
    command = [
        "/usr/bin/time",
        "-f",
        "%M %U %S",
        cli,
        "ingest",
        "file",
        str(path),
        "--no-progress",
        *extra,
    ]
    url = env.get("DATABASE_URL", "")
    server = ServerCpu(url) if url.startswith("postgres") else contextlib.nullcontext()
    start = time.perf_counter()
    with server:
        proc = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"import failed:\n{proc.stdout}\n{proc.stderr}")
    peak_kb, user, system = proc.stderr.strip().splitlines()[-1].split()
    stats = json.loads(
        subprocess.run(
            [cli, "stats", "--json"],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    index_seconds = index_cpu = 0.0
    if index:
        index_seconds, index_cpu = _timed([cli, "search", "update"], {**os.environ, **env})
    return {
        "seconds": seconds,
        "index_seconds": index_seconds,
        "index_cpu_seconds": index_cpu,
        "peak_rss_mb": int(peak_kb) / 1024,
        "cpu_seconds": float(user) + float(system),
        "server_cpu_seconds": server.seconds if isinstance(server, ServerCpu) else 0.0,
        "papers": stats["papers"],
        "summary": proc.stdout.strip().splitlines()[0],
        "load": os.getloadavg()[0],
    }


def _count_records(archive: Path) -> int:
    with tarfile.open(archive, "r|*") as source:
        return sum(
            handle.read().count(b"\n")
            for member in source
            if (handle := source.extractfile(member)) is not None
        )


def _pg_empty(url: str) -> None:
    """Drop and create the database ``url`` names, so each import starts empty."""
    from bench.corpus import _pg_admin

    name = url.rsplit("/", 1)[1].split("?")[0]
    _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


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


def _one_import(
    backend: str,
    step: str,
    archive: Path,
    extra: dict[str, str],
    copy: bool,
    postgres: str | None,
    code: Path | None,
    index: bool = False,
) -> dict:
    if step == "_tables":  # the baseline without its full-text table
        step, copy = "_baseline", False
    if backend == "sqlite":
        if step == "_baseline":
            return baseline_sqlite(archive, fresh_dir("import-baseline") / "b.sqlite3", fts=copy)
        data = fresh_dir("import-sqlite")
        env = {"PAPERFEED_DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data}/pf.sqlite3"}
        return paperfeed_import(archive, {**env, **extra}, code=code, index=index)
    assert postgres
    if step == "_baseline":
        return baseline_postgres(archive, postgres, fts=copy)
    _pg_empty(postgres)
    env = {"PAPERFEED_DATA_DIR": str(fresh_dir("import-pg")), "DATABASE_URL": postgres}
    return paperfeed_import(archive, {**env, **extra}, code=code, index=index)


def _all_cpu(run: dict) -> float:
    return run["cpu_seconds"] + (run.get("server_cpu_seconds") or 0)


def per_round(runs: dict[str, list[dict]]) -> list[tuple[str, ...]]:
    """Each round's ratios, baseline / paperfeed: wall, and CPU with the server's."""
    rows = []
    for key, found in runs.items():
        if key.endswith(("_baseline", "_tables")):
            continue
        backend = key.removesuffix("_against")
        for baseline in ("_baseline", "_tables"):
            for n, (ours, base) in enumerate(
                zip(found, runs.get(backend + baseline, []), strict=False)
            ):
                rows.append(
                    (
                        f"{key} / {'tables only' if baseline == '_tables' else 'with FTS'}",
                        str(n + 1),
                        f"{base['seconds'] / ours['seconds']:.2f}",
                        f"{_all_cpu(base) / _all_cpu(ours):.2f}",
                        f"{ours['seconds']:.1f} / {base['seconds']:.1f}",
                        f"{_all_cpu(ours):.2f} / {_all_cpu(base):.2f}",
                        f"{ours['load']:.1f}",
                    )
                )
    return rows


def _median(found: list[dict]) -> dict:
    return sorted(found, key=lambda run: run["seconds"])[len(found) // 2]


def _line(run: dict, records: int) -> str:
    server = run.get("server_cpu_seconds") or 0
    return (
        f"{run['seconds']:.1f} s, {records / run['seconds']:,.0f} records/s, "
        f"CPU {run['cpu_seconds']:.2f} s"
        + (f" + server {server:.2f} s" if server else "")
        + f", load {run['load']:.1f}"
        + (
            f"; then search update {run['index_seconds']:.1f} s, "
            f"CPU {run['index_cpu_seconds']:.2f} s"
            if run.get("index_seconds")
            else ""
        )
    )


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
    parser.add_argument(
        "--records",
        type=int,
        default=0,
        help="import only the first daily files holding this many records (default: all)",
    )
    parser.add_argument(
        "--without-copy",
        action="store_true",
        help="also import with PAPERFEED_SEARCH_DATABASE_COPY=false, beside a baseline "
        "without its full-text table",
    )
    parser.add_argument(
        "--against",
        metavar="COMMIT",
        help="also import with this commit's paperfeed, side by side in the same run",
    )
    parser.add_argument(
        "--tables-baseline",
        action="store_true",
        help="also run the plain baseline without its full-text table in each round, and give "
        "every ratio against both baselines (paperfeed's default writes no full-text copy)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="repeat, alternating the order")
    parser.add_argument(
        "--index",
        action="store_true",
        help="after each paperfeed import, time `paperfeed search update` (the worker's next "
        "step, which makes the papers searchable in the tantivy index)",
    )
    args = parser.parse_args(argv)
    require_shared()
    from bench.corpus import small_archive

    archive = small_archive(args.records) if args.records else DAILY_ARCHIVE
    records = _count_records(archive)
    against = ours = None
    if args.against:
        from bench.common import export_commit

        commit = subprocess.run(
            ["git", "rev-parse", args.against], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        against = export_commit(commit)
        # Ours is HEAD, exported too: the working tree may change while the run goes on.
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        ours = export_commit(head)
        print(f"paperfeed at {head[:7]} (HEAD) beside {commit[:7]}")
    load_start = os.getloadavg()
    runs: dict[str, list[dict]] = {}
    variants = [("", True)] + ([("_nocopy", False)] if args.without_copy else [])
    for round_number in range(args.rounds):
        for suffix, copy in variants:
            extra = {} if copy else {"PAPERFEED_SEARCH_DATABASE_COPY": "false"}
            for backend in ("sqlite", "postgres") if args.postgres else ("sqlite",):
                steps: list[tuple[str, Path | None]] = [("", ours), ("_baseline", None)]
                if against is not None:
                    steps.insert(1, ("_against", against))
                if args.tables_baseline and copy:
                    steps.append(("_tables", None))
                if round_number % 2:
                    steps.reverse()
                for step, code in steps:
                    key = f"{backend}{suffix}{step}"
                    runs.setdefault(key, []).append(
                        _one_import(
                            backend, step, archive, extra, copy, args.postgres, code, args.index
                        )
                    )
                    print(f"  round {round_number + 1} {key}: {_line(runs[key][-1], records)}")
    results: dict = {key: _median(found) for key, found in runs.items()}
    results["runs"] = runs
    if args.snapshot_lines:
        results["snapshot_memory"] = snapshot_memory(args.snapshot_lines)

    rows = []
    for key in runs:
        if key.endswith(("_baseline", "_tables")):
            continue
        backend = key.removesuffix("_against")
        ours, base = results[key], results[f"{backend}_baseline"]
        rows.append(
            (
                key.replace("_nocopy", ", no FTS copy").replace("_against", f" @{args.against}"),
                f"{ours['papers']:,}",
                f"{ours['seconds']:.1f}",
                f"{records / ours['seconds']:,.0f}",
                f"{ours['cpu_seconds']:.2f}",
                f"{records / ours['cpu_seconds']:,.0f}",
                f"{base['seconds']:.1f} / {base['cpu_seconds']:.2f}",
                f"{records / base['seconds']:,.0f}",
                f"{base['seconds'] / ours['seconds']:.2f}",
                f"{base['cpu_seconds'] / ours['cpu_seconds']:.2f}",
                f"{_all_cpu(base) / _all_cpu(ours):.2f}",
                f"{ours['peak_rss_mb']:.0f}",
            )
        )
    results["load_average"] = os.getloadavg()
    print(
        f"Import of {archive.name} ({records:,} records), {args.rounds} round(s), medians; "
        f"load average {load_start[0]:.1f} at the start, {results['load_average'][0]:.1f} at "
        "the end. CPU: the importer process's (user + system); 'with server' adds the "
        "PostgreSQL backends' CPU (ServerCpu) on both sides"
    )
    print(
        table(
            rows,
            (
                "db",
                "papers",
                "paperfeed s",
                "records/s",
                "CPU s",
                "CPU rec/s",
                "baseline s / CPU s",
                "baseline rec/s",
                "ratio",
                "CPU ratio",
                "CPU ratio with server",
                "peak RSS MB",
            ),
        )
    )
    print("Each round (baseline / paperfeed)")
    print(
        table(
            per_round(runs),
            (
                "db / baseline",
                "round",
                "wall ratio",
                "all-CPU ratio",
                "wall s (ours / base)",
                "all CPU s",
                "load",
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
