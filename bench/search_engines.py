"""The search engine candidates of issue #17, side by side on one catalogue and one query set.

For each of the distinct queries of ``bench/search_speed.py`` (words only: the filters are the
same in every engine), each candidate answers "the best 20 and the number of matches" in turn,
query by query, so a busy machine slows them alike (wall time, p50 / p95 / p99):

- ``tantivy``: the embedded index (``paperfeed search rebuild`` first), BM25, count included;
- SQLite ``fts5``: today's database fallback, bm25() over every match, then the capped count;
- SQLite ``fts5-window``: the smarter FTS5 plan, bm25() over the newest 2,000 matches only
  (``rowid >=`` the 2,000th newest match), then the capped count;
- PostgreSQL ``gin``: today's fallback, ``ts_rank_cd`` over every GIN match, the capped count;
- PostgreSQL ``rum``: a RUM index (``postgresql-15-rum``) on a copy of the tsvectors, ranked
  inside the index by ``<=>`` (``--rum`` builds it once: table ``bench_rum``), and the count.

    DATABASE_URL=... PAPERFEED_DATA_DIR=... .venv/bin/python -m bench.search_engines \\
        [--queries 1000] [--rum]
"""

from __future__ import annotations

import argparse
import os
import time

from bench.common import table

WINDOW = 2_000
CAP = 10_100


def _fts5(cursor, expression: str, window: bool) -> tuple[list[int], int]:
    bm25 = "bm25(papers_fts, 10.0, 1.0, 3.0)"
    if window:
        cursor.execute(
            "SELECT min(rowid) FROM (SELECT rowid FROM papers_fts WHERE papers_fts MATCH %s "
            "ORDER BY rowid DESC LIMIT %s)",
            [expression, WINDOW],
        )
        low = cursor.fetchone()[0] or 0
        cursor.execute(
            f"SELECT rowid FROM papers_fts WHERE papers_fts MATCH %s AND rowid >= %s "
            f"ORDER BY {bm25} LIMIT 20",
            [expression, low],
        )
    else:
        cursor.execute(
            f"SELECT rowid FROM papers_fts WHERE papers_fts MATCH %s ORDER BY {bm25} LIMIT 20",
            [expression],
        )
    ids = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT count(*) FROM (SELECT 1 FROM papers_fts WHERE papers_fts MATCH %s LIMIT %s)",
        [expression, CAP],
    )
    return ids, cursor.fetchone()[0]


def _postgres(cursor, expression: str, table_name: str, rum: bool) -> tuple[list[int], int]:
    if rum:
        cursor.execute(
            f"SELECT paper_id FROM {table_name} WHERE document @@ to_tsquery('english', %s) "
            "ORDER BY document <=> to_tsquery('english', %s) LIMIT 20",
            [expression, expression],
        )
    else:
        cursor.execute(
            f"SELECT paper_id FROM {table_name} f, to_tsquery('english', %s) q "
            "WHERE f.document @@ q ORDER BY ts_rank_cd(f.document, q) DESC LIMIT 20",
            [expression],
        )
    ids = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {table_name} "
        "WHERE document @@ to_tsquery('english', %s) LIMIT %s) AS hits",
        [expression, CAP],
    )
    return ids, cursor.fetchone()[0]


