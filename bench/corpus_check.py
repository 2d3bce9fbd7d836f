"""Two scaled-up catalogues hold the same papers, authors, categories and full-text rows.

Compares what ``bench.corpus --scale-up`` wrote, keyed by arxiv id (row ids may differ between
two ways of copying): one digest per table, over every column but the row ids, in a fixed
order. Used to check that a faster copy builds the same catalogue as the one it replaces:

    .venv/bin/python -m bench.corpus_check DIR_A DIR_B     # each holding pf.sqlite3

A SQLite and a PostgreSQL catalogue (``DIR URL``, the URL ``postgres://...``) store the same
values differently (booleans, dates, JSON), so they are compared value by value after turning
each into one form: each table's row count and, for the papers, one digest per column over the
papers whose arxiv id ends in ``--sample`` (default "7": a tenth of them), leaving out the
columns an import stamps with its own clock (``created_at``, ``updated_at``); the authors and
categories of those papers likewise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
from datetime import UTC, datetime
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


# --- SQLite against PostgreSQL ------------------------------------------------------------------

_STAMPS = ("id", "created_at", "updated_at")


def _canonical(value: object, kind: str) -> str:
    """One text form of a value, whichever database it came from."""
    if value is None:
        return "None"
    if kind in ("json", "jsonb"):
        parsed = json.loads(value) if isinstance(value, str) else value
        return json.dumps(parsed, sort_keys=True)
    if kind == "boolean":
        return str(bool(value))
    if kind.startswith("timestamp"):
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return when.astimezone(UTC).isoformat() if when.tzinfo else when.isoformat() + "+00:00"
    return str(value)


def _pg_types(url: str) -> dict[str, str]:
    import psycopg

    with psycopg.connect(url) as db:
        rows = db.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'papers_paper' ORDER BY ordinal_position"
        ).fetchall()
    return {name: kind for name, kind in rows if name not in _STAMPS}


def mixed_digests(source: str, types: dict[str, str], sample: str) -> dict[str, tuple[int, str]]:
    """Row counts of every table and per-column digests of the sampled papers (and their
    authors and categories), from a SQLite directory or a PostgreSQL URL."""
    columns = ", ".join(f"p.{name}" for name in types)
    like = f"'%{sample}'"
    queries = {
        "papers_paper": f"SELECT {columns} FROM papers_paper p WHERE p.arxiv_id LIKE {like} "
        "ORDER BY p.arxiv_id",
        "papers_paperauthor": "SELECT p.arxiv_id, pa.author_id, pa.position, pa.name "
        "FROM papers_paperauthor pa JOIN papers_paper p ON p.id = pa.paper_id "
        f"WHERE p.arxiv_id LIKE {like} ORDER BY p.arxiv_id, pa.position",
        "papers_papercategory": "SELECT p.arxiv_id, pc.category, pc.position "
        "FROM papers_papercategory pc JOIN papers_paper p ON p.id = pc.paper_id "
        f"WHERE p.arxiv_id LIKE {like} ORDER BY p.arxiv_id, pc.category",
    }
    if source.startswith("postgres"):
        import psycopg

        db = psycopg.connect(source)
    else:
        db = sqlite3.connect(f"file:{Path(source) / 'pf.sqlite3'}?mode=ro", uri=True)
    result: dict[str, tuple[int, str]] = {}
    for table in (*queries, "papers_fts"):
        (count,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
        result[f"{table} rows"] = (count, "")
    kinds = list(types.values())
    per_column = [hashlib.sha256() for _ in kinds]
    rows = 0
    for row in db.execute(queries["papers_paper"]):
        rows += 1
        for digest, value, kind in zip(per_column, row, kinds, strict=True):
            digest.update(_canonical(value, kind).encode() + b"\0")
    for name, digest in zip(types, per_column, strict=True):
        result[f"paper.{name}"] = (rows, digest.hexdigest()[:16])
    for table in ("papers_paperauthor", "papers_papercategory"):
        digest, rows = hashlib.sha256(), 0
        for row in db.execute(queries[table]):
            rows += 1
            digest.update(repr(tuple(str(v) for v in row)).encode())
        result[f"{table} sampled"] = (rows, digest.hexdigest()[:16])
    db.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("a", help="a directory holding pf.sqlite3, or a postgres:// URL")
    parser.add_argument("b", help="the same")
    parser.add_argument("--sample", default="7", help="the papers whose arxiv id ends so")
    args = parser.parse_args(argv)
    if args.a.startswith("postgres") or args.b.startswith("postgres"):
        url = args.a if args.a.startswith("postgres") else args.b
        types = _pg_types(url)
        first = mixed_digests(args.a, types, args.sample)
        second = mixed_digests(args.b, types, args.sample)
        differ = [key for key in first if first[key] != second[key]]
        for key in first:
            verdict = "DIFFERENT" if key in differ else "same"
            print(f"{key:32} {first[key][0]:>10,} {second[key][0]:>10,} {verdict}")
        return 1 if differ else 0
    first, second = digests(Path(args.a)), digests(Path(args.b))
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
