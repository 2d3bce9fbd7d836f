"""What the engine's count costs, and what the binding offers instead (S63, issue #17).

Runs ``bench.search_speed``'s distinct queries (plus single words, as
``bench.search_engine_profile`` does) through ``textindex.search`` and, for every query whose
first pass walks every match (not the capped title subset, not newest first, not the broad
phrase's newest papers), times on that very query object, alternating, best of ``--reps`` by
CPU:

- ``today``: ``searcher.search(query, depth, count=True)``, the top-k and the count in one walk;
- ``no count``: the same with ``count=False`` (tantivy-py still collects through a
  ``MultiCollector``, so the walk is the same, scored, without pruning);
- ``count alone``: an unscored count, ``searcher.aggregate`` (tantivy disables scoring for an
  aggregation: postings without frequencies, no BM25);
- ``no count + count alone``: option (a), a top-k without the count plus a separate count;

and checks that the answers agree (the same hits and scores with and without the count, the
aggregation's count equal to the collector's). For one-word queries it also says how often
the term dictionaries' document frequencies (``searcher.doc_freq`` per field) would give the
count: a word matches in the title, the abstract or the authors, so the union's size lies
between the largest field's frequency and their sum (and a frequency still counts deleted
papers until a merge); the bound decides "at least the cap" only, never the number.

    PAPERFEED_DATA_DIR=... DATABASE_URL=... .venv/bin/python -m bench.search_count_options \\
        [--queries 1000] [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

OPTIONS = ("today", "no count", "count alone")


def _cpu(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    result = call()
    return time.process_time() - start, result


def unscored_count(searcher: Any, query: Any) -> int:
    """The number of matches of ``query``, counted with scoring off (every paper has one id)."""
    found = searcher.aggregate(query, {"n": {"value_count": {"field": "id"}}})
    return int(found["n"]["value"] or 0)


class _Recording:
    """A searcher that notes the depth when ``query`` itself is searched: the first pass walked
    every match (the capped path searches the title subset, another query object)."""

    def __init__(self, searcher: Any, query: Any) -> None:
        self.searcher, self.query, self.walked = searcher, query, None

    def search(self, query: Any, limit: int, **options: Any) -> Any:
        if query is self.query:
            self.walked = limit
        return self.searcher.search(query, limit, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.searcher, name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from bench.common import table
    from bench.search_engine_profile import _p, kind_of, live_index_and_queries, search_options
    from paperfeed.papers import querysyntax, search, textindex
    from paperfeed.papers import textindex_query as tq

    index, texts = live_index_and_queries(args.queries)

    walked: list[dict[str, Any]] = []
    seen: dict[str, Any] = {}
    plain_best = tq.best

    def best(index: Any, searcher: Any, query: Any, **options: Any) -> Any:
        recording = _Recording(searcher, query)
        hits, total = plain_best(index, recording, query, **options)
        if recording.walked is not None:
            depth = recording.walked
            calls: dict[str, Callable[[], Any]] = {
                "today": lambda: searcher.search(query, depth, count=True),
                "no count": lambda: searcher.search(query, depth, count=False),
                "count alone": lambda: unscored_count(searcher, query),
            }
            spent = dict.fromkeys(calls, float("inf"))
            answers: dict[str, Any] = {}
            for rep in range(args.reps):
                for name in calls if rep % 2 == 0 else reversed(calls):
                    seconds, answers[name] = _cpu(calls[name])
                    spent[name] = min(spent[name], seconds)
            today, alone = answers["today"], answers["no count"]
            seen.update(
                spent=spent,
                count=tq.count_of(today),
                same_hits=[(s, a.segment_ord, a.doc) for s, a in today.hits]
                == [(s, a.segment_ord, a.doc) for s, a in alone.hits],
                same_count=answers["count alone"] == tq.count_of(today),
            )
        return hits, total

    tq.best = best
    hidden = search.hidden_ids()
    load = [os.getloadavg()[0]]
    bounds = {"one-word walks": 0, "count = largest field's": 0, "count >= cap": 0}
    bounds["largest field's >= cap"] = 0
    searcher = index.searcher()
    try:
        for n, text in enumerate(texts):
            parsed = querysyntax.parse_query(text)
            if parsed.is_empty:
                continue
            seen.clear()
            textindex.search(index, **search_options(parsed, hidden))
            if not seen:
                continue
            walked.append({"text": text, "kind": kind_of(text), **seen})
            stems = list(tq.STEMMED.analyze(parsed.terms[0])) if len(parsed.terms) == 1 else []
            if kind_of(text) == "word" and len(stems) == 1:
                largest = max(searcher.doc_freq(field, stems[0]) for field in tq.TEXT_FIELDS)
                bounds["one-word walks"] += 1
                bounds["count = largest field's"] += largest == seen["count"]
                bounds["count >= cap"] += seen["count"] >= search.COUNT_CAP
                bounds["largest field's >= cap"] += largest >= search.COUNT_CAP
            if n % 200 == 0:
                load.append(os.getloadavg()[0])
    finally:
        tq.best = plain_best
    load.append(os.getloadavg()[0])
    print(
        f"{searcher.num_docs:,} papers; {len(texts)} queries, {len(walked)} walk every match;"
        f" best of {args.reps} alternating, engine CPU ms; load {min(load):.1f}-{max(load):.1f}"
    )
    rows = []
    for name in (*OPTIONS, "no count + count alone"):
        values = [sum(row["spent"][part] for part in name.split(" + ")) for row in walked]
        ratios = [v / row["spent"]["today"] for v, row in zip(values, walked, strict=True)]
        rows.append(
            (
                name,
                f"{_p(values, 0.5):.2f} / {_p(values, 0.95):.2f} / {_p(values, 0.99):.2f}",
                f"{sum(values) / len(values) * 1000:.2f}",
                f"{sum(values) / sum(row['spent']['today'] for row in walked):.2f}",
                f"{sorted(ratios)[len(ratios) // 2]:.2f}",
            )
        )
    print(table(rows, ("option", "p50 / p95 / p99", "mean", "sum ratio", "median ratio")))
    big = [row for row in walked if row["count"] >= search.COUNT_CAP]
    print(
        f"answers: hits and scores the same without the count {sum(r['same_hits'] for r in walked)}"
        f" of {len(walked)}; unscored count equal {sum(r['same_count'] for r in walked)};"
        f" walks with at least the cap of matches {len(big)}"
    )
    print("one word, document frequencies: " + ", ".join(f"{k} {v}" for k, v in bounds.items()))


if __name__ == "__main__":
    main()
