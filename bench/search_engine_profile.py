"""Where the search engine's CPU goes, by kind of query: the parts of ``textindex.search``.

Distinct queries (``bench.search_speed``'s mix plus single words), run straight against the
live tantivy index (no selector, rows or cards), each query once, every part timed by CPU
(``process_time``): building the query objects, the bounds read from the term dictionaries,
the count of the title subset, the first pass (top-k and count), the second pass (proximity and
stub weight over the best 200), the final id reads. Prints per kind the mean CPU of each part
and the p50 / p95 / p99 of the whole, then the slowest queries with their parts.

With ``--against DIR`` (another checkout, e.g. ``git archive BASE | tar -x -C DIR``) it
compares instead: that checkout's ``textindex`` and ``textindex_query`` are loaded beside this
one's in the same process, and each query runs ``--reps`` times on each, alternating, the best
CPU of each kept (the engine alone, so the load moves both alike); then the figures by kind,
side by side, the slowest queries, and how many answers differ (ids, or the count as pages
show it). With ``--against-index BUILD`` (another build directory of the same catalogue's
index, e.g. one rebuilt another way) this checkout's engine runs on both indexes the same way,
so what is compared is the index's layout; ``--warm`` first reads both indexes' files whole,
so both start with every page in the OS cache.

    PAPERFEED_DATA_DIR=... DATABASE_URL=... .venv/bin/python -m bench.search_engine_profile \\
        [--queries 1000] [--slowest 20] [--against DIR | --against-index BUILD] [--reps 3] [--warm]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

# (part, module attribute path): functions wrapped to time them; parts may nest (the first
# pass's ``best`` holds the second pass), so nested time is subtracted from the outer part.
PARTS: tuple[tuple[str, str, str], ...] = (
    ("build", "paperfeed.papers.textindex_query", "text_query"),
    ("build", "paperfeed.papers.textindex_query", "title_query"),
    ("bounds", "paperfeed.papers.textindex_query", "most_matches"),
    ("count", "paperfeed.papers.textindex_query", "_count"),
    ("2nd pass", "paperfeed.papers.textindex_query", "second_pass"),
    ("first pass", "paperfeed.papers.textindex_query", "best"),
    ("first pass", "paperfeed.papers.textindex_recent", "newest"),
)
KINDS = ("word", "words", "author:", "cat:", "year:", "sort:date", "phrase")


def kind_of(text: str) -> str:
    if text.startswith('"'):
        return "phrase"
    for kind in ("author:", "cat:", "year:", "sort:date"):
        if kind in text:
            return kind
    return "word" if len(text.split()) == 1 else "words"


class Timer:
    """Per-query CPU of each part, own time only (nested parts subtracted)."""

    def __init__(self) -> None:
        self.parts: dict[str, float] = defaultdict(float)
        self.stack: list[float] = []

    def wrap(self, part: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.stack.append(0.0)
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent = time.process_time() - start
                nested = self.stack.pop()
                self.parts[part] += spent - nested
                if self.stack:
                    self.stack[-1] += spent

        return timed


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000 if ordered else 0.0


def live_index_and_queries(count: int) -> tuple[Any, list[str]]:
    """The live tantivy index and the distinct queries: ``bench.search_speed``'s mix of
    ``count`` plus a tenth as many single words from it (after ``django.setup()``)."""
    from bench.search_speed import queries
    from paperfeed.papers import textindex

    index = textindex.engine_index()
    if index is None:
        raise SystemExit("no tantivy index for this catalogue (PAPERFEED_SEARCH_ENGINE=tantivy?)")
    texts = queries(count)
    rng = random.Random(41)
    singles = sorted({t.split()[0] for t in texts if not t.startswith('"') and ":" not in t})
    return index, texts + rng.sample(singles, k=min(len(singles), count // 10))


def search_options(parsed: Any, hidden: Any) -> dict[str, Any]:
    """``textindex.search``'s arguments for one parsed query as the site asks it (one page of 20,
    the count up to the cap)."""
    from paperfeed.papers import search

    return dict(
        **parsed.criteria,
        hidden=hidden,
        by_date=(parsed.sort or "relevance") == "date",
        limit=20,
        count_cap=search.COUNT_CAP,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--slowest", type=int, default=20)
    parser.add_argument("--against", type=Path)
    parser.add_argument("--against-index", type=Path)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--warm", action="store_true", help="read both indexes' files first")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import importlib

    import django
    import tantivy

    django.setup()
    from bench.common import table
    from paperfeed.papers import querysyntax, search, textindex

    index, texts = live_index_and_queries(args.queries)
    if args.against is not None or args.against_index is not None:
        root = textindex.current_root(textindex.index_dir())
        if args.against is not None:
            engines = {"this": (textindex.search, index), "other": (_other(args.against), index)}
            roots = [root]
        else:
            other = tantivy.Index.open(str(args.against_index))
            engines = {"this": (textindex.search, index), "other": (textindex.search, other)}
            roots = [root, args.against_index]
        if args.warm:
            for build in roots:
                if build is not None:
                    _read_whole(Path(build))
        compare(engines, texts, reps=args.reps, slowest=args.slowest)
        return
    timer = Timer()
    for part, module_name, name in PARTS:
        module = importlib.import_module(module_name)
        setattr(module, name, timer.wrap(part, getattr(module, name)))
    hidden = search.hidden_ids()
    for text in texts[:20]:  # warm the index's pages
        parsed = querysyntax.parse_query(text)
        textindex.search(index, terms=parsed.terms, hidden=hidden, count_cap=search.COUNT_CAP)
    rows: list[tuple[str, str, float, dict[str, float], int]] = []
    for text in texts:
        parsed = querysyntax.parse_query(text)
        if parsed.is_empty:
            continue
        timer.parts = defaultdict(float)
        start = time.process_time()
        _, total = textindex.search(index, **search_options(parsed, hidden))
        whole = time.process_time() - start
        parts = dict(timer.parts)
        parts["rest"] = whole - sum(parts.values())
        rows.append((text, kind_of(text), whole, parts, total))
    names = [*dict.fromkeys(part for part, _, _ in PARTS), "rest"]
    print(
        f"{index.searcher().num_docs:,} papers; {len(rows)} distinct queries, each once; CPU ms;"
        f" load average {os.getloadavg()[0]:.1f}"
    )
    out = []
    for kind in KINDS:
        these = [row for row in rows if row[1] == kind]
        if not these:
            continue
        wholes = [row[2] for row in these]
        means = [sum(row[3].get(name, 0.0) for row in these) / len(these) for name in names]
        out.append(
            (
                kind,
                str(len(these)),
                f"{_p(wholes, 0.5):.2f} / {_p(wholes, 0.95):.2f} / {_p(wholes, 0.99):.2f}",
                f"{sum(wholes) / len(these) * 1000:.2f}",
                *(f"{mean * 1000:.2f}" for mean in means),
            )
        )
    wholes = [row[2] for row in rows]
    out.append(
        (
            "all",
            str(len(rows)),
            f"{_p(wholes, 0.5):.2f} / {_p(wholes, 0.95):.2f} / {_p(wholes, 0.99):.2f}",
            f"{sum(wholes) / len(rows) * 1000:.2f}",
            *(
                f"{sum(row[3].get(name, 0.0) for row in rows) / len(rows) * 1000:.2f}"
                for name in names
            ),
        )
    )
    print(table(out, ("kind", "n", "p50 / p95 / p99", "mean", *(f"{n} (mean)" for n in names))))
    print(f"the {args.slowest} slowest (CPU ms; parts)")
    slow = sorted(rows, key=lambda row: -row[2])[: args.slowest]
    print(
        table(
            [
                (
                    text[:48],
                    kind,
                    f"{whole * 1000:.1f}",
                    str(total),
                    " ".join(
                        f"{name}={parts[name] * 1000:.1f}"
                        for name in names
                        if parts.get(name, 0.0) >= 0.0005
                    ),
                )
                for text, kind, whole, parts, total in slow
            ],
            ("query", "kind", "CPU", "count", "parts"),
        )
    )


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # (dataclasses look their module up while it runs)
    spec.loader.exec_module(module)
    return module


def _read_whole(root: Path) -> None:
    """Every file of an index build read once, so its pages are in the OS cache."""
    for path in root.iterdir():
        if path.is_file():
            with path.open("rb") as handle:
                while handle.read(1 << 22):
                    pass


def _other(other: Path) -> Callable[..., Any]:
    """The other checkout's ``textindex.search``, its modules loaded beside this one's."""
    papers = other.resolve() / "paperfeed" / "papers"
    their_query = _load("other_textindex_query", papers / "textindex_query.py")
    theirs = _load("other_textindex", papers / "textindex.py")
    theirs.textindex_query = their_query  # its search() reads the module global at call time
    if (papers / "textindex_recent.py").exists():
        # Its names come from the other checkout's textindex_query, not this one's.
        name = "paperfeed.papers.textindex_query"
        ours = sys.modules[name]
        sys.modules[name] = their_query
        try:
            theirs.textindex_recent = _load(
                "other_textindex_recent", papers / "textindex_recent.py"
            )
        finally:
            sys.modules[name] = ours
    return theirs.search


def compare(
    engines: dict[str, tuple[Callable[..., Any], Any]], texts: list[str], *, reps: int, slowest: int
) -> None:
    """Each query ``reps`` times on each engine (a search function and the index it reads),
    alternating; the best CPU and the best wall of each kept."""
    from bench.common import table
    from paperfeed.papers import querysyntax, search

    hidden = search.hidden_ids()
    cap = search.COUNT_CAP
    rows: list[tuple[str, str, dict[str, float]]] = []
    walls: dict[str, list[float]] = {name: [] for name in engines}
    differ = 0
    load = [os.getloadavg()[0]]
    for n, text in enumerate(texts):
        parsed = querysyntax.parse_query(text)
        if parsed.is_empty:
            continue
        options = search_options(parsed, hidden)
        best = {name: float("inf") for name in engines}
        wall = {name: float("inf") for name in engines}
        answers = {}
        for rep in range(reps):
            order = list(engines) if (n + rep) % 2 == 0 else list(reversed(engines))
            for name in order:
                engine, index = engines[name]
                start, started = time.process_time(), time.perf_counter()
                ids, total = engine(index, **options)
                best[name] = min(best[name], time.process_time() - start)
                wall[name] = min(wall[name], time.perf_counter() - started)
                answers[name] = (ids, min(total, cap))
        for name in engines:
            walls[name].append(wall[name])
        differ += answers["this"] != answers["other"]
        rows.append((text, kind_of(text), best))
        if n % 200 == 0:
            load.append(os.getloadavg()[0])
    papers = engines["this"][1].searcher().num_docs
    print(
        f"{papers:,} papers; {len(rows)} distinct queries, best of {reps} alternating runs on"
        f" each, engine CPU ms; load {min(load):.1f}-{max(load):.1f}"
    )
    print(
        "wall ms p50 / p95 / p99 (best of the runs): "
        + "; ".join(
            f"{name} {_p(values, 0.5):.2f} / {_p(values, 0.95):.2f} / {_p(values, 0.99):.2f}"
            for name, values in walls.items()
        )
    )
    out = []
    for kind in (*KINDS, "all"):
        these = [row for row in rows if kind in (row[1], "all")]
        if not these:
            continue
        figures = []
        for name in engines:
            values = [row[2][name] for row in these]
            figures.append(
                f"{_p(values, 0.5):.2f} / {_p(values, 0.95):.2f} / {_p(values, 0.99):.2f}"
                f"; {sum(values) / len(values) * 1000:.2f}"
            )
        mine = sum(row[2]["this"] for row in these)
        out.append(
            (kind, str(len(these)), *figures, f"{mine / sum(r[2]['other'] for r in these):.2f}")
        )
    print(table(out, ("kind", "n", "this p50/p95/p99; mean", "other", "mean ratio")))
    print(f"the {slowest} slowest here (CPU ms, this | other)")
    slow = sorted(rows, key=lambda row: -row[2]["this"])[:slowest]
    print(
        table(
            [
                (text[:50], kind, f"{best['this'] * 1000:.1f}", f"{best['other'] * 1000:.1f}")
                for text, kind, best in slow
            ],
            ("query", "kind", "this", "other"),
        )
    )
    print(f"answers that differ (ids, or the count as pages show it): {differ} of {len(rows)}")


if __name__ == "__main__":
    main()
