"""Search index build speed, this code beside another commit's, on one catalogue.

Each round runs ``textindex_build.textindex_rebuild()`` (what ``paperfeed search rebuild``
does) in a fresh child process for each code tree in turn (alternating, so a busy shared
machine slows them alike) on a private copy of the catalogue, and reports papers per wall
second and per CPU second (the child's own user + system time, every thread included; Django's
start-up left out). Then it checks that the builds hold the same index: the number of
documents, the ids and counts of every distinct query of ``bench/search_speed.py`` and the
document frequency of each word of those queries and of sampled titles and authors, in every
field.

    .venv/bin/python -m bench.index_build [--base DIR] [--rounds 2] [--corpus real] [--read-only]

``--read-only`` reads a shared catalogue where it is (no private copy: the 1 M one is 5 GB)
through a connection that refuses writes (``PRAGMA query_only``), and builds what a rebuild
builds into this bench's own directory, without the rebuild's last step (the catalogue
version it bumps in the database) or making the build live.

``--base`` is a checkout of the commit to compare with (``git worktree add ../base <commit>``
or ``git archive <commit> | tar -x -C DIR``); without it only this tree is measured. The
builds stay under var/bench/index-build/builds until the next run (``--rounds 0`` compares
them again). tantivy itself is not exactly repeatable with two writer threads: which segment
a paper lands in changes between runs, and a few papers' phrase-proximity scores with it
(2026-11-30: 3 of 1,200 queries, two builds of the same code). ``--base .`` measures that
floor.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench import corpus as corpora
from bench.common import BENCH_VAR, REPO, table

WORK = BENCH_VAR / "index-build"

# Runs in the child, inside the code tree measured (the current directory comes first on
# sys.path), so it must only use what every version of paperfeed has.
CHILD = """
import json, os, resource, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
django.setup()
from paperfeed.papers import textindex_build
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
started, cpu0, main0 = time.perf_counter(), cpu(), time.thread_time()
report = textindex_build.textindex_rebuild()
wall, spent = time.perf_counter() - started, cpu() - cpu0
main = time.thread_time() - main0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"papers": report.papers, "wall": wall, "cpu": spent, "main": main, "rss_mb": peak,
                  "root": report.root}))
"""


# The same build, reading a catalogue that must not be written: every step of
# textindex_rebuild but the catalogue version it bumps and the swap.
CHILD_READ_ONLY = CHILD.replace(
    "report = textindex_build.textindex_rebuild()",
    """from django.db import connection
from paperfeed.papers import textindex
with connection.cursor() as cursor:
    cursor.execute("PRAGMA query_only = ON")
root, index = textindex.new_build(textindex.index_dir())
# The rebuild's writer: one thread and a budget the catalogue fits in where the tree has them.
heap = getattr(textindex_build, "rebuild_heap", None)
writer = {"threads": 1, "heap": heap()} if heap else {}
with textindex_build._cyclic_gc_paused():
    count = textindex.write_entries(index, textindex_build.entries(), replace=False, **writer)
report = textindex_build.IndexReport(True, count, 0.0, str(root))""",
)


def _build(code: Path, env: dict[str, str], index_dir: Path, *, read_only: bool = False) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD_READ_ONLY if read_only else CHILD],
        cwd=code,
        env={**os.environ, **env, "PAPERFEED_SEARCH_INDEX_DIR": str(index_dir)},
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise SystemExit(f"index build in {code} failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _private_copy(name: str) -> dict[str, str]:
    """The catalogue copied to var/bench/index-build/db (a rebuild writes the catalogue
    version), reused while the source is unchanged."""
    # A catalogue already built (its json beside it, often a symlink to a shared read-only
    # one) is only read: sqlite_corpus() would migrate it in place.
    saved = corpora.CORPORA_DIR / f"sqlite-{name}.json"
    source = (
        corpora.Corpus(name=name, backend="sqlite", env=json.loads(saved.read_text())["env"])
        if saved.exists()
        else corpora.sqlite_corpus(name)
    )
    directory = WORK / f"db-{name}"
    database = directory / "pf.sqlite3"
    origin = Path(source.env["PAPERFEED_DATA_DIR"]) / "pf.sqlite3"
    if not database.exists() or database.stat().st_mtime < origin.stat().st_mtime:
        corpora._sqlite_file_copy(origin.parent, directory)
    return {
        **source.env,
        "PAPERFEED_DATA_DIR": str(directory),
        "DATABASE_URL": f"sqlite:///{database}",
    }


# Papers compared per query: the top ones, the tail of equal scores at the cut left out.
COMPARED = 100


def compare(roots: dict[str, str], queries: int) -> list[str]:
    """Differences between the indexes at ``roots`` (label -> build directory); empty when they
    answer alike. Runs here, with this tree's query code, against each build in turn: each
    query's BM25 first pass (top papers and exact count) and document frequencies.

    Papers of equal score (or equal date, sorted by date) come back in the order of their
    place in the index, and a build with two writer threads places papers differently on
    every run; so each query's top papers are compared as (score, id) sorted, leaving out
    those that tie with the last one kept (the cut may fall inside a tie)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    import tantivy

    from bench.search_speed import queries as make_queries
    from paperfeed.papers import querysyntax, textindex_query
    from paperfeed.papers.models import Paper, PaperAuthor

    texts = make_queries(queries)
    vocabulary: set[str] = set()
    for text in texts:
        vocabulary.update(word.lower() for word in querysyntax.words_of(text))
    for title in Paper.objects.order_by("?").values_list("title", flat=True)[:2000]:
        vocabulary.update(word.lower() for word in querysyntax.words_of(title))
    for name in PaperAuthor.objects.order_by("?").values_list("name", flat=True)[:2000]:
        vocabulary.update(word.lower() for word in name.split())
    categories = set(Paper.objects.values_list("primary_category", flat=True).distinct())
    # Format 1 builds also have an unstemmed "words" field, which no query reads any more.
    fields = ("title", "abstract", "authors", "author_names")

    def answers(index: tantivy.Index) -> dict:
        out: dict = {"docs": index.searcher().num_docs}
        searcher = index.searcher()
        for text in texts:
            parsed = querysyntax.parse_query(text)
            if not (parsed.terms or parsed.phrases or any(parsed.author_terms)):
                continue
            # The words' BM25 pass (what the postings decide), with its exact count.
            query = textindex_query.text_query(
                index,
                terms=parsed.terms,
                phrases=parsed.phrases,
                author_terms=parsed.author_terms,
            )
            found = searcher.search(query, COMPARED, count=True)
            ids = searcher.fast_field_values("id", [a for _, a in found.hits])
            # Three decimals: scores are float32 sums, equal papers may differ in the last bit.
            scored = [(round(hit[0], 3), pk) for hit, pk in zip(found.hits, ids, strict=True)]
            if len(scored) == COMPARED:
                scored = [pair for pair in scored if pair[0] != scored[-1][0]]
            total = getattr(found, "count", 0)
            out[f"q:{text}"] = (sorted(scored, key=lambda pair: (-pair[0], pair[1])), total)
        for field in fields:
            for word in sorted(vocabulary):
                out[f"{field}:{word}"] = searcher.doc_freq(field, word)
        for category in sorted(c for c in categories if c):
            out[f"categories:{category}"] = searcher.doc_freq("categories", category)
        return out

    found = {label: answers(tantivy.Index.open(root)) for label, root in roots.items()}
    labels = list(found)
    first = found[labels[0]]
    print(
        f"compared {len(first):,} answers ({len(texts):,} queries: the count and the top "
        f"{COMPARED}; {len(vocabulary):,} words x {len(fields)} fields; "
        f"{len(categories)} categories)",
        file=sys.stderr,
    )
    problems = []
    for label in labels[1:]:
        for key, value in first.items():
            if found[label].get(key) != value:
                problems.append(f"{label} differs on {key}: {found[label].get(key)} != {value}")
    return problems


