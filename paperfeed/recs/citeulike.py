"""Read a folder in the CiteULike format (citeulike-a, citeulike-t). Pure Python, no Django.

``users.dat`` is required: one line per user, ``<n> <item ids…>`` (0-based). ``citations.dat``
(one line per item, its linked items) and ``item-tag.dat`` (one line per item, its tag ids) are
read when present; ``tags.dat`` names the tags. Each file's count must match its list, and ids
must be non-negative integers: a malformed line is a clear error naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse


class FormatError(ValueError):
    """A CiteULike file that does not follow the format."""


@dataclass(frozen=True)
class Dataset:
    """Users' libraries and, when the folder has them, the items' citations and tags."""

    libraries: list[np.ndarray]  # one sorted array of distinct item ids per user
    n_items: int
    citations: sparse.csr_matrix | None = None  # items x items, symmetric, 0/1
    tags: sparse.csr_matrix | None = None  # items x tags, 0/1
    tag_names: list[str] | None = None

    @property
    def pairs(self) -> int:
        return int(sum(len(items) for items in self.libraries))


def _lists(path: Path) -> list[list[int]]:
    rows: list[list[int]] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            fields = line.split()
            if not fields:
                rows.append([])
                continue
            try:
                values = [int(field) for field in fields]
            except ValueError:
                raise FormatError(f"{path.name} line {number}: not a list of integers") from None
            count, ids = values[0], values[1:]
            if count != len(ids):
                raise FormatError(
                    f"{path.name} line {number}: says {count} ids but lists {len(ids)}"
                )
            if any(value < 0 for value in ids):
                raise FormatError(f"{path.name} line {number}: negative id")
            rows.append(ids)
    return rows


def _incidence(rows: list[list[int]], n_rows: int, n_cols: int) -> sparse.csr_matrix:
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    indptr[1 : len(rows) + 1] = np.cumsum([len(row) for row in rows])
    indptr[len(rows) + 1 :] = indptr[len(rows)]
    indices = np.fromiter((i for row in rows for i in row), dtype=np.int32, count=int(indptr[-1]))
    data = np.ones(len(indices), dtype=np.float32)
    matrix = sparse.csr_matrix((data, indices, indptr), shape=(n_rows, n_cols))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def citeulike_read(folder: Path) -> Dataset:
    """The dataset in ``folder``; FileNotFoundError without users.dat, FormatError if malformed."""
    folder = Path(folder)
    users_path = folder / "users.dat"
    if not users_path.is_file():
        raise FileNotFoundError(f"{users_path} not found (a CiteULike folder holds users.dat)")
    libraries = [np.unique(np.asarray(row, dtype=np.int32)) for row in _lists(users_path)]
    n_items = max((int(items[-1]) + 1 for items in libraries if len(items)), default=0)
    citation_rows = tag_rows = None
    if (folder / "citations.dat").is_file():
        citation_rows = _lists(folder / "citations.dat")
        n_items = max(
            n_items, len(citation_rows), max((max(r) + 1 for r in citation_rows if r), default=0)
        )
    if (folder / "item-tag.dat").is_file():
        tag_rows = _lists(folder / "item-tag.dat")
        n_items = max(n_items, len(tag_rows))
    citations = tags = None
    if citation_rows is not None:
        links = _incidence(citation_rows, n_items, n_items)
        citations = ((links + links.T) > 0).astype(np.float32).tocsr()
        citations.setdiag(0)
        citations.eliminate_zeros()
    tag_names = None
    if tag_rows is not None:
        if (folder / "tags.dat").is_file():
            tag_names = (
                (folder / "tags.dat").read_text(encoding="utf-8", errors="replace").split("\n")
            )
            if tag_names and tag_names[-1] == "":
                tag_names.pop()
        n_tags = max(len(tag_names or []), max((max(r) + 1 for r in tag_rows if r), default=0))
        tags = _incidence(tag_rows, n_items, n_tags)
    return Dataset(
        libraries=libraries, n_items=n_items, citations=citations, tags=tags, tag_names=tag_names
    )
