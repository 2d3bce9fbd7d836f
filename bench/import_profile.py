"""Where an import's CPU goes, phase by phase, without a profiler's distortion.

Parses the archive first (outside the measurement), then imports its records in batches as
``paperfeed ingest file`` does, timing each step of ``papers_upsert`` with ``time.process_time``
(CPU of this process only: the PostgreSQL server's work is not in it), and the wall time of
each step and of each kind of SQL statement (what waits on the server: on PostgreSQL the
difference between a step's wall and CPU time is mostly the server's work).

    .venv/bin/python -m bench.import_profile [--records 40000] [--postgres postgres://.../db]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench.common import BENCH_VAR, require_shared, table

PHASES = {
    "paperfeed.papers.services": ("check_record", "strip_nul", "merge"),
    "paperfeed.papers.upsert": (
        "load_states",
        "write_papers",
        "write_links",
        "write_featured",
        "_author_ids",
    ),
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

    from paperfeed.ingest.parsers.detect import iter_files_records
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
    items = list(iter_files_records([archive], ["listing"], None, None))
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
    from paperfeed.ingest.parsers.detect import iter_files_records

    start = time.process_time()
    items = list(iter_files_records([Path(archive)], ["listing"], None, None))
    parse_cpu = time.process_time() - start
    steps = parsing_steps(Path(archive))

    spent: dict[str, float] = defaultdict(float)
    waited: dict[str, float] = defaultdict(float)
    statements: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])

    def timed(name: str, function):
        def wrapper(*args, **kwargs):
            began, clock = time.process_time(), time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - began
                waited[name] += time.perf_counter() - clock

        return wrapper

    def statement_clock(execute, sql, params, many, context):
        clock, began = time.perf_counter(), time.process_time()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = statements[" ".join(str(sql).split())[:90]]
            kind[0] += 1
            kind[1] += time.perf_counter() - clock
            kind[2] += time.process_time() - began

    for module_name, names in PHASES.items():
        module = importlib.import_module(module_name)
        for name in names:
            setattr(module, name, timed(name, getattr(module, name)))
    from django.db.backends.base.base import BaseDatabaseWrapper

    BaseDatabaseWrapper._commit = timed("commits", BaseDatabaseWrapper._commit)
    services = importlib.import_module("paperfeed.papers.services")
    services.upsert = importlib.import_module("paperfeed.papers.upsert")
    from paperfeed.ingest.services import ingest_run

    start, clock = time.process_time(), time.perf_counter()
    with django.db.connection.execute_wrapper(statement_clock):
        run = ingest_run(source="listing", items=iter(items))
    total, wall = time.process_time() - start, time.perf_counter() - clock
    rows = [
        (name, f"{seconds:.2f}", f"{seconds / len(items) * 1e6:.0f}", f"{waited[name]:.2f}")
        for name, seconds in spent.items()
    ]
    rows.append(("rest of ingest_run", f"{total - sum(spent.values()):.2f}", "", ""))
    rows.append(
        ("ingest_run in all", f"{total:.2f}", f"{total / len(items) * 1e6:.0f}", f"{wall:.2f}")
    )
    rows.append(
        (
            "parsing (not in ingest_run)",
            f"{parse_cpu:.2f}",
            f"{parse_cpu / len(items) * 1e6:.0f}",
            "",
        )
    )
    print(
        f"{len(items):,} records ({run.new:,} new) into {django.db.connection.vendor}; "
        f"CPU of this process; load {os.getloadavg()[0]:.1f} (nested steps overlap)"
    )
    print(table(rows, ("phase", "CPU s", "µs/record", "wall s")))
    slowest = sorted(statements.items(), key=lambda item: -item[1][1])[:16]
    print("SQL statements by wall time (COPY runs outside Django's cursor: not here)")
    print(
        table(
            [(sql, str(n), f"{seconds:.2f}", f"{cpu:.2f}") for sql, (n, seconds, cpu) in slowest],
            ("statement", "calls", "wall s", "CPU s"),
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
