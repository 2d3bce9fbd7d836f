"""The search engine and selector in process, this checkout beside another, side by side.

Distinct queries (``bench.search_speed``'s mix, plus single words, misspelt words that take
the "did you mean" path and bare arXiv ids), every cache off. Each checkout runs in a child
process of its own; rounds alternate between them so a busy machine weighs on both alike (use
an even number of rounds: each checkout then goes first as often). Per query: the engine
(``search.search_filtered``: one page of ids and the count) and the whole selector
(``search_papers``: the engine, "did you mean", rows, highlighting), CPU (``process_time``)
and wall. Then p50 / p95 / p99 by kind of query, the slowest queries, and how many answers differ
between the two checkouts (the count, and the first page's ids).

    .venv/bin/python -m bench.search_engine_ab OTHER [--queries 1000] [--rounds 4]

OTHER is another checkout (``git archive BASE | tar -x -C /tmp/base``) that runs against the
same catalogue (``PAPERFEED_DATA_DIR`` / ``DATABASE_URL`` as for ``bench.search_speed``).
``--other-env NAME=VALUE`` (repeatable) sets a variable for OTHER alone: to weigh a schema change,
run it against a copy of the catalogue without it (``CREATE DATABASE … TEMPLATE …``, and that
copy's data directory, its search index labelled with the copy's name). OTHER may then be this
checkout itself.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.http import uncached_env

HERE = Path(__file__).resolve().parents[1]

# Run inside each checkout: answers "round N" lines with one JSON line of figures per query.
CHILD = r"""
import json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
import django
django.setup()
from paperfeed.papers import querysyntax, search
from paperfeed.papers.search_selectors import search_papers

texts, rounds = json.load(open(sys.argv[1])), int(sys.argv[2])
for text in texts[-5:]:
    search_papers(query=text, limit=20, mode="keyword")
texts = texts[:-5]
per_round = len(texts) // rounds
cpu, wall = time.process_time, time.perf_counter
for line in sys.stdin:
    n = int(line.split()[1])
    out = []
    for text in texts[n * per_round:(n + 1) * per_round]:
        parsed = querysyntax.parse_query(text)
        c, w = cpu(), wall()
        ids, total = search.search_filtered(
            terms=parsed.terms, phrases=parsed.phrases, author_terms=parsed.author_terms,
            categories=parsed.categories, years=parsed.years,
            sort=parsed.sort or "relevance", limit=20,
        ) if not parsed.is_empty else ([], 0)
        engine = (cpu() - c, wall() - w)
        c, w = cpu(), wall()
        result = search_papers(query=text, limit=20, mode="keyword")
        selector = (cpu() - c, wall() - w)
        out.append({
            "text": text, "engine": engine, "selector": selector, "total": result.total,
            "ids": [row.paper.pk for row in result.papers],
        })
    print(json.dumps(out), flush=True)
