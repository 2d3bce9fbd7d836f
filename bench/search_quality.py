"""Known-item search quality: MRR@10 per search mode (and per engine) on an imported catalogue.

A reader who half-remembers a title types some of its words in some order. Each query here is
a real title with about one word in four left out and the rest shuffled (seeded, so every run
asks the same questions); the answer is that paper (or any paper with the same title: reprints
and duplicates are the same known item). MRR@10 is the mean of 1/rank of the answer in the top
10 (0 when it is not there). The default mode must never score below words-only.

    PAPERFEED_DATA_DIR=var/bench/corpora/sqlite-real \\
    DATABASE_URL=sqlite:///var/bench/corpora/sqlite-real/pf.sqlite3 \\
        .venv/bin/python -m bench.search_quality [--queries 1000]
"""

from __future__ import annotations

import argparse
import os
import random
import time

QUERY_SEED = 17


def known_item_query(title: str, rng: random.Random) -> str | None:
    """Title words with about one in four dropped (at least one when there are four or more),
    shuffled; None for titles too short to make a question of."""
    from paperfeed.papers.querysyntax import words_of

    words = words_of(title)
    if len(words) < 3:
        return None
    drop = max(1, len(words) // 4) if len(words) >= 4 else 0
    kept = rng.sample(words, k=len(words) - drop)
    rng.shuffle(kept)
    return " ".join(kept)


def known_items(count: int) -> list[tuple[str, str]]:
    """(query, normalised title of the answer) pairs from the catalogue's visible papers."""
    from paperfeed.papers.models import Paper

    rng = random.Random(QUERY_SEED)
    ids = list(Paper.objects.visible().exclude(abstract="").values_list("id", flat=True))
    picked = rng.sample(ids, k=min(len(ids), count * 2))
    titles = dict(Paper.objects.filter(pk__in=picked).values_list("id", "title"))
    items: list[tuple[str, str]] = []
    for pk in picked:
        query = known_item_query(titles[pk], rng)
        if query is not None:
            items.append((query, _norm(titles[pk])))
        if len(items) == count:
            break
    return items


def _norm(title: str) -> str:
    return " ".join(title.casefold().split())


def mrr_at_10(items: list[tuple[str, str]], mode: str) -> tuple[float, float, list[float]]:
    """(MRR@10, share found in the top 10, seconds per query)."""
    from paperfeed.papers.search_selectors import search_papers

    total = 0.0
    found = 0
    seconds: list[float] = []
    for query, title in items:
        started = time.perf_counter()
        rows = search_papers(query=query, limit=10, mode=mode).papers
        seconds.append(time.perf_counter() - started)
        for rank, row in enumerate(rows, start=1):
            if _norm(row.paper.title) == title:
                total += 1 / rank
                found += 1
                break
    return total / len(items), found / len(items), seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--modes", default="keyword,hybrid,semantic")
    parser.add_argument("--engines", default="tantivy,database")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    os.environ["PAPERFEED_SEARCH_CACHE_SECONDS"] = "0"
    import django

    django.setup()
    from django.conf import settings

    from paperfeed.papers import textindex

    items = known_items(args.queries)
    print(f"known-item set: {len(items)} queries, e.g. {items[0][0]!r}")
    print(f"{'engine':<9} {'mode':<10} {'MRR@10':>7} {'in top 10':>9} {'p50 ms':>7} {'p95 ms':>7}")
    for engine in args.engines.split(","):
        settings.PAPERFEED_SEARCH_ENGINE = engine
        if engine == "tantivy" and textindex.engine_index() is None:
            print(f"{engine:<9} no index: run `paperfeed search rebuild` first")
            continue
        for mode in args.modes.split(","):
            if engine != args.engines.split(",")[0] and mode == "semantic":
                continue  # the same meaning search whatever the words' engine
            mrr, share, seconds = mrr_at_10(items, mode)
            seconds.sort()
            p50 = seconds[len(seconds) // 2] * 1000
            p95 = seconds[int(len(seconds) * 0.95)] * 1000
            default = " (default)" if mode == settings.PAPERFEED_SEARCH_DEFAULT_MODE else ""
            print(
                f"{engine:<9} {mode:<10} {mrr:>7.3f} {share:>9.3f} {p50:>7.1f} {p95:>7.1f}{default}"
            )


if __name__ == "__main__":
    main()
