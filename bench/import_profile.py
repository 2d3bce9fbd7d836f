"""Where an import's CPU goes, phase by phase, without a profiler's distortion.

Parses the archive first (outside the measurement), then imports its records in batches as
``paperfeed ingest file`` does, timing each step of ``papers_upsert`` with ``time.process_time``
(CPU of this process only: the PostgreSQL server's work is not in it).

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
    "paperfeed.papers.search": ("index_papers",),
}


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

    spent: dict[str, float] = defaultdict(float)

    def timed(name: str, function):
        def wrapper(*args, **kwargs):
            began = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - began

        return wrapper

    for module_name, names in PHASES.items():
        module = importlib.import_module(module_name)
        for name in names:
            setattr(module, name, timed(name, getattr(module, name)))
    services = importlib.import_module("paperfeed.papers.services")
    services.upsert = importlib.import_module("paperfeed.papers.upsert")
    from paperfeed.ingest.services import ingest_run

    start = time.process_time()
    run = ingest_run(source="listing", items=iter(items))
    total = time.process_time() - start
    rows = [
        (name, f"{seconds:.2f}", f"{seconds / len(items) * 1e6:.0f}")
        for name, seconds in spent.items()
    ]
    rows.append(("rest of ingest_run", f"{total - sum(spent.values()):.2f}", ""))
    rows.append(("ingest_run in all", f"{total:.2f}", f"{total / len(items) * 1e6:.0f}"))
    rows.append(
        ("parsing (not in ingest_run)", f"{parse_cpu:.2f}", f"{parse_cpu / len(items) * 1e6:.0f}")
    )
    print(
        f"{len(items):,} records ({run.new:,} new) into {django.db.connection.vendor}; "
        f"CPU of this process; load {os.getloadavg()[0]:.1f}"
    )
    print(table(rows, ("phase", "CPU s", "µs/record")))


if __name__ == "__main__":
    main(sys.argv[1:])
