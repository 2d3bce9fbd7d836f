"""Where the engine's CPU goes by kind of query, and a pruning top-k beside it (S66, #17).

    .venv/bin/python -m bench.impact_search kinds [--queries 1000] [--reps 2]
    .venv/bin/python -m bench.impact_search dump FILE [--queries 1000]
    .venv/bin/python -m bench.impact_search compare INDEX [--queries 1000] [--rounds 3]
    .venv/bin/python -m bench.impact_search rss impact|tantivy INDEX [--queries 1000]
    .venv/bin/python -m bench.impact_search agree TOPS_JSON [--queries 1000]

with the catalogue's environment (``PAPERFEED_DATA_DIR``, ``DATABASE_URL``), every cache off.

- ``kinds``: ``bench.search_speed``'s queries through the engine (``search.search_filtered``),
  CPU per query (best of ``--reps``), by kind of query and, for plain words, by how many
  papers match; each kind's share of the engine's CPU.
- ``dump``: the plain-word queries as a JSON list (for ``bench/pisa_trial.py``).
- ``compare``: the plain-word queries (every word one stem, no filter, by relevance), each
  answered by today's first pass (``textindex_query.best`` without its second pass: the
  capped title path or the walk of every match, the top 200 and the count) and by
  :mod:`bench.impact_engine` (top 200, count exact below the cap), alternating which goes
  first, CPU best of ``--rounds``; and how the answers agree with an exact BM25 top 200 of
  tantivy (the full walk). ``--depth 10`` asks the prototype for the first page alone (the
  second pass needs 200); ``--strategy rarest`` prunes from the rarest word's impact order
  instead of the threshold algorithm.
- ``agree TOPS``: another engine's top 10 (``bench/pisa_trial.py query``'s stderr) beside
  tantivy's exact top 10.
- ``rss``: one fresh process answers the plain-word queries with one engine; its resident
  memory after (mapped pages included).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.common import table

DEPTH = 200  # textindex_query.RERANK_DEPTH: the first pass's depth


def _p(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000 if ordered else 0.0


def _figures(values: Sequence[float], whole: float) -> tuple[str, ...]:
    total = sum(values)
    return (
        str(len(values)),
        f"{_p(values, 0.5):.2f}",
        f"{_p(values, 0.95):.2f}",
        f"{total / len(values) * 1000:.2f}",
        f"{total / whole * 100:.1f} %",
    )


def kind_of(text: str, parsed) -> str:
    if parsed.phrases:
        return "phrase"
    if parsed.author_terms:
        return "author:"
    if parsed.sort == "date":
        return "words sort:date"
    if parsed.categories:
        return "words cat:"
    if parsed.years:
        return "word year:"
    words = len(parsed.terms)
    return "known-item title (4+ words)" if words >= 4 else f"{words} plain words"


def _bucket(total: int) -> str:
    return "< 1,000" if total < 1_000 else "1,000-10,099" if total < 10_100 else "10,000+ (cap)"


def kinds(texts: list[str], reps: int) -> None:
    from bench.search_speed import filtered
    from paperfeed.papers import querysyntax

    rows: list[tuple[str, str, float]] = []
    for text in texts:
        parsed = querysyntax.parse_query(text)
        best, total = float("inf"), 0
        for _ in range(reps):
            started = time.process_time()
            _, total = filtered(parsed)
            best = min(best, time.process_time() - started)
        rows.append((kind_of(text, parsed), _bucket(total), best))
    whole = sum(cpu for _, _, cpu in rows)
    headers = ("kind", "queries", "CPU p50 ms", "p95", "mean", "share of engine CPU")
    names = sorted({kind for kind, _, _ in rows})
    print(table([(k, *_figures([c for n, _, c in rows if n == k], whole)) for k in names], headers))
    print(f"all: {_figures([c for _, _, c in rows], whole)}")
    tail = _p([c for _, _, c in rows], 0.95) / 1000
    above = [kind for kind, _, c in rows if c >= tail]
    print(
        f"the {len(above)} queries at or above the mix's p95 ({tail * 1000:.2f} ms), by kind: "
        + ", ".join(f"{k} {above.count(k)}" for k in sorted(set(above), key=above.count)[::-1])
    )
    plain = [r for r in rows if "plain" in r[0] or "known" in r[0]]
    split = sorted({(kind, bucket) for kind, bucket, _ in plain})
    print("plain words by matches")
    print(
        table(
            [
                (f"{k}, {b}", *_figures([c for n, m, c in plain if (n, m) == (k, b)], whole))
                for k, b in split
            ],
            headers,
        )
    )


def plain_queries(texts: list[str]) -> list[tuple[str, list[str], list[str]]]:
    """(text, words, stems) of the queries of plain words, each word one stem."""
    from paperfeed.papers import querysyntax
    from paperfeed.papers.textindex_query import SPLIT, STEMMED

    out = []
    for text in texts:
        parsed = querysyntax.parse_query(text)
        if kind_of(text, parsed) not in ("1 plain words", "2 plain words", "3 plain words") and (
            "known" not in kind_of(text, parsed)
        ):
            continue
        stems = [STEMMED.analyze(word) for word in parsed.terms]
        if all(
            len(s) == 1 and len(SPLIT.analyze(w)) == 1
            for s, w in zip(stems, parsed.terms, strict=True)
        ):
            out.append((text, list(parsed.terms), [s[0] for s in stems]))
    return out


def first_pass(index, terms: list[str], cap: int):
    """Today's first pass for plain words: ``textindex.search`` up to ``best``'s ranking,
    without the second pass (papers' addresses and the count)."""
    import tantivy

    from paperfeed.papers import textindex_query as tq

    must = tantivy.Occur.Must
    text = tq.text_query(index, terms=terms, phrases=(), author_terms=())
    query = tantivy.Query.boolean_query([(must, text)])
    searcher = index.searcher()
    in_title = tq.title_query(index, terms=terms, phrases=(), author_terms=())
    led = tq.title_led_query(index, terms=terms, author_terms=())
    if in_title is not None:
        in_title = tantivy.Query.boolean_query([(must, in_title)])
        if (tq.most_matches(searcher, terms, ["title"]) or 0) >= cap and tq._count(
            searcher, in_title
        ) >= cap:
            subset = tq.both(
                in_title, query if led is None else tantivy.Query.boolean_query([(must, led)])
            )
            return searcher, searcher.search(subset, DEPTH, count=False).hits, cap
    found = searcher.search(query, DEPTH, count=True)
    return searcher, found.hits, tq.count_of(found)


def exact_top(index, terms: list[str], k: int) -> list[int]:
    """tantivy's exact BM25 top ``k`` of the words (the full walk: no title subset, no
    pruning), as paper ids."""
    from paperfeed.papers import textindex_query

    searcher = index.searcher()
    query = textindex_query.text_query(index, terms=terms, phrases=(), author_terms=())
    hits = searcher.search(query, k, count=False).hits
    return [int(i or 0) for i in searcher.fast_field_values("id", [a for _, a in hits])]


def compare(root: Path, texts: list[str], rounds: int, depth: int, strategy: str) -> None:
    import tantivy

    from bench.impact_engine import ImpactIndex
    from paperfeed.papers import search, textindex

    index = textindex.engine_index()
    assert index is not None, "no live tantivy index for this catalogue"
    impact = ImpactIndex(root, strategy=strategy)
    cap = search.COUNT_CAP
    queries = plain_queries(texts)
    cpu: dict[str, list[float]] = {"tantivy": [float("inf")] * len(queries)}
    cpu["impact"] = list(cpu["tantivy"])
    answers: dict[str, list] = {"tantivy": [None] * len(queries), "impact": [None] * len(queries)}

    def run_tantivy(n: int) -> None:
        started = time.process_time()
        searcher, hits, total = first_pass(index, queries[n][1], cap)
        cpu["tantivy"][n] = min(cpu["tantivy"][n], time.process_time() - started)
        ids = searcher.fast_field_values("id", [address for _, address in hits])
        answers["tantivy"][n] = ([int(i or 0) for i in ids], min(total, cap))

    def run_impact(n: int) -> None:
        started = time.process_time()
        docs, _, total, how = impact.top(queries[n][2], depth, cap)
        cpu["impact"][n] = min(cpu["impact"][n], time.process_time() - started)
        answers["impact"][n] = ([int(d) for d in docs], min(total, cap), how)

    load = [os.getloadavg()[0]]
    for r in range(rounds):
        for n in range(len(queries)):
            pair: list[Callable[[int], None]] = [run_tantivy, run_impact]
            for run in pair if (n + r) % 2 == 0 else pair[::-1]:
                run(n)
        load.append(os.getloadavg()[0])
    # The exact reference: tantivy's full walk of the query (BM25, no pruning, no subset).
    agree = {"top10 order": 0, "top10 set": 0, "top k set": 0, "count": 0, "today top10": 0}
    for n, (_, terms, _) in enumerate(queries):
        exact = exact_top(index, terms, DEPTH)
        mine, mine_total, _ = answers["impact"][n]
        agree["top10 order"] += mine[:10] == exact[:10]
        agree["top10 set"] += set(mine[:10]) == set(exact[:10])
        agree["top k set"] += set(mine) == set(exact[:depth])
        agree["count"] += mine_total == answers["tantivy"][n][1]
        agree["today top10"] += mine[:10] == answers["tantivy"][n][0][:10]
    del tantivy
    print(
        f"{len(queries)} plain-word queries; impact: top {depth}, {strategy}; best of {rounds}"
        " alternating rounds; load average"
        f" {min(load):.1f}-{max(load):.1f}"
    )
    whole = sum(cpu["tantivy"])
    rows = [(name, *_figures(values, whole)) for name, values in cpu.items()]
    hows = sorted({a[2] for a in answers["impact"]})
    for how in hows:
        picked = [n for n, a in enumerate(answers["impact"]) if a[2] == how]
        for name in ("tantivy", "impact"):
            rows.append((f"  {how}: {name}", *_figures([cpu[name][n] for n in picked], whole)))
    print("CPU ms (share: of today's first pass's total)")
    print(table(rows, ("engine", "queries", "p50", "p95", "mean", "share")))
    print("impact answers agreeing with tantivy's exact BM25 top 200 (full walk):")
    print(json.dumps({k: f"{v} / {len(queries)}" for k, v in agree.items()}))
    slow = sorted(range(len(queries)), key=lambda n: -cpu["impact"][n])[:10]
    print("slowest for impact (ms impact | today; how; count)")
    for n in slow:
        print(
            f"  {queries[n][0][:50]!r}: {cpu['impact'][n] * 1000:.1f} |"
            f" {cpu['tantivy'][n] * 1000:.1f}; {answers['impact'][n][2]}; {answers['impact'][n][1]}"
        )


def agree(tops_file: Path, texts: list[str]) -> None:
    """How another engine's top 10 (``bench/pisa_trial.py``'s ``{"top": {query: ids}}``)
    overlaps tantivy's exact BM25 top 10 of the same plain-word queries."""
    from paperfeed.papers import textindex

    index = textindex.engine_index()
    assert index is not None, "no live tantivy index for this catalogue"
    tops = json.loads(tops_file.read_text())["top"]
    shared, same_set, same_first = [], 0, 0
    for text, terms, _ in plain_queries(texts):
        exact = exact_top(index, terms, 10)
        other = tops[text][:10]
        shared.append(len(set(other) & set(exact)) / max(1, len(exact)))
        same_set += set(other) == set(exact)
        same_first += other[:1] == exact[:1]
    print(
        f"{len(shared)} queries: top 10 shared with tantivy {sum(shared) / len(shared):.2f} on"
        f" average, the same 10 for {same_set}, the same first for {same_first}"
    )


def rss(engine: str, root: Path, texts: list[str]) -> None:
    from bench.impact_engine import ImpactIndex
    from paperfeed.papers import search, textindex

    queries = plain_queries(texts)
    started = time.process_time()
    if engine == "impact":
        impact = ImpactIndex(root)
        for _, _, stems in queries:
            impact.top(stems, DEPTH, search.COUNT_CAP)
    else:
        index = textindex.engine_index()
        for _, terms, _ in queries:
            first_pass(index, terms, search.COUNT_CAP)
    spent = time.process_time() - started
    status = Path("/proc/self/status").read_text().splitlines()
    memory = {line.split(":")[0]: line.split(":")[1].strip() for line in status if "Rss" in line}
    print(
        json.dumps({"engine": engine, "queries": len(queries), "cpu_s": round(spent, 2), **memory})
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("kinds", "dump", "compare", "rss", "agree"))
    parser.add_argument("args", nargs="*")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--depth", type=int, default=DEPTH, help="the prototype's top k")
    parser.add_argument("--strategy", choices=("ta", "rarest"), default="ta")
    options = parser.parse_args(argv)
    from bench.http import django_uncached

    django_uncached()
    from bench.search_speed import queries

    texts = queries(options.queries)
    if options.step == "kinds":
        kinds(texts, options.reps)
    elif options.step == "dump":
        Path(options.args[0]).write_text(json.dumps([t for t, _, _ in plain_queries(texts)]))
    elif options.step == "compare":
        compare(Path(options.args[0]), texts, options.rounds, options.depth, options.strategy)
    elif options.step == "agree":
        agree(Path(options.args[0]), texts)
    else:
        rss(options.args[0], Path(options.args[1]), texts)


if __name__ == "__main__":
    main()
