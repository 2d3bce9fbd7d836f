"""Where a distinct-query search request's CPU goes: cProfile over N anonymous searches.

Every cache off (result, card, page and count caches), distinct queries (``bench.search_speed``'s
mix, so no cache could help), each request through Django's whole handler with the test client,
as a gunicorn worker runs it minus the socket. Prints the CPU per request without the profiler
(measured first, on other queries of the same mix), then a table of where the profiled time goes
(the cumulative time of the parts of a request, as a share of the whole), then cProfile's top
functions by cumulative and by own time.

    PAPERFEED_DATA_DIR=... DATABASE_URL=... .venv/bin/python -m bench.search_profile \\
        [--requests 300] [--mode hybrid] [--output FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import io
import os
import pstats
import sys
import time
from pathlib import Path

# (label, file name part, function name): the parts of a request, by their cumulative time.
# Parts nest (the selector holds the engine), so the shares do not add up to 100 %.
PARTS = (
    ("whole request (test client)", "django/test/client.py", "get"),
    ("view: papers.views.search", "papers/views.py", "search"),
    ("selector: search_papers", "papers/search_selectors.py", "search_papers"),
    ("  engine: search.search_filtered", "papers/search.py", "search_filtered"),
    ("  did you mean: _corrected", "papers/search_selectors.py", "_corrected"),
    ("  rows: papers_by_ids", "papers/row_selectors.py", "papers_by_ids"),
    ("  highlighting: _highlighted", "papers/search_selectors.py", "_highlighted"),
    ("  related by meaning: _related_ids", "papers/search_selectors.py", "_related_ids"),
    ("page: search_page.results_page", "papers/search_page.py", "results_page"),
    ("  the kept frame filled (readerslots.fill)", "core/readerslots.py", "fill"),
    ("  cards (community.cards.cards_html)", "community/cards.py", "cards_html"),
    ("    each card's shared part", "papers/card_html.py", "card"),
    ("SQL: execute (all)", "django/db/backends/utils.py", "execute"),
    ("middleware and handler around the view", "django/core/handlers/base.py", "get_response"),
)


def _part_times(stats: pstats.Stats) -> dict[str, float]:
    raw = stats.stats  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    for label, file_part, function in PARTS:
        total = 0.0
        for (filename, _, name), (_, _, _, cumulative, _) in raw.items():
            if name == function and filename.endswith(file_part):
                total = max(total, cumulative)
        out[label] = total
    return out


def _direct_parts(texts: list[str]) -> list[str]:
    """CPU of each part of a search timed directly (no profiler, which inflates the parts made
    of many small Python calls), on the same distinct queries, one part after the other."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from bench.search_speed import filtered
    from paperfeed.community.cards import cards_html
    from paperfeed.papers import querysyntax, search_selectors
    from paperfeed.papers.row_selectors import papers_by_ids

    # As the search page writes a new search's cards: without the card cache where the
    # checkout can (an older one has no ``keep``; its cache is off here anyway).
    as_the_page = {"keep": False} if "keep" in inspect.signature(cards_html).parameters else {}
    # The page's rows read only the card's columns where the checkout can.
    rows_as_the_page = (
        {"card_only": True} if "card_only" in inspect.signature(papers_by_ids).parameters else {}
    )
    request = RequestFactory().get("/search")
    request.user = AnonymousUser()
    spent = dict.fromkeys(("engine (ids and count)", "rows", "highlighting", "cards"), 0.0)
    results = 0
    for n, text in enumerate(texts):
        parsed = querysyntax.parse_query(text)
        started = time.process_time()
        ids, _ = filtered(parsed)
        engine = time.process_time()
        rows = papers_by_ids(ids=ids, **rows_as_the_page)
        read = time.process_time()
        search_selectors._highlighted(rows, parsed.highlight_words)
        marked = time.process_time()
        cards_html(request, rows, **as_the_page)
        done = time.process_time()
        if n < 5:  # the first calls import and load what the parts need
            continue
        results += len(rows)
        for label, seconds in zip(
            spent, (engine - started, read - engine, marked - read, done - marked), strict=True
        ):
            spent[label] += seconds
    count = len(texts) - 5
    lines = [f"{'part, timed directly':<40} {'ms/request':>10} {'us/result':>10}"]
    for label, seconds in spent.items():
        lines.append(
            f"{label:<40} {seconds / count * 1000:>10.2f} {seconds / max(results, 1) * 1e6:>10.1f}"
        )
    lines.append(f"({results / count:.1f} results a page)")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--mode", default="hybrid")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    for name in ("PAGE", "FEED", "COUNT", "SEARCH", "CARD"):
        os.environ[f"PAPERFEED_{name}_CACHE_SECONDS"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from django.test import Client

    from bench.search_speed import queries

    texts = queries(args.requests * 3 + 10)
    client = Client()
    for text in texts[:5]:  # imports, templates, the index's first pages
        client.get("/search", {"q": text, "mode": args.mode})
    plain = texts[5 : 5 + args.requests]
    profiled = texts[5 + args.requests : 5 + 2 * args.requests]
    direct = _direct_parts(texts[5 + 2 * args.requests :])
    times = []
    for text in plain:
        started = time.process_time()
        response = client.get("/search", {"q": text, "mode": args.mode})
        times.append(time.process_time() - started)
        assert response.status_code == 200, (text, response.status_code)
    times.sort()
    profiler = cProfile.Profile(time.process_time)
    started = time.process_time()
    profiler.enable()
    for text in profiled:
        client.get("/search", {"q": text, "mode": args.mode})
    profiler.disable()
    profiled_cpu = time.process_time() - started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    whole = _part_times(stats)["whole request (test client)"] or 1.0
    lines = [
        f"{len(plain)} + {len(profiled)} distinct anonymous searches, mode {args.mode}, every cache"
        f" off; load average {os.getloadavg()[0]:.1f}",
        f"CPU per request without the profiler: mean {sum(times) / len(times) * 1000:.2f} ms,"
        f" p50 {times[len(times) // 2] * 1000:.2f}, p95 {times[int(len(times) * 0.95)] * 1000:.2f}",
        f"with the profiler: {profiled_cpu / len(profiled) * 1000:.2f} ms CPU per request",
        "",
        f"{'part':<40} {'ms/request':>10} {'share':>7}",
    ]
    for label, seconds in _part_times(stats).items():
        lines.append(
            f"{label:<40} {seconds / len(profiled) * 1000:>10.2f} {seconds / whole * 100:>6.1f}%"
        )
    lines += ["", *direct, ""]
    print("\n".join(lines))
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(35)
    report = "\n".join(lines) + "\n" + out.getvalue()
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report)
    else:
        print(out.getvalue())


if __name__ == "__main__":
    main(sys.argv[1:])
