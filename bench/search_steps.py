"""The search selector's steps per query, timed around the real calls: where its time outside
the engine goes.

The mix of ``bench.search_engine_ab`` (distinct queries, single words, misspelt words, bare
arXiv ids), every cache off, one process. Each step the selector calls (``search_papers``'s
engine call and, inside it, the hidden ids and tantivy's search; "did you mean"; the rows;
highlighting; the id look-up) is wrapped with a CPU timer for the run, so the figures are of
the code as the selector runs it. Prints p50 / p95 / mean CPU per step over all queries (a
step a query does not take counts 0) and the selector minus its engine calls, and at the p50
and p95 of that remainder, what the queries around it spend on each step.

    PAPERFEED_DATA_DIR=... DATABASE_URL=... .venv/bin/python -m bench.search_steps \\
        [--queries 1000]
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench.http import django_uncached

# (label, module path, attribute): the calls the selector makes, wrapped where it looks
# them up. Nested steps (hidden ids, tantivy) are inside "engine".
STEPS = (
    ("parse", "paperfeed.papers.querysyntax", "parse_query"),
    ("engine (search_filtered)", "paperfeed.papers.search", "search_filtered"),
    ("  index open (engine_index)", "paperfeed.papers.textindex", "engine_index"),
    ("  hidden ids", "paperfeed.papers.search", "hidden_ids"),
    ("  tantivy (textindex.search)", "paperfeed.papers.textindex", "search"),
    ("did you mean (_corrected)", "paperfeed.papers.search_selectors", "_corrected"),
    ("rows (papers_by_ids)", "paperfeed.papers.search_selectors", "papers_by_ids"),
    ("highlighting (_highlighted)", "paperfeed.papers.search_selectors", "_highlighted"),
    ("by id (_search_by_id)", "paperfeed.papers.search_selectors", "_search_by_id"),
)


def _wrap(spent: dict[str, float], label: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - started

    return timed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args(argv)
    import importlib

    django_uncached()
    from bench.common import table
    from bench.search_engine_ab import _p, query_mix
    from paperfeed.papers.models import Paper
    from paperfeed.papers.search_selectors import search_papers

    texts, _ = query_mix(args.queries)
    spent: dict[str, float] = defaultdict(float)
    for label, module, name in STEPS:
        owner = importlib.import_module(module)
        setattr(owner, name, _wrap(spent, label, getattr(owner, name)))
    for text in texts[:5]:  # imports, the index's first pages
        search_papers(query=text, limit=20, mode="keyword")
    per_query: list[dict[str, float]] = []
    load = [os.getloadavg()[0]]
    for text in texts[5:]:
        spent.clear()
        started = time.process_time()
        search_papers(query=text, limit=20, mode="keyword")
        row = dict(spent)
        row["selector"] = time.process_time() - started
        row["selector minus engine"] = row["selector"] - row.get("engine (search_filtered)", 0)
        row["rest (selector's own code)"] = row["selector"] - sum(
            row.get(label, 0) for label, _, _ in STEPS if not label.startswith(" ")
        )
        per_query.append(row)
    load.append(os.getloadavg()[0])
    labels = ["selector", *(label for label, _, _ in STEPS), "rest (selector's own code)"]
    labels.append("selector minus engine")
    print(
        f"{Paper.objects.count():,} papers; {len(per_query)} distinct queries, every cache off;"
        f" load average {min(load):.1f}-{max(load):.1f}"
    )
    rows = []
    for label in labels:
        values = [row.get(label, 0.0) for row in per_query]
        taken = sum(1 for v in values if v > 0)
        rows.append(
            (
                label,
                str(taken),
                f"{_p(values, 0.5):.2f}",
                f"{_p(values, 0.95):.2f}",
                f"{sum(values) / len(values) * 1000:.2f}",
            )
        )
    print("CPU ms per query, over all queries (a step not taken counts 0)")
    print(table(rows, ("step", "queries taking it", "p50", "p95", "mean")))
    # What the queries around the remainder's p50 and p95 spend it on.
    ordered = sorted(per_query, key=lambda row: row["selector minus engine"])
    for q in (0.5, 0.95):
        middle = int(len(ordered) * q)
        band = ordered[max(0, middle - 25) : middle + 25]
        print(f"queries around the remainder's p{int(q * 100)} ({len(band)}): mean CPU ms a step")
        print(
            table(
                [
                    (label, f"{sum(row.get(label, 0) for row in band) / len(band) * 1000:.2f}")
                    for label in labels
                ],
                ("step", "ms"),
            )
        )


if __name__ == "__main__":
    main()
