"""Search index build speed, this code beside another commit's, on one catalogue.

Each round runs ``textindex_build.textindex_rebuild()`` (what ``paperfeed search rebuild``
does) in a fresh child process for each code tree in turn (alternating, so a busy shared
machine slows them alike) on a private copy of the catalogue, and reports papers per wall
second and per CPU second (the child's own user + system time, every thread included; Django's
start-up left out). Then it checks that the builds hold the same index: the number of
documents, the ids and counts of every distinct query of ``bench/search_speed.py`` and the
document frequency of each word of those queries and of sampled titles and authors, in every
field.

    .venv/bin/python -m bench.index_build [--base DIR] [--rounds 2] [--corpus real]

``--base`` is a checkout of the commit to compare with (``git worktree add ../base <commit>``
or ``git archive <commit> | tar -x -C DIR``); without it only this tree is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
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


def _build(code: Path, env: dict[str, str], index_dir: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD],
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
    source = corpora.sqlite_corpus(name)
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


def compare(roots: dict[str, str], queries: int) -> list[str]:
    """Differences between the indexes at ``roots`` (label -> build directory); empty when they
    answer alike. Runs here, with this tree's query code, against each build in turn."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
    import django

    django.setup()
    import tantivy

    from bench.search_speed import queries as make_queries
    from paperfeed.papers import querysyntax, textindex
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
    fields = ("title", "abstract", "authors", "author_names", "words")

    def answers(index: tantivy.Index) -> dict:
        out: dict = {"docs": index.searcher().num_docs}
        for text in texts:
            parsed = querysyntax.parse_query(text)
            ids, total = textindex.search(
                index,
                terms=parsed.terms,
                phrases=parsed.phrases,
                author_terms=parsed.author_terms,
                categories=parsed.categories,
                years=parsed.years,
                by_date=parsed.sort == "date",
                limit=20,
            )
            out[f"q:{text}"] = (ids, total)
        searcher = index.searcher()
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
        f"compared {len(first):,} answers ({len(texts):,} queries, {len(vocabulary):,} words "
        f"x {len(fields)} fields, {len(categories)} categories)",
        file=sys.stderr,
    )
    problems = []
    for label in labels[1:]:
        for key, value in first.items():
            if found[label].get(key) != value:
                problems.append(f"{label} differs on {key}: {found[label].get(key)} != {value}")
    return problems


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", help="a checkout of the commit to compare with")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--corpus", default="real", help="a SQLite bench catalogue name")
    parser.add_argument("--queries", type=int, default=1200)
    args = parser.parse_args(argv)
    env = _private_copy(args.corpus)
    trees = {"this": REPO}
    if args.base:
        trees = {"base": Path(args.base).resolve(), **trees}
    WORK.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[dict]] = {label: [] for label in trees}
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(dir=WORK) as scratch:
        for number in range(args.rounds):
            for label, code in trees.items():
                found = _build(code, env, Path(scratch) / label)
                results[label].append(found)
                loads.append(os.getloadavg()[0])
                print(
                    f"round {number + 1} {label}: {found['papers']:,} papers, "
                    f"{found['wall']:.1f} s wall, {found['cpu']:.1f} s CPU "
                    f"({found['main']:.1f} s in the reading thread), "
                    f"peak RSS {found['rss_mb']:.0f} MB",
                    file=sys.stderr,
                )
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
                    f"{best_cpu:.1f}",
                    f"{best_wall:.1f}",
                    f"{min(run['main'] for run in runs):.1f}",
                    f"{max(run['rss_mb'] for run in runs):.0f}",
                )
            )
        print(
            table(
                rows,
                (
                    "code",
                    "papers",
                    "papers/CPU-s",
                    "papers/wall-s",
                    "CPU s",
                    "wall s",
                    "reading thread CPU s",
                    "RSS MB",
                ),
            )
        )
        if "base" in results:
            base_cpu = min(run["cpu"] for run in results["base"])
            this_cpu = min(run["cpu"] for run in results["this"])
            base_wall = min(run["wall"] for run in results["base"])
            this_wall = min(run["wall"] for run in results["this"])
            print(
                f"this / base: {base_cpu / this_cpu:.2f}x papers per CPU-second, "
                f"{base_wall / this_wall:.2f}x per wall second (best of {args.rounds} each)"
            )
        print(f"load average: {min(loads):.1f}-{max(loads):.1f}")
        roots = {label: runs[-1]["root"] for label, runs in results.items()}
        if len(roots) > 1:
            os.environ.update(env)
            problems = compare(roots, args.queries)
            for problem in problems[:20]:
                print(problem)
            print(
                "indexes answer alike" if not problems else f"{len(problems)} differences",
                flush=True,
            )
            if problems:
                raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
