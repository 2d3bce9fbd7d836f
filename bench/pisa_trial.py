"""PISA (C++, block-max WAND) on the catalogue's text: candidate A of S66, outside the project.

``pyterrier-pisa`` (PyPI) ships PISA's compiled core as ``pyterrier_pisa/_pisathon*.so``; its
Python package pulls in PyTerrier, pandas and Java bindings, but the core alone indexes a
plain-text file ("docno text" lines) and answers queries into numpy arrays. This script loads
the core by its path (no import of the package), so none of that sits on the hot path. Run it
with a scratch environment holding the wheel, never the project's:

    python3 -m venv /tmp/pisa && /tmp/pisa/bin/pip install pyterrier-pisa
    /tmp/pisa/bin/python bench/pisa_trial.py build SQLITE_FILE OUT_DIR
    /tmp/pisa/bin/python bench/pisa_trial.py query OUT_DIR QUERIES_JSON [--algorithm NAME]
        [--k 200] [--tops TOPS_JSON]

The text of a paper is its title three times (the engine's title boost), its abstract and its
authors, in one field (PISA's BM25 has no fields); PISA's own tokeniser and Porter2 stemmer.
QUERIES_JSON is a list of query strings (``bench.impact_search --dump``).
"""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np

# tantivy's BM25 parameters (PISA's own default is k1 0.9, b 0.4).
BM25 = {"bm25_k1": 1.2, "bm25_b": 0.75}


def core() -> ModuleType:
    """PISA's compiled module, loaded from the scratch environment's site-packages."""
    for folder in sys.path:
        found = sorted(Path(folder).glob("pyterrier_pisa/_pisathon*.so")) if folder else []
        if found:
            loader = importlib.machinery.ExtensionFileLoader("_pisathon", str(found[0]))
            spec = importlib.util.spec_from_loader("_pisathon", loader)
            assert spec is not None
            module = importlib.util.module_from_spec(spec)
            loader.exec_module(module)
            return module
    raise SystemExit("no pyterrier_pisa/_pisathon*.so on sys.path (use the scratch venv)")


def write_text(database: str, path: Path, papers: int | None, batch: int = 50_000) -> int:
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    low, high = db.execute("SELECT MIN(id), MAX(id) FROM papers_paper").fetchone()
    high = high if papers is None else min(high, low + papers - 1)
    written = 0
    with path.open("w") as out:
        for start in range(low, high + 1, batch):
            names: dict[int, list[str]] = {}
            for pk, name in db.execute(
                "SELECT paper_id, name FROM papers_paperauthor WHERE paper_id >= ? AND"
                " paper_id < ? ORDER BY paper_id, position",
                (start, start + batch),
            ):
                names.setdefault(pk, []).append(name)
            for pk, title, abstract in db.execute(
                "SELECT id, title, abstract FROM papers_paper WHERE id >= ? AND id < ? ORDER BY id",
                (start, min(start + batch, high + 1)),
            ):
                text = " ".join([title] * 3 + [abstract or "", ", ".join(names.get(pk, []))])
                out.write(f"{pk} {' '.join(text.split())}\n")
                written += 1
    return written


def build(database: str, out: Path, papers: int | None) -> None:
    pisa = core()
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        text = Path(scratch) / "docs.txt"
        papers = write_text(database, text, papers)
        written = time.perf_counter() - started
        pisa.index(str(text), str(out), "porter2", 100_000, os.cpu_count() or 1)
    indexed = time.perf_counter() - started
    context = pisa.RetrievalContext()
    pisa.prepare_index(context, str(out), "block_simdbp", "bm25", "porter2", **BM25)
    report = {
        "papers": papers,
        "text_seconds": round(written, 1),
        "index_seconds": round(indexed - written, 1),
        "compress_and_wand_seconds": round(time.perf_counter() - started - indexed, 1),
        "bytes": {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.is_file()},
    }
    (out / "trial.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


def query(
    out: Path, texts: list[str], algorithm: str, k: int, rounds: int, tops: Path | None
) -> None:
    pisa = core()
    context = pisa.RetrievalContext()
    loaded = time.perf_counter()
    pisa.prepare_index(context, str(out), "block_simdbp", "bm25", "porter2", **BM25)
    loaded = time.perf_counter() - loaded
    qidxs = np.empty(k, dtype=np.int32)
    docnos = np.empty(k, dtype=object)
    ranks = np.empty(k, dtype=np.int32)
    scores = np.empty(k, dtype=np.float32)
    best: list[float] = [float("inf")] * len(texts)
    found: list[list[int]] = [[] for _ in texts]
    for _ in range(rounds):
        for n, text in enumerate(texts):
            started = time.process_time()
            size = pisa.retrieve(
                context,
                algorithm,
                [(0, text)],
                k=k,
                threads=1,
                result_qidxs=qidxs,
                result_docnos=docnos,
                result_ranks=ranks,
                result_scores=scores,
            )
            best[n] = min(best[n], time.process_time() - started)
            found[n] = [int(d) for d in docnos[:size]]
    ordered = sorted(best)
    status = Path("/proc/self/status").read_text().splitlines()
    rss = {line.split(":")[0]: line.split()[1] for line in status if line.startswith("Rss")}
    print(
        json.dumps(
            {
                "algorithm": algorithm,
                "k": k,
                "queries": len(texts),
                "rounds (best of)": rounds,
                "load_seconds": round(loaded, 2),
                "cpu_ms_p50_p95_p99_mean": [
                    round(ordered[int(len(ordered) * q)] * 1000, 3) for q in (0.5, 0.95, 0.99)
                ]
                + [round(sum(ordered) / len(ordered) * 1000, 3)],
                "rss_kB": rss,
                "load_average": os.getloadavg()[0],
            }
        )
    )
    if tops is not None:
        tops.write_text(json.dumps({"top": dict(zip(texts, found, strict=True))}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("build", "query"))
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--algorithm", default="block_max_ranked_and")
    parser.add_argument("--k", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--papers", type=int, help="build from the first N papers only")
    parser.add_argument("--tops", type=Path, help="write each query's ids here (JSON)")
    args = parser.parse_args()
    if args.step == "build":
        build(args.paths[0], Path(args.paths[1]), args.papers)
    else:
        texts = json.loads(Path(args.paths[1]).read_text())
        query(Path(args.paths[0]), texts, args.algorithm, args.k, args.rounds, args.tops)


if __name__ == "__main__":
    main()
