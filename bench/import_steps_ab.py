"""The two halves of a file import, HEAD beside another commit, in alternating rounds.

Each round runs, for HEAD and for ``--against`` (each from its exported tree, a fresh interpreter
and a fresh SQLite database or emptied PostgreSQL database each): the parsing process's work
(the records of the archive, as the parsing process makes them: ``iter_checked_records`` where
the commit has it, else ``iter_files_records``) and then ``ingest_run`` on those records, as
``paperfeed ingest file`` does with them. CPU seconds of this process (``time.process_time``)
for each half, and the PostgreSQL backend's for the import: what the end-to-end bench
(``bench.import_speed``) measures, without the start-up, the hand-over and the load's wall noise.

    BENCH_PG_TAG=s64 .venv/bin/python -m bench.import_steps_ab --against aedcd99 --rounds 4 \\
        [--postgres postgres://.../s64_steps]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import BENCH_VAR, REPO, export_commit, require_shared, table

_CHILD = """
import json, os, sys, time
from pathlib import Path
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import connection
from paperfeed.ingest import services
from paperfeed.ingest.parsers import detect
checked = hasattr(detect, "iter_checked_records")
parse = detect.iter_checked_records if checked else detect.iter_files_records
start = time.process_time()
items = list(parse([Path(sys.argv[1])], ["listing"], None, None))
parsing = time.process_time() - start
server = lambda: 0.0
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")
    server = lambda: int(stat.read_text().split()[0]) / 1e9
extra = {"checked": True} if checked else {}
start, clock, served = time.process_time(), time.perf_counter(), server()
run = services.ingest_run(source="listing", items=iter(items), **extra)
print(json.dumps({
    "parse": parsing, "import": time.process_time() - start, "server": server() - served,
    "wall": time.perf_counter() - clock, "new": run.new, "load": os.getloadavg()[0],
}))
"""


def _one(code: Path, archive: Path, postgres: str | None) -> dict:
    data = BENCH_VAR / "import-steps"
    data.mkdir(parents=True, exist_ok=True)
    (data / "pf.sqlite3").unlink(missing_ok=True)
    if postgres:
        from bench.import_speed import _pg_empty

        _pg_empty(postgres)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(code), str(REPO)]),
        "PAPERFEED_DATA_DIR": str(data),
        "DATABASE_URL": postgres or f"sqlite:///{data}/pf.sqlite3",
        "DJANGO_SETTINGS_MODULE": "paperfeed.settings",
    }
    python = str(REPO / ".venv/bin/python")
    proc = subprocess.run(
        [python, "-c", _CHILD, str(archive)], env=env, capture_output=True, text=True, cwd=code
    )
    if proc.returncode:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--against", required=True, metavar="COMMIT")
    parser.add_argument("--records", type=int, default=40_000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--postgres", help="a PostgreSQL database to empty and import into")
    args = parser.parse_args(argv)
    require_shared()
    from bench.corpus import small_archive

    archive = small_archive(args.records)

    def commit(name: str) -> str:
        found = subprocess.run(["git", "rev-parse", name], cwd=REPO, capture_output=True, text=True)
        return found.stdout.strip()

    trees = {
        "HEAD": export_commit(commit("HEAD")),
        args.against: export_commit(commit(args.against)),
    }
    rows = []
    for number in range(args.rounds):
        order = list(trees) if number % 2 == 0 else list(reversed(trees))
        for name in order:
            found = _one(trees[name], archive, args.postgres)
            rows.append(
                (
                    str(number + 1),
                    name,
                    f"{found['parse']:.2f}",
                    f"{found['import']:.2f}",
                    f"{found['server']:.2f}",
                    f"{found['wall']:.2f}",
                    f"{found['load']:.1f}",
                )
            )
            print("  ".join(rows[-1]), flush=True)
            time.sleep(1)
    headers = ("round", "code", "parse CPU s", "ingest_run CPU s", "server CPU s", "wall s", "load")
    print(table(rows, headers))


if __name__ == "__main__":
    main(sys.argv[1:])
