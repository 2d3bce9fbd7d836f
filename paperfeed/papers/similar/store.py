"""The on-disk index: one directory per build under ``<data dir>/similar``, and a ``CURRENT``
file naming the live one. Pure: no Django imports.

A build directory holds ``meta.json``, ``ids.npy`` (paper ids, one per row), ``vectors.npy``
(unit vectors, float16), ``neighbours.npy`` / ``scores.npy`` (each row's top k, as row numbers)
and, for tf-idf, ``vocabulary.json``, ``idf.npy`` and ``components.npy``. Readers memory-map
the arrays, so a web worker holds only the pages a query touches, and a new build never
disturbs a reader: it is written beside the old one and made live by replacing ``CURRENT``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from paperfeed.papers.similar import tfidf

CURRENT = "CURRENT"
FORMAT = 1


@dataclass
class Index:
    root: Path
    meta: dict[str, Any]
    ids: np.ndarray
    vectors: np.ndarray
    neighbours: np.ndarray
    scores: np.ndarray
    _projection: tfidf.Projection | None = field(default=None, repr=False)
    _positions: dict[int, int] | None = field(default=None, repr=False)

    @property
    def engine(self) -> str:
        return str(self.meta["engine"])

    @property
    def projection(self) -> tfidf.Projection:
        """The tf-idf projection, loaded on first use (only semantic queries need it)."""
        if self._projection is None:
            vocabulary = json.loads((self.root / "vocabulary.json").read_text())
            self._projection = tfidf.Projection(
                vocabulary=vocabulary,
                idf=np.load(self.root / "idf.npy"),
                components=np.load(self.root / "components.npy", mmap_mode="r"),
            )
        return self._projection

    def position(self, paper_id: int) -> int | None:
        if self._positions is None:
            self._positions = {int(pk): row for row, pk in enumerate(self.ids)}
        return self._positions.get(paper_id)


def current_name(base: Path) -> str | None:
    try:
        return (base / CURRENT).read_text().strip() or None
    except FileNotFoundError:
        return None


def open_index(base: Path, name: str | None = None) -> Index | None:
    """The live index under ``base`` (memory-mapped), or None when there is none yet."""
    name = name or current_name(base)
    if not name:
        return None
    root = base / name
    try:
        meta = json.loads((root / "meta.json").read_text())
        if meta.get("format") != FORMAT:
            return None
        return Index(
            root=root,
            meta=meta,
            ids=np.load(root / "ids.npy", mmap_mode="r"),
            vectors=np.load(root / "vectors.npy", mmap_mode="r"),
            neighbours=np.load(root / "neighbours.npy", mmap_mode="r"),
            scores=np.load(root / "scores.npy", mmap_mode="r"),
        )
    except (FileNotFoundError, ValueError, KeyError):
        return None


def write_index(
    base: Path,
    *,
    meta: Mapping[str, Any],
    ids: np.ndarray,
    vectors: np.ndarray,
    neighbours: np.ndarray,
    scores: np.ndarray,
    projection: tfidf.Projection | None = None,
    projection_from: Path | None = None,
) -> Path:
    """Write a new build directory and make it the live one; remove the builds before it.

    ``projection_from``: an earlier build whose tf-idf files are reused (incremental builds keep
    the projection learnt by the last full build).
    """
    base.mkdir(parents=True, exist_ok=True)
    name = f"build-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    root = base / name
    tmp = base / f".{name}.tmp"
    tmp.mkdir()
    np.save(tmp / "ids.npy", np.asarray(ids, dtype=np.int64))
    np.save(tmp / "vectors.npy", np.asarray(vectors, dtype=np.float16))
    np.save(tmp / "neighbours.npy", np.asarray(neighbours, dtype=np.int32))
    np.save(tmp / "scores.npy", np.asarray(scores, dtype=np.float32))
    if projection is not None:
        (tmp / "vocabulary.json").write_text(json.dumps(dict(projection.vocabulary)))
        np.save(tmp / "idf.npy", np.asarray(projection.idf, dtype=np.float32))
        np.save(tmp / "components.npy", np.asarray(projection.components, dtype=np.float32))
    elif projection_from is not None:
        for file in ("vocabulary.json", "idf.npy", "components.npy"):
            if (projection_from / file).exists():
                shutil.copy2(projection_from / file, tmp / file)
    (tmp / "meta.json").write_text(json.dumps({**meta, "format": FORMAT}, indent=1))
    os.replace(tmp, root)
    pointer = base / f".{CURRENT}.{os.getpid()}"
    pointer.write_text(name)
    os.replace(pointer, base / CURRENT)
    # Readers that still map an older build keep their open files (POSIX semantics); new
    # readers see only the live one.
    for old in base.iterdir():
        if old.is_dir() and old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    return root
