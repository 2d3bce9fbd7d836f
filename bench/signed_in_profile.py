"""Where a signed-in page's CPU goes: cProfile over each signed-in path, in process, as the
member ``bench-reader`` (bench/inprocess.py: READER), default caches (the cards come from the
card cache, as on a running site).

    .venv/bin/python -m bench.signed_in_profile [--corpus 10k] [--requests 40] [--top 25] [PATH ...]

Prints, per path, the CPU per request (``time.process_time``, profiler off, best of 5 batches),
the queries, then under the profiler the share of the request in a few named parts (SQL in the
driver, Django building SQL, templates, session and user, the card cache) and the functions
with the most time of their own. The catalogue is written to once (the member and its votes),
so use your own copy of a shared one, or ``--read-only`` (a member held in memory, no votes;
``--corpus 1m --read-only`` for the shared 1 M catalogue; ``--read-only --database-sessions
--corpus <copy>`` with a database session row, on a writable copy).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

from bench.inprocess import DATABASE_SESSIONS_READER, READ_ONLY_READER, READER, SIGNED_IN_PATHS

HERE = Path(__file__).resolve().parents[1]

# (label, file suffix, function name): cumulative time of these functions, as a share of the
# request. They overlap (templates contain queries), so they do not add up.
PARTS = (
    ("SQL in the driver", "~", "<method 'execute' of 'sqlite3.Cursor' objects>"),
    ("SQL in the driver (psycopg)", "cursor.py", "execute"),
    ("Django building SQL", "compiler.py", "as_sql"),
    ("model instances from rows", "query.py", "__iter__"),
    ("templates (Template.render)", "base.py", "render"),
    ("session load", "base.py", "_get_session"),
    ("user load (auth.get_user)", "__init__.py", "get_user"),
    ("CSRF", "csrf.py", "process_view"),
    ("card keys", "cards.py", "card_key"),
    ("cards_html", "cards.py", "cards_html"),
    ("rows_for", "row_selectors.py", "rows_for"),
    ("connect (new DB connection)", "base.py", "connect"),
)


def _parts(stats: pstats.Stats, total: float) -> list[tuple[str, float]]:
    found = []
    raw = stats.stats  # type: ignore[attr-defined]
    for label, suffix, name in PARTS:
        seconds = 0.0
        for (filename, _line, function), (_cc, _nc, _tt, ct, _callers) in raw.items():
            if function == name and filename.endswith(suffix):
                seconds = max(seconds, ct)
        if seconds:
            found.append((label, seconds / total))
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--corpus", default="10k")
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="a shared catalogue nobody may write to: opened read-only, a member held in memory "
        "(bench/inprocess.py: READ_ONLY_READER)",
    )
    parser.add_argument(
        "--database-sessions",
        action="store_true",
        help="with --read-only: the member's session a database row (the default engine), so "
        "--corpus names a writable copy (bench/signed_in_db.py --database-sessions)",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="every request rebuilds the shared body (core/readerslots.py): what one request "
        "in each freshness interval costs",
    )
    args = parser.parse_args(argv)
    meta = json.loads((HERE / f"var/bench/corpora/{args.backend}-{args.corpus}.json").read_text())
    os.environ.update(meta["env"])
    os.environ["DJANGO_SETTINGS_MODULE"] = "paperfeed.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings

    scope: dict = {"settings": settings, "sys": sys}
    # The bench's own set-up code (bench/inprocess.py).
    reader = DATABASE_SESSIONS_READER if args.database_sessions else READ_ONLY_READER
    exec(reader if args.read_only else READER, scope)  # noqa: S102
    if args.rebuild:
        from paperfeed.core import readerslots

        readerslots.shared_copy = lambda key, seconds, build: build()  # type: ignore[assignment]
    client = scope["client"]
    with override_settings(ALLOWED_HOSTS=["*"]):
        for path in args.paths or SIGNED_IN_PATHS:
            client.get(path)
            settings.DEBUG = True
            client.get(path)
            queries = list(connection.queries)
            settings.DEBUG = False
            best = float("inf")
            for _ in range(5):
                started = time.process_time()
                for _ in range(8):
                    client.get(path)
                best = min(best, (time.process_time() - started) / 8)
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(args.requests):
                client.get(path)
            profiler.disable()
            stats = pstats.Stats(profiler)
            total = stats.total_tt  # type: ignore[attr-defined]
            print(f"\n## {path}: {best * 1000:.2f} ms CPU, {len(queries)} queries")
            for query in queries:
                print(f"   {query['time']}s  {query['sql'][:150]}")
            print(f"   under the profiler: {total / args.requests * 1000:.2f} ms a request")
            for label, share in _parts(stats, total):
                print(f"   {share:6.1%}  {label}")
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(
                os.environ.get("BENCH_PROFILE_SORT", "tottime")
            ).print_stats(args.top)
            print(out.getvalue().split("Ordered by", 1)[-1])


if __name__ == "__main__":
    main(sys.argv[1:])