def _report(results: dict[str, list[dict]], loads: list[float]) -> None:
    rows = []
    for label, runs in results.items():
        best_cpu = min(run["cpu"] for run in runs)
        best_wall = min(run["wall"] for run in runs)
        papers = runs[0]["papers"]
        rows.append(
            (
                label,
                f"{papers:,}",
                f"{papers / best_cpu:,.0f}",
                f"{papers / best_wall:,.0f}",
                " / ".join(f"{run['cpu']:.1f}" for run in runs),
                " / ".join(f"{run['wall']:.0f}" for run in runs),
                " / ".join(f"{run['main']:.1f}" for run in runs),
                f"{max(run['rss_mb'] for run in runs):.0f}",
            )
        )
    headers = (
        "code",
        "papers",
        "papers/CPU-s (best)",
        "papers/wall-s (best)",
        "CPU s per round",
        "wall s",
        "reading thread CPU s",
        "RSS MB",
    )
    print(table(rows, headers))
    if "base" in results and "this" in results:
        ratios = []
        for measure in ("cpu", "wall", "main"):
            base = min(run[measure] for run in results["base"])
            ratios.append(f"{base / min(run[measure] for run in results['this']):.2f}x {measure}")
        print(f"base / this, best round of each: {', '.join(ratios)}")
    print(f"load average: {min(loads):.1f}-{max(loads):.1f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", help="a checkout of the commit to compare with")
    parser.add_argument(
        "--rounds", type=int, default=2, help="0: only compare the builds of the last run"
    )
    parser.add_argument("--corpus", default="real", help="a SQLite bench catalogue name")
    parser.add_argument("--queries", type=int, default=1200)
    parser.add_argument(
        "--read-only", action="store_true", help="read the catalogue in place, never write it"
    )
    args = parser.parse_args(argv)
    if args.read_only:
        saved = corpora.CORPORA_DIR / f"sqlite-{args.corpus}.json"
        env = json.loads(saved.read_text())["env"]
    else:
        env = _private_copy(args.corpus)
    trees = {"this": REPO}
    if args.base:
        trees = {"base": Path(args.base).resolve(), **trees}
    builds = WORK / "builds"
    results: dict[str, list[dict]] = {label: [] for label in trees}
    loads = [os.getloadavg()[0]]
    for number in range(args.rounds):
        for label, code in trees.items():
            shutil.rmtree(builds / label, ignore_errors=True)
            found = _build(code, env, builds / label, read_only=args.read_only)
            results[label].append(found)
            loads.append(os.getloadavg()[0])
            print(
                f"round {number + 1} {label}: {found['papers']:,} papers, "
                f"{found['wall']:.1f} s wall, {found['cpu']:.1f} s CPU "
                f"({found['main']:.1f} s in the reading thread), "
                f"peak RSS {found['rss_mb']:.0f} MB",
                file=sys.stderr,
            )
    if args.rounds:
        _report(results, loads)
    roots = {}
    for label in trees:
        live = builds / label / "CURRENT"
        if live.exists():
            roots[label] = str(builds / label / live.read_text().strip())
        elif args.read_only and (builds / label).is_dir():
            roots[label] = str(next((builds / label).glob("build-*")))
    if len(roots) > 1:
        os.environ.update(env)
        problems = compare(roots, args.queries)
        for problem in problems[:20]:
            print(problem)
        print("indexes answer alike" if not problems else f"{len(problems)} differences")
        if problems:
            raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