def build_rum() -> float:
    """A copy of papers_fts with a RUM index (seconds to build it)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS rum")
        cursor.execute("DROP TABLE IF EXISTS bench_rum")
        cursor.execute("CREATE TABLE bench_rum AS SELECT paper_id, document FROM papers_fts")
        cursor.execute(
            "CREATE INDEX bench_rum_document ON bench_rum USING rum (document rum_tsvector_ops)"
        )
        cursor.execute("ANALYZE bench_rum")
    return time.perf_counter() - started


def _stats(seconds: list[float]) -> tuple[str, str, str, str]:
    ordered = sorted(seconds)
    n = len(ordered)
    return (
        f"{ordered[n // 2] * 1000:.2f}",
        f"{ordered[int(n * 0.95)] * 1000:.2f}",
        f"{ordered[min(n - 1, int(n * 0.99))] * 1000:.2f}",
        f"{sum(ordered) / n * 1000:.2f}",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--rum", action="store_true", help="(re)build the RUM copy first")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from django.db import connection

    from bench.search_speed import queries
    from paperfeed.papers import querysyntax, search, textindex
    from paperfeed.papers.models import Paper

    index = textindex.engine_index()
    postgres = connection.vendor == "postgresql"
    rum_seconds = build_rum() if args.rum and postgres else None
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_rum') IS NOT NULL" if postgres else "SELECT 0")
        has_rum = bool(cursor.fetchone()[0])
    texts = []
    for text in queries(args.queries * 2):
        parsed = querysyntax.parse_query(text)
        if parsed.terms and not (parsed.categories or parsed.years or parsed.author_terms):
            texts.append(parsed)
        if len(texts) == args.queries:
            break
    engines: dict[str, object] = {}
    if index is not None:
        engines["tantivy"] = lambda p: textindex.search(
            index, terms=p.terms, phrases=p.phrases, limit=20
        )
    if postgres:
        engines["gin (ts_rank_cd)"] = lambda p, c: _postgres(
            c, search.fts_query(p.terms, phrases=p.phrases), "papers_fts", rum=False
        )
        if has_rum:
            engines["rum (<=>)"] = lambda p, c: _postgres(
                c, search.fts_query(p.terms, phrases=p.phrases), "bench_rum", rum=True
            )
    else:
        engines["fts5 (bm25, all matches)"] = lambda p, c: _fts5(
            c, search.fts_query(p.terms, phrases=p.phrases), window=False
        )
        engines[f"fts5 (bm25, newest {WINDOW:,})"] = lambda p, c: _fts5(
            c, search.fts_query(p.terms, phrases=p.phrases), window=True
        )
    times: dict[str, list[float]] = {name: [] for name in engines}
    cpu: dict[str, list[float]] = {name: [] for name in engines}
    tops: dict[str, list[list[int]]] = {name: [] for name in engines}
    load = os.getloadavg()[0]
    with connection.cursor() as cursor:
        for parsed in texts:
            for name, run in engines.items():
                started, clock = time.perf_counter(), time.process_time()
                ids, _ = run(parsed) if name == "tantivy" else run(parsed, cursor)  # type: ignore[operator]
                cpu[name].append(time.process_time() - clock)
                times[name].append(time.perf_counter() - started)
                tops[name].append(ids)
    papers = Paper.objects.count()
    print(
        f"{papers:,} papers ({connection.vendor}), {len(texts)} distinct word/phrase queries, "
        "top 20 + count, wall ms (and CPU ms of this process), engines interleaved query by "
        f"query; load average "
        f"{load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
        + (f"; RUM copy built in {rum_seconds:.0f} s" if rum_seconds else "")
    )
    first = next(iter(engines), None)
    rows = []
    for name in engines:
        overlap = ""
        if first and name != first:
            shared = [
                len(set(a[:10]) & set(b[:10])) / max(1, min(10, len(a)))
                for a, b in zip(tops[first], tops[name], strict=True)
                if a
            ]
            overlap = f"{sum(shared) / max(1, len(shared)):.2f}"
        # CPU of this process: the whole cost for tantivy and SQLite, only the client's for
        # PostgreSQL (its server process does the work), so left out there.
        in_here = name == "tantivy" or not postgres
        cpu_p50, cpu_p95, _, _ = _stats(cpu[name]) if in_here else ("-", "-", "", "")
        rows.append((name, *_stats(times[name]), cpu_p50, cpu_p95, overlap))
    headers = ("engine", "p50", "p95", "p99", "mean", "CPU p50", "CPU p95")
    print(table(rows, (*headers, f"top-10 shared with {first}")))


if __name__ == "__main__":
    main()
