"""A search page's parts outside the engine, this checkout beside another, side by side.

The first pages of ``bench.search_speed``'s distinct queries, their ids ranked once by the
engine before any timing (the engine is the same work on both sides and would only add its
noise); then for each page the CPU (``time.process_time``) of the rows
(``papers_by_ids(card_only=True)``, as the search page reads them), their highlighting
(``search_selectors._highlighted``), the cards (the search page's registered writer, no card
cache) and the whole results page around them (``search_page.results_page``, which writes the
cards again). Each checkout runs in a child process of its own; rounds alternate between them,
each going first as often, and the first round (a new process warming) is left out.

    .venv/bin/python -m bench.search_parts_ab OTHER [--queries 700] [--rounds 8]

OTHER is another checkout (``git archive BASE | tar -x -C /tmp/base``) that can read the same
catalogue (``PAPERFEED_DATA_DIR`` / ``DATABASE_URL`` as for ``bench.search_speed``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
PARTS = ("rows", "highlighting", "cards", "page")

# Run inside each checkout: answers "round N" lines with one JSON line of ms per page.
CHILD = r"""
import json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
import django
django.setup()
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from bench.search_speed import queries
from paperfeed.papers import querysyntax, search, search_page, search_selectors
from paperfeed.papers.row_selectors import papers_by_ids
from paperfeed.papers.views import page_links

clock = time.process_time
count, rounds = int(sys.argv[1]), int(sys.argv[2])
pages = []
for text in queries(count):
    parsed = querysyntax.parse_query(text)
    if not parsed.is_empty:
        ids, total = search.search_filtered(**parsed.criteria, limit=20, offset=0)
        if ids:
            pages.append((text, parsed, ids, total))
factory = RequestFactory()
(cards,) = search_page._cards
per = len(pages) // rounds
for line in sys.stdin:
    n = int(line.split()[1])
    spent = dict.fromkeys(("rows", "highlighting", "cards", "page"), 0.0)
    mine = pages[n * per : (n + 1) * per]
    for text, parsed, ids, total in mine:
        request = factory.get("/search", {"q": text})
        request.user = AnonymousUser()
        started = clock()
        rows = papers_by_ids(ids=ids, card_only=True)
        read = clock()
        rows = search_selectors._highlighted(rows, parsed.highlight_words)
        marked = clock()
        cards(request, rows, 1, (), False)
        written = clock()
        result = search_selectors.SearchResult(query=parsed, papers=rows, total=total)
        search_page.results_page(
            request, query=text, sort="relevance", mode="hybrid", result=result,
            rank_offset=0, links=page_links(1, total, 20),
        )
        done = clock()
        for part, seconds in zip(
            spent, (read - started, marked - read, written - marked, done - written)
        ):
            spent[part] += seconds
    print(json.dumps({part: s / len(mine) * 1000 for part, s in spent.items()}), flush=True)
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path)
    parser.add_argument("--queries", type=int, default=700)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args(argv)
    from bench.common import table
    from bench.http import uncached_env

    checkouts = {"this": HERE, "other": args.other.resolve()}
    children = {
        name: subprocess.Popen(
            [sys.executable, "-c", CHILD, str(args.queries), str(args.rounds)],
            cwd=path,
            env={**os.environ, **uncached_env(), "PYTHONPATH": str(path)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, path in checkouts.items()
    }
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
    for n in range(args.rounds):
        for name in list(checkouts) if n % 2 == 0 else list(reversed(checkouts)):
            child = children[name]
            assert child.stdin is not None and child.stdout is not None
            child.stdin.write(f"round {n}\n")
            child.stdin.flush()
            figures[name].append(json.loads(child.stdout.readline()))
    for child in children.values():
        assert child.stdin is not None
        child.stdin.close()
        child.wait()
    mean = {
        name: {part: sum(r[part] for r in rounds[1:]) / (len(rounds) - 1) for part in PARTS}
        for name, rounds in figures.items()
    }
    print(
        f"first pages of {args.queries} distinct queries, {args.rounds} alternating rounds (the"
        f" first left out); load average {os.getloadavg()[0]:.1f}; CPU ms per page"
    )
    rows = [
        (f"{name} ({checkouts[name]})", *(f"{mean[name][p]:.3f}" for p in PARTS)) for name in mean
    ]
    rows.append(("this / other", *(f"{mean['this'][p] / mean['other'][p]:.2f}" for p in PARTS)))
    print(table(rows, ("checkout", "rows", "highlighting", "cards", "page (with the cards)")))


if __name__ == "__main__":
    main(sys.argv[1:])
