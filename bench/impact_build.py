"""Build an impact-ordered index of the catalogue's text, for :mod:`bench.impact_search` (S66).

A prototype, not part of the product: would an engine that prunes (exact top-k without
scoring every match) take the search engine's slow tail away? Per stemmed word, its postings
as (paper id, impact), where the impact is the word's BM25 score in that paper as tantivy
scores the engine's query (``textindex_query.text_query``: the title, abstract and authors
fields, boosted 3 / 1 / 1, each field's BM25 with its own document frequency and average
length, the length quantised as tantivy's field norms are), summed over the fields. Stored
twice, as numpy arrays: sorted by paper (for look-ups) and by impact (for the threshold
algorithm). Tokenised with the engine's own analysis (``STEMMED``), on every core.

    .venv/bin/python -m bench.impact_build OUT [--chunk 50000] [--processes 2]

with ``DATABASE_URL`` naming a SQLite catalogue (read only).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import time
from collections import Counter, defaultdict
from itertools import count, repeat
from multiprocessing import Pool
from pathlib import Path

import numpy as np

FIELDS = ("title", "abstract", "authors")
BOOST = np.array([3.0, 1.0, 1.0], dtype=np.float32)  # textindex_query.BOOSTS, in FIELDS order
K1, B = np.float32(1.2), np.float32(0.75)  # tantivy's BM25
# tantivy's field norms: a length is stored as one byte, decoded through this table (exact to
# 40, then buckets; src/fieldnorm/code.rs), up to the lengths a paper's fields reach.
_NORMS = [*range(41), 42, 44, 46, 48, 50, 52, 54, 56, 60, 64, 68, 72, 76, 80, 84, 88, 96]
_NORMS += [104, 112, 120, 128, 136, 144, 152, 168, 184, 200, 216, 232, 248, 264, 280, 312, 344]
_NORMS += [376, 408, 440, 472, 504, 536, 600, 664, 728, 792, 856, 920, 984, 1048, 1176, 1304]
_NORMS += [1432, 1560, 1688, 1816, 1944, 2072, 2328, 2584, 2840, 3096, 3352, 3608, 3864, 4120]
_NORMS += [4632, 5144, 5656, 6168, 6680, 7192, 7704, 8216, 9240, 10264, 11288, 12312, 13336]
FIELD_NORMS = np.array(_NORMS, dtype=np.float32)


def term_hash(stem: str) -> int:
    """A stem's 63-bit key (the vocabulary is kept as sorted keys, not a dict of strings)."""
    return int.from_bytes(hashlib.blake2b(stem.encode(), digest_size=8).digest(), "little") >> 1


def quantised(lengths: np.ndarray) -> np.ndarray:
    """Field lengths as tantivy decodes them from its one-byte field norms."""
    ids = np.searchsorted(FIELD_NORMS, lengths, side="right") - 1
    return FIELD_NORMS[ids]


def _authors_text(names: list[str]) -> str:
    # paperfeed.papers.search.authors_text, without Django (the workers read SQLite alone).
    from paperfeed.papers.merge import author_key

    folded = [
        key
        for name in names
        if not name.isascii() and (key := author_key(name)) != " ".join(name.lower().split())
    ]
    return ", ".join([*names, *dict.fromkeys(folded)])


def _chunk(job: tuple[str, int, int]) -> tuple[list[str], dict[str, np.ndarray]]:
    """One range of paper ids: its vocabulary and (paper, word, tf per field) rows, and each
    paper's field lengths."""
    from paperfeed.papers.textindex_query import STEMMED

    path, start, end = job
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    papers = db.execute(
        "SELECT id, title, abstract FROM papers_paper WHERE id >= ? AND id < ? ORDER BY id",
        (start, end),
    ).fetchall()
    names: dict[int, list[str]] = {}
    for pk, name in db.execute(
        "SELECT paper_id, name FROM papers_paperauthor WHERE paper_id >= ? AND paper_id < ?"
        " ORDER BY paper_id, position",
        (start, end),
    ):
        names.setdefault(pk, []).append(name)
    db.close()
    # Per paper and field, its stems' frequencies, appended at C speed (map, Counter); the
    # fields of one paper are summed later in numpy.
    vocabulary: defaultdict[str, int] = defaultdict(count().__next__)
    docs: list[int] = []
    words: list[int] = []
    fields: list[int] = []
    tfs: list[int] = []
    lengths = np.zeros((len(papers), 3), dtype=np.uint32)
    ids = np.zeros(len(papers), dtype=np.int32)
    for row, (pk, title, abstract) in enumerate(papers):
        ids[row] = pk
        texts = (title or "", abstract or "", _authors_text(names.get(pk, [])))
        for field, text in enumerate(texts):
            stems = STEMMED.analyze(text)
            lengths[row, field] = len(stems)
            counted = Counter(stems)
            words.extend(map(vocabulary.__getitem__, counted))
            tfs.extend(counted.values())
            docs.extend(repeat(pk, len(counted)))
            fields.extend(repeat(field, len(counted)))
    return list(vocabulary), {
        "doc": np.array(docs, dtype=np.int32),
        "word": np.array(words, dtype=np.int32),
        "field": np.array(fields, dtype=np.int8),
        "tf": np.array(tfs, dtype=np.uint16),
        "ids": ids,
        "lengths": lengths,
    }


