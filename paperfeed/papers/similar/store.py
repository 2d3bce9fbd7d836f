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
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from paperfeed.core import builds
from paperfeed.papers.similar import tfidf

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


current_name = builds.current_name


def open_index(base: Path, name: str | None = None) -> Index | None:
    """The live index under ``base`` (memory-mapped), or None when there is none yet."""
    found = builds.build_read(
        base, name=name, format=FORMAT, arrays=("ids", "vectors", "neighbours", "scores")
    )
    if found is None:
        return None
    root, meta, arrays = found
    return Index(
        root=root,
        meta=meta,
        ids=arrays["ids"],
        vectors=arrays["vectors"],
        neighbours=arrays["neighbours"],
        scores=arrays["scores"],
    )


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
    name, tmp = builds.build_start(base)
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
    return builds.build_publish(base, name=name, tmp=tmp, meta=meta, format=FORMAT)
