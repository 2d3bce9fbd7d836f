"""Search speed per engine, side by side on one catalogue: in process, then over HTTP.

A set of distinct queries (default 1,200) made from the catalogue's own papers, so no cache
helps: two and three title words, a quoted phrase of a title, an author's surname
(``author:``), words with ``cat:`` or ``year:``, a half-remembered title (words missing,
shuffled), and ``sort:date``. Every engine answers the same queries in the same process, one
after the other, so a busy shared machine slows them alike: compare the ratios.

1. In process: the engine alone (``search.search_filtered``: one page of ids and the count) and
   the whole selector (``search_papers``: rows, highlighting), p50 / p95 per engine.
2. HTTP (``--http SECONDS``): ``paperfeed web`` (gunicorn, 2 workers), every cache off, wrk at 32
   connections cycling through the same queries on ``/search``, per engine.

    PAPERFEED_DATA_DIR=var/bench/corpora/sqlite-real \\
    DATABASE_URL=sqlite:///var/bench/corpora/sqlite-real/pf.sqlite3 \\
        .venv/bin/python -m bench.search_speed [--queries 1200] [--http 10]

The tantivy index must exist (``paperfeed search rebuild``).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.common import table

SEED = 29


def queries(count: int) -> list[str]:
    """``count`` distinct queries of the kinds readers type, from the catalogue's papers."""
    from paperfeed.papers.models import Paper, PaperAuthor
    from paperfeed.papers.querysyntax import words_of

    rng = random.Random(SEED)
    ids = list(Paper.objects.visible().values_list("id", flat=True))
    picked = rng.sample(ids, k=min(len(ids), count * 2))
    rows = Paper.objects.filter(pk__in=picked).values_list(
        "id", "title", "primary_category", "published"
    )
    surnames = dict(
        PaperAuthor.objects.filter(paper_id__in=picked, position=0).values_list("paper_id", "name")
    )
    out: dict[str, None] = {}
    for n, (pk, title, category, published) in enumerate(rows):
        words = [w for w in words_of(title) if len(w) > 3]
        if len(words) < 3:
            continue
        kind = n % 8
        two = " ".join(rng.sample(words, k=2)).lower()
        if kind == 0:
            query = two
        elif kind == 1:
            query = " ".join(rng.sample(words, k=3)).lower()
        elif kind == 2:
            start = rng.randrange(len(words) - 1)
            query = f'"{words[start]} {words[start + 1]}"'
        elif kind == 3 and pk in surnames and surnames[pk].split():
            query = f"author:{surnames[pk].split()[-1]}"
        elif kind == 4 and category:
            query = f"{two} cat:{category}"
        elif kind == 5:
            query = f"{words[0].lower()} year:{published.year}"
        elif kind == 6:
            kept = rng.sample(words, k=max(2, len(words) - len(words) // 4))
            query = " ".join(kept)
        else:
            query = f"{two} sort:date"
        out[query] = None
        if len(out) == count:
            break
    return list(out)


def filtered(parsed, *, limit: int = 20) -> tuple[list[int], int]:
    """The engine's answer to a parsed query (``search.search_filtered``): a page of ids and
    the count."""
    from paperfeed.papers import search

    return search.search_filtered(**parsed.criteria, sort=parsed.sort or "relevance", limit=limit)


def _percentiles(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)
    return ordered[len(ordered) // 2] * 1000, ordered[int(len(ordered) * 0.95)] * 1000


def in_process(texts: list[str], engines: list[str]) -> list[tuple[str, ...]]:
    from django.conf import settings

    from paperfeed.papers import querysyntax
    from paperfeed.papers.search_selectors import search_papers

    parsed = [querysyntax.parse_query(text) for text in texts]
    rows = []
    for engine in engines:
        settings.PAPERFEED_SEARCH_ENGINE = engine
        engine_times: list[float] = []
        for query in parsed:
            started = time.perf_counter()
            filtered(query)
            engine_times.append(time.perf_counter() - started)
        page_times: list[float] = []
        for text in texts:
            started = time.perf_counter()
            search_papers(query=text, limit=20, mode="keyword")
            page_times.append(time.perf_counter() - started)
        e50, e95 = _percentiles(engine_times)
        s50, s95 = _percentiles(page_times)
        rows.append((engine, f"{e50:.2f}", f"{e95:.2f}", f"{s50:.2f}", f"{s95:.2f}"))
    return rows


PHASES = ("engine", "engine (no count)", "did you mean", "rows (DB)", "highlight", "page render")


def breakdown(texts: list[str], *, render_every: int = 5) -> list[tuple[str, ...]]:
    """Where a cold search's CPU goes, phase by phase, with the live engine: the engine with
    its count (what search_filtered does), the engine without the count, "did you mean"
    (only queries with no hit pay it), the rows fetched from the database, highlighting, and
    the HTML page (Django's test client on every ``render_every``-th query, minus the
    selector). CPU time of this process (time.process_time), so other processes on a busy
    machine do not count."""
    from django.test import Client

    from paperfeed.papers import querysyntax, search_selectors, textindex
    from paperfeed.papers.row_selectors import papers_by_ids

    index = textindex.engine_index()
    times: dict[str, list[float]] = {phase: [] for phase in PHASES}
    client = Client()
    clock = time.process_time
    for n, text in enumerate(texts):
        parsed = querysyntax.parse_query(text)
        if parsed.is_empty:
            continue
        started = clock()
        ids, total = filtered(parsed)
        times["engine"].append(clock() - started)
        if index is not None:
            started = clock()
            textindex.search(
                index, **parsed.criteria, by_date=parsed.sort == "date", limit=20, count=False
            )
            times["engine (no count)"].append(clock() - started)
        if total == 0:
            started = clock()
            search_selectors._corrected(query=text, parsed=parsed)
            times["did you mean"].append(clock() - started)
        started = clock()
        rows = papers_by_ids(ids=ids)
        times["rows (DB)"].append(clock() - started)
        started = clock()
        search_selectors._highlighted(rows, parsed.highlight_words)
        times["highlight"].append(clock() - started)
        if n % render_every == 0:
            started = clock()
            search_selectors.search_papers(query=text, limit=20, mode="keyword")
            selector = clock() - started
            started = clock()
            response = client.get("/search", {"q": text, "mode": "keyword"})
            assert response.status_code == 200, (text, response.status_code)
            times["page render"].append(max(0.0, clock() - started - selector))
    out = []
    for phase, seconds in times.items():
        if not seconds:
            continue
        p50, p95 = _percentiles(seconds)
        mean = sum(seconds) / len(seconds) * 1000
        out.append((phase, str(len(seconds)), f"{p50:.2f}", f"{p95:.2f}", f"{mean:.2f}"))
    return out


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (from /proc), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def over_http(texts: list[str], engines: list[str], seconds: float, mode: str) -> list[tuple]:
    """wrk at 32 connections against gunicorn (2 workers, every cache off) per engine, then
    the static floor: the first 200 result pages, saved, served by the same gunicorn setup.
    Beside each: the workers' CPU per request and their peak RSS."""
    from bench import http

    paths = [
        "/search?" + urlencode({"q": text, **({"mode": mode} if mode else {})}) for text in texts
    ]
    env = {
        key: os.environ[key] for key in ("PAPERFEED_DATA_DIR", "DATABASE_URL") if key in os.environ
    }
    rows = []
    with tempfile.TemporaryDirectory() as scripts:
        static_paths: list[str] = []
        for engine in engines:
            settings_env = {**env, **http.uncached_env(), "PAPERFEED_SEARCH_ENGINE": engine}
            with http.server(http.app_command(), settings_env, f"search-{engine}") as (base, pid):
                http.warm(base, paths)
                if not static_paths:
                    saved = http.save_bodies(base, {"search": paths[:200]}, Path(scripts) / "s")
                    static_paths = saved["search"]
                workers = http.worker_pids(pid)
                cpu = _cpu_seconds(workers)
                result = http.wrk(base, paths, seconds, Path(scripts))
                cpu = _cpu_seconds(workers) - cpu
                http.drain(base)
                rss = max(http.peak_rss_mb(worker) for worker in workers)
            rows.append(_http_row(engine, result, cpu, rss))
        static_env = {"BENCH_STATIC_DIR": str(Path(scripts) / "s")}
        with http.server(http.static_command(), static_env, "search-static") as (base, pid):
            workers = http.worker_pids(pid)
            cpu = _cpu_seconds(workers)
            result = http.wrk(base, static_paths, seconds, Path(scripts))
            cpu = _cpu_seconds(workers) - cpu
            rows.append(_http_row("static, same bytes", result, cpu, 0.0))
    return rows


def _http_row(name: str, result: dict, cpu: float, rss: float) -> tuple[str, ...]:
    per_request = cpu / max(1, result["requests"]) * 1000
    return (
        name,
        str(result["rps"]),
        str(result["p50_ms"]),
        str(result["p95_ms"]),
        str(result["p99_ms"]),
        str(result["non2xx"]),
        f"{per_request:.1f}",
        f"{rss:.0f}" if rss else "",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1200)
    parser.add_argument("--engines", default="tantivy,database")
    parser.add_argument("--http", type=float, default=0, help="seconds of wrk per engine")
    parser.add_argument("--mode", default="", help="search mode over HTTP (default: the site's)")
    parser.add_argument(
        "--breakdown", action="store_true", help="CPU per phase: engine, count, rows, render"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    os.environ["PAPERFEED_SEARCH_CACHE_SECONDS"] = "0"
    import django

    django.setup()
    from paperfeed.papers import textindex
    from paperfeed.papers.models import Paper

    engines = args.engines.split(",")
    if "tantivy" in engines and textindex.engine_index() is None:
        raise SystemExit("no search index for this database: run `paperfeed search rebuild`")
    texts = queries(args.queries)
    print(f"{Paper.objects.count():,} papers, {len(texts)} distinct queries, e.g. {texts[:4]}")
    print(
        f"in process (ms, wall clock; load average {os.getloadavg()[0]:.1f}): the engine alone,"
        " and the whole search selector"
    )
    print(
        table(
            in_process(texts, engines),
            ("engine", "engine p50", "engine p95", "selector p50", "selector p95"),
        )
    )
    if args.breakdown:
        print("where a cold search's CPU goes (ms of process CPU per query, live engine)")
        print(table(breakdown(texts), ("phase", "queries", "p50", "p95", "mean")))
    if args.http:
        print(
            f"HTTP: gunicorn 2 workers, wrk 32 connections, {args.http:.0f} s per engine, every"
            f" cache off; load average {os.getloadavg()[0]:.1f}"
        )
        print(
            table(
                over_http(texts, engines, args.http, args.mode),
                (
                    "engine",
                    "req/s",
                    "p50 ms",
                    "p95 ms",
                    "p99 ms",
                    "non-2xx",
                    "worker CPU ms/req",
                    "worker peak RSS MB",
                ),
            )
        )


if __name__ == "__main__":
    main()