def build(database: str, out: Path, *, chunk: int, processes: int, papers: int | None) -> dict:
    started = time.perf_counter()
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    low, high = db.execute("SELECT MIN(id), MAX(id) FROM papers_paper").fetchone()
    db.close()
    high = high if papers is None else min(high, low + papers - 1)
    jobs = [(database, start, start + chunk) for start in range(low, high + 1, chunk)]
    global_ids: dict[str, int] = {}
    parts: dict[str, list[np.ndarray]] = {
        name: [] for name in ("doc", "word", "field", "tf", "ids", "lengths")
    }
    with Pool(processes) as pool:
        for vocabulary, arrays in pool.imap(_chunk, jobs):
            mapping = np.array(
                [global_ids.setdefault(stem, len(global_ids)) for stem in vocabulary],
                dtype=np.int32,
            )
            arrays["word"] = mapping[arrays["word"]] if len(mapping) else arrays["word"]
            for name, array in arrays.items():
                parts[name].append(array)
    tokenised = time.perf_counter() - started
    doc, word = np.concatenate(parts.pop("doc")), np.concatenate(parts.pop("word"))
    field, tf = np.concatenate(parts.pop("field")), np.concatenate(parts.pop("tf"))
    tf = tf.astype(np.float32)
    lengths = np.concatenate(parts["lengths"]).astype(np.float64)
    ids = np.concatenate(parts["ids"])
    papers = len(ids)  # (the catalogue's ids are dense: the array's index is the id)
    # Each (paper, word, field) row's BM25 as tantivy's Bm25Weight computes it: the field's
    # document frequency for the idf, its mean length, the paper's quantised length.
    length_of = np.zeros((int(ids.max()) + 1, 3), dtype=np.float32)
    length_of[ids] = quantised(lengths.astype(np.float32))
    score = np.zeros(len(doc), dtype=np.float32)
    for f in range(3):
        rows = field == f
        df = np.bincount(word[rows], minlength=len(global_ids)).astype(np.float32)
        idf = np.log1p((np.float32(papers) - df + 0.5) / (df + 0.5)).astype(np.float32)
        average = np.float32(lengths[:, f].sum() / papers)
        weight = idf * BOOST[f] * (K1 + 1)
        norm = K1 * (1 - B + B * length_of[doc[rows], f] / average)
        score[rows] = weight[word[rows]] * (tf[rows] / (tf[rows] + norm))
    del tf, field
    # The vocabulary as sorted keys; each key's postings at offsets[k]:offsets[k + 1].
    keys = np.array([term_hash(stem) for stem in global_ids], dtype=np.uint64)
    key_order = np.argsort(keys)
    rank = np.empty_like(key_order)
    rank[key_order] = np.arange(len(key_order))
    # One posting per (word, paper): its fields' scores summed (in float64, then rounded).
    pair, inverse = np.unique((rank[word].astype(np.int64) << 21) | doc, return_inverse=True)
    impact = np.bincount(inverse, weights=score).astype(np.float32)
    del score, inverse, doc, word
    doc = (pair & ((1 << 21) - 1)).astype(np.int32)
    word = (pair >> 21).astype(np.int32)  # the key's rank; pairs come by word, then paper
    del pair
    offsets = np.zeros(len(keys) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(np.bincount(word, minlength=len(keys)))
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "keys.npy", keys[key_order])
    np.save(out / "offsets.npy", offsets)
    np.save(out / "doc_by_doc.npy", doc)
    np.save(out / "impact_by_doc.npy", impact)
    # Within each word, highest impact first (ties: lowest paper first, as tantivy's top-k).
    by_impact = np.lexsort((doc, -impact, word))
    np.save(out / "doc_by_impact.npy", doc[by_impact])
    np.save(out / "impact_by_impact.npy", impact[by_impact])
    report = {
        "papers": papers,
        "words": len(keys),
        "postings": len(doc),
        "tokenise_seconds": round(tokenised, 1),
        "build_seconds": round(time.perf_counter() - started, 1),
        "bytes": sum(f.stat().st_size for f in out.glob("*.npy")),
        "processes": processes,
    }
    (out / "build.json").write_text(json.dumps(report, indent=2))
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--papers", type=int, help="the first N papers only (a trial)")
    args = parser.parse_args(argv)
    url = os.environ["DATABASE_URL"]
    database = url.removeprefix("sqlite:///") if url.startswith("sqlite:") else ""
    if not database:
        raise SystemExit("DATABASE_URL must name a SQLite catalogue")
    report = build(
        database, args.out, chunk=args.chunk, processes=args.processes, papers=args.papers
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
