"""Where an import's CPU goes, phase by phase, without a profiler's distortion.

Parses the archive first (outside the measurement), then imports its records in batches as
``paperfeed ingest file`` does, timing each step of ``papers_upsert`` with ``time.process_time``
(CPU of this process only: the PostgreSQL server's work is not in it), and the wall time of
each step and of each kind of SQL statement (what waits on the server: on PostgreSQL the
difference between a step's wall and CPU time is mostly the server's work). On PostgreSQL on this
host, the server's CPU for each step and statement is read too: the importing connection's
backend's ``/proc/<pid>/schedstat`` (nanoseconds on a core) around each call.

    .venv/bin/python -m bench.import_profile [--records 40000] [--postgres postgres://.../db]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from bench.common import BENCH_VAR, require_shared, table

PHASES = {
    "paperfeed.papers.services": ("merge",),
    "paperfeed.papers.upsert": (
        "load_states",
        "write_papers",
        "write_links",
        "_author_ids",
    ),
    "paperfeed.papers.upsert_featured": ("write_featured",),
    "paperfeed.core.bulk": ("insert_rows",),
    "paperfeed.papers.search": ("index_papers", "catalogue_changed"),
    "paperfeed.ingest.services": ("_enqueue_index_updates",),
}


def parsing_steps(archive: Path) -> list[tuple[str, float]]:
    """CPU of the parsing process's steps, each pass adding one: reading and decompressing the
    lines, JSON, then everything (normalising and checking records); and the hand-over (pickling
    a batch there, unpickling it here), as ``parse_process`` does it."""
    import pickle

    import orjson

    from paperfeed.ingest.parsers.detect import iter_checked_records
    from paperfeed.ingest.parsers.files import iter_lines, iter_tar_members

    def lines() -> list[bytes]:
        kept = []
        for member in iter_tar_members(archive, (".jsonl",)):
            if not isinstance(member, tuple):
                continue
            kept.extend(raw for _, raw, _ in iter_lines(member[1]))
        return kept

    start = time.process_time()
    raw = lines()
    read = time.process_time() - start
    start = time.process_time()
    for line in raw:
        orjson.loads(line)
    json_cpu = time.process_time() - start
    start = time.process_time()
    items = list(iter_checked_records([archive], ["listing"], None, None))
    whole = time.process_time() - start
    start = time.process_time()
    batches = [pickle.dumps(items[n : n + 5000]) for n in range(0, len(items), 5000)]
    dumped = time.process_time() - start
    start = time.process_time()
    for batch in batches:
        pickle.loads(batch)  # noqa: S301 - our own bytes
    loaded = time.process_time() - start
    return [
        ("read and decompress (tar, lines)", read),
        ("JSON (orjson)", json_cpu),
        ("records: normalise, check", whole - read - json_cpu),
        ("hand-over: pickle (parsing process)", dumped),
        ("hand-over: unpickle (importer)", loaded),
    ]


def _server_clock() -> Callable[[], float]:
    """Seconds of CPU the importing connection's PostgreSQL backend has used so far (0 on
    SQLite, or when the server is not on this host)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return lambda: 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    stat = Path(f"/proc/{pid}/schedstat")

    def read() -> float:
        try:
            return int(stat.read_text().split()[0]) / 1e9
        except OSError:
            return 0.0

    return read


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=40_000)
    parser.add_argument("--postgres", help="an empty PostgreSQL database (it is filled)")
    args = parser.parse_args(argv)
    require_shared()
    from bench.corpus import small_archive

    archive = small_archive(args.records)
    data = BENCH_VAR / "import-profile"
    data.mkdir(parents=True, exist_ok=True)
    (data / "pf.sqlite3").unlink(missing_ok=True)
    os.environ["PAPERFEED_DATA_DIR"] = str(data)
    os.environ["DATABASE_URL"] = args.postgres or f"sqlite:///{data}/pf.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    import importlib

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from paperfeed.ingest.parsers.detect import iter_checked_records

    # As the parsing process hands them over: checked there (``papers_upsert(checked=True)``).
    start = time.process_time()
    items = list(iter_checked_records([Path(archive)], ["listing"], None, None))
    parse_cpu = time.process_time() - start
    steps = parsing_steps(Path(archive))

    spent: dict[str, float] = defaultdict(float)
    waited: dict[str, float] = defaultdict(float)
    served: dict[str, float] = defaultdict(float)
    statements: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    server = _server_clock()

    def timed(name: str, function):
        def wrapper(*args, **kwargs):
            began, clock, on_server = time.process_time(), time.perf_counter(), server()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - began
                waited[name] += time.perf_counter() - clock
                served[name] += server() - on_server

        return wrapper

    def statement_clock(execute, sql, params, many, context):
        clock, began, on_server = time.perf_counter(), time.process_time(), server()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = statements[" ".join(str(sql).split())[:90]]
            kind[0] += 1
            kind[1] += time.perf_counter() - clock
            kind[2] += time.process_time() - began
            kind[3] += server() - on_server

    for module_name, names in PHASES.items():
        module = importlib.import_module(module_name)
        for name in names:
            setattr(module, name, timed(name, getattr(module, name)))
    bulk = importlib.import_module("paperfeed.core.bulk")
    copy_rows = bulk.copy_rows

    def copy_by_table(cursor, *, table, **given):  # one line per table COPY writes
        return timed(f"COPY {table}", copy_rows)(cursor, table=table, **given)

    bulk.copy_rows = copy_by_table
    from django.db.backends.base.base import BaseDatabaseWrapper

    BaseDatabaseWrapper._commit = timed("commits", BaseDatabaseWrapper._commit)
    services = importlib.import_module("paperfeed.papers.services")
    services.upsert = importlib.import_module("paperfeed.papers.upsert")
    from paperfeed.ingest.services import ingest_run

    start, clock, on_server = time.process_time(), time.perf_counter(), server()
    with django.db.connection.execute_wrapper(statement_clock):
        run = ingest_run(source="listing", items=iter(items), checked=True)
    total, wall = time.process_time() - start, time.perf_counter() - clock
    total_server = server() - on_server
    rows = [
        (
            name,
            f"{seconds:.2f}",
            f"{seconds / len(items) * 1e6:.0f}",
            f"{waited[name]:.2f}",
            f"{served[name]:.2f}",
        )
        for name, seconds in spent.items()
    ]
    rows.append(("rest of ingest_run", f"{total - sum(spent.values()):.2f}", "", "", ""))
    rows.append(
        (
            "ingest_run in all",
            f"{total:.2f}",
            f"{total / len(items) * 1e6:.0f}",
            f"{wall:.2f}",
            f"{total_server:.2f}",
        )
    )
    rows.append(
        (
            "parsing (not in ingest_run)",
            f"{parse_cpu:.2f}",
            f"{parse_cpu / len(items) * 1e6:.0f}",
            "",
            "",
        )
    )
    print(
        f"{len(items):,} records ({run.new:,} new) into {django.db.connection.vendor}; "
        f"CPU of this process; load {os.getloadavg()[0]:.1f} (nested steps overlap)"
    )
    print(table(rows, ("phase", "CPU s", "µs/record", "wall s", "server CPU s")))
    slowest = sorted(statements.items(), key=lambda item: -item[1][1])[:16]
    print("SQL statements by wall time (COPY runs outside Django's cursor: not here)")
    print(
        table(
            [
                (sql, str(n), f"{seconds:.2f}", f"{cpu:.2f}", f"{on_server:.2f}")
                for sql, (n, seconds, cpu, on_server) in slowest
            ],
            ("statement", "calls", "wall s", "CPU s", "server CPU s"),
        )
    )
    print("The parsing process's steps, timed apart in this process")
    print(
        table(
            [(name, f"{cpu:.2f}", f"{cpu / len(items) * 1e6:.0f}") for name, cpu in steps],
            ("step", "CPU s", "µs/record"),
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
