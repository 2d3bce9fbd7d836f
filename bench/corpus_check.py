"""Two scaled-up SQLite catalogues hold the same papers, authors, categories and full-text rows.

Compares what ``bench.corpus --scale-up`` wrote, keyed by arxiv id (row ids may differ between
two ways of copying): one digest per table, over every column but the row ids, in a fixed
order. Used to check that a faster copy builds the same catalogue as the one it replaces:

    .venv/bin/python -m bench.corpus_check DIR_A DIR_B     # each holding pf.sqlite3
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
from pathlib import Path

# Each query names every column but the row ids, ordered by the paper's arxiv id.
_QUERIES = {
    "papers_paper": "SELECT * FROM papers_paper ORDER BY arxiv_id",
    "papers_paperauthor": (
        "SELECT p.arxiv_id, pa.author_id, pa.position, pa.name FROM papers_paperauthor pa "
        "JOIN papers_paper p ON p.id = pa.paper_id ORDER BY p.arxiv_id, pa.position"
    ),
    "papers_papercategory": (
        "SELECT p.arxiv_id, pc.category, pc.position FROM papers_papercategory pc "
        "JOIN papers_paper p ON p.id = pc.paper_id ORDER BY p.arxiv_id, pc.category"
    ),
    "papers_fts": (
        "SELECT p.arxiv_id, f.title, f.abstract, f.authors FROM papers_fts f "
        "JOIN papers_paper p ON p.id = f.rowid ORDER BY p.arxiv_id"
    ),
}


def digests(path: Path) -> dict[str, tuple[int, str]]:
    db = sqlite3.connect(f"file:{path / 'pf.sqlite3'}?mode=ro", uri=True)
    result = {}
    for table, query in _QUERIES.items():
        cursor = db.execute(query)
        # papers_paper's own id is its first column: left out, as the other tables' ids are.
        skip = 1 if table == "papers_paper" else 0
        digest = hashlib.sha256()
        rows = 0
        for row in cursor:
            digest.update(repr(row[skip:]).encode())
            rows += 1
        result[table] = (rows, digest.hexdigest()[:16])
    db.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    first, second = digests(args.a), digests(args.b)
    same = True
    for table in _QUERIES:
        verdict = "same" if first[table] == second[table] else "DIFFERENT"
        same &= first[table] == second[table]
        print(
            f"{table:22} {first[table][0]:>10,} {first[table][1]}  {second[table][0]:>10,} "
            f"{second[table][1]}  {verdict}"
        )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