"""

KINDS = ("id", "author:", "cat:", "year:", "phrase", "sort:date", "did you mean", "word", "words")


def kind_of(text: str) -> str:
    for kind in KINDS[:6]:
        if kind == "phrase" and text.startswith('"'):
            return kind
        if kind == "id" and text[:1].isdigit() and "." in text:
            return kind
        if (kind.endswith(":") or kind == "sort:date") and kind in text:
            return kind
    return "word" if len(text.split()) == 1 else "words"


def misspelt(texts: list[str], count: int, rng: random.Random) -> list[str]:
    """Two-word queries with one word's inner letters swapped: most match nothing, so the
    selector takes its "did you mean" path."""
    out = []
    for text in texts:
        words = text.split()
        if len(words) != 2 or not all(w.isalpha() and len(w) > 5 for w in words):
            continue
        word = list(words[0])
        i = rng.randrange(1, len(word) - 2)
        word[i], word[i + 1] = word[i + 1], word[i]
        out.append(f"{''.join(word)} {words[1]}")
        if len(out) == count:
            break
    return out


def query_mix(count: int) -> tuple[list[str], set[str]]:
    """``bench.search_speed``'s ``count`` queries, a tenth as many single words, a twentieth
    misspelt and a fiftieth bare arXiv ids of the catalogue, shuffled; and the misspelt ones."""
    from bench.search_speed import queries
    from paperfeed.papers.models import Paper

    rng = random.Random(31)
    texts = queries(count)
    typos = set(misspelt(texts, count // 20, rng))
    singles = sorted({t.split()[0] for t in texts if ":" not in t and not t.startswith('"')})
    texts += rng.sample(singles, k=min(len(singles), count // 10))
    texts += sorted(typos)
    texts += list(
        Paper.objects.visible().order_by("?").values_list("arxiv_id", flat=True)[: count // 50]
    )
    rng.shuffle(texts)
    return texts, typos


def _child(checkout: Path, texts_file: str, rounds: int, extra: dict[str, str]) -> subprocess.Popen:
    # Every cache off (bench.http's list), so each query is ranked and rendered afresh.
    env = {**os.environ, **uncached_env(), **extra, "PYTHONPATH": str(checkout)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, texts_file, str(rounds)],
        cwd=checkout,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000 if ordered else 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--slowest", type=int, default=20)
    parser.add_argument("--other-env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    other_env = dict(item.split("=", 1) for item in args.other_env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    from bench.common import table
    from paperfeed.papers.models import Paper

    texts, typos = query_mix(args.queries)
    checkouts = {"this": HERE, "other": args.other.resolve()}
    extra = {"this": {}, "other": other_env}
    answers: dict[str, list[dict]] = {name: [] for name in checkouts}
    load = [os.getloadavg()[0]]
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(texts, handle)
        handle.flush()
        children = {
            name: _child(path, handle.name, args.rounds, extra[name])
            for name, path in checkouts.items()
        }
        for n in range(args.rounds):
            order = list(checkouts) if n % 2 == 0 else list(reversed(checkouts))
            for name in order:
                child = children[name]
                assert child.stdin is not None and child.stdout is not None
                child.stdin.write(f"round {n}\n")
                child.stdin.flush()
                answers[name] += json.loads(child.stdout.readline())
            load.append(os.getloadavg()[0])
        for child in children.values():
            assert child.stdin is not None
            child.stdin.close()
            child.wait()
    asked = len(answers["this"])
    print(
        f"{Paper.objects.count():,} papers; {asked} distinct queries, {args.rounds} alternating"
        f" rounds, every cache off; load average {min(load):.1f}-{max(load):.1f}"
    )
    if other_env:
        print(f"other's own environment: {other_env}")
    rows = []
    for name, path in checkouts.items():
        got = answers[name]
        figures = []
        for part in ("engine", "selector"):
            for clock in (0, 1):
                figures.append(_ps([a[part][clock] for a in got]))
            figures.append(f"{sum(a[part][0] for a in got) / len(got) * 1000:.2f}")
        rows.append((f"{name} ({path})", *figures))
    print("p50 / p95 / p99 (ms); mean CPU")
    print(
        table(
            rows,
            ("checkout", "engine CPU", "wall", "mean", "selector CPU", "wall", "mean"),
        )
    )
    for part in ("engine", "selector"):
        print(f"{part} CPU p50 / p95 / p99 / max and mean (ms) by kind of query, this | other")
        kinds = []
        for kind in KINDS:
            these = [a[part][0] for a in answers["this"] if _kind(a, typos) == kind]
            others = [a[part][0] for a in answers["other"] if _kind(a, typos) == kind]
            if these:
                kinds.append((kind, str(len(these)), _by_kind(these), _by_kind(others)))
        print(table(kinds, ("kind", "queries", "this", "other")))
    other_by_text = {a["text"]: a for a in answers["other"]}
    for part in ("engine", "selector"):
        slow = sorted(answers["this"], key=lambda a: -a[part][0])[: args.slowest]
        print(f"slowest here ({part} CPU ms, this | other; kind; total)")
        print(
            table(
                [
                    (
                        a["text"][:50],
                        f"{a[part][0] * 1000:.1f}",
                        f"{other_by_text[a['text']][part][0] * 1000:.1f}",
                        _kind(a, typos),
                        str(a["total"]),
                    )
                    for a in slow
                ],
                ("query", "this", "other", "kind", "total"),
            )
        )
    totals = sum(1 for a in answers["this"] if a["total"] != other_by_text[a["text"]]["total"])
    pages = sum(1 for a in answers["this"] if a["ids"] != other_by_text[a["text"]]["ids"])
    tops = sum(1 for a in answers["this"] if a["ids"][:1] != other_by_text[a["text"]]["ids"][:1])
    print(
        f"answers that differ: count {totals}, first page {pages}, first result {tops} (of {asked})"
    )


def _ps(values: list[float]) -> str:
    return f"{_p(values, 0.5):.2f} / {_p(values, 0.95):.2f} / {_p(values, 0.99):.2f}"


def _by_kind(values: list[float]) -> str:
    return (
        f"{_p(values, 0.5):.1f} / {_p(values, 0.95):.1f} / {_p(values, 0.99):.1f}"
        f" / {max(values) * 1000:.0f}; {sum(values) / len(values) * 1000:.2f}"
    )


def _kind(answer: dict, typos: set[str]) -> str:
    return "did you mean" if answer["text"] in typos else kind_of(answer["text"])


if __name__ == "__main__":
    main()
