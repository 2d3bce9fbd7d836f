"""The trained model on disk: one directory per build under ``<data dir>/recs`` and a ``CURRENT``
file naming the live one, as the similar-papers index does. Pure: no Django imports.

A build holds ``meta.json``, ``ids.npy`` (the paper id of each position) and the collaborative
graph as CSR arrays: ``indptr.npy``, ``targets.npy`` (positions) and ``weights.npy`` (float32),
row ``i`` being what paper ``ids[i]`` recommends. Readers memory-map them, so serving one reader
touches only the rows of that reader's papers, and a new build replaces the old one atomically.
The model is derived data: ``paperfeed recs train`` rebuilds it from the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from paperfeed.core import builds
from paperfeed.recs import hybrid

FORMAT = 1


@dataclass
class Model:
    root: Path
    meta: dict[str, Any]
    ids: np.ndarray
    indptr: np.ndarray
    targets: np.ndarray
    weights: np.ndarray
    _positions: dict[int, int] | None = field(default=None, repr=False)

    def position(self, paper_id: int) -> int | None:
        if self._positions is None:
            self._positions = {int(pk): row for row, pk in enumerate(self.ids)}
        return self._positions.get(paper_id)

    def links(self, paper_id: int) -> tuple[np.ndarray, np.ndarray]:
        """The paper ids ``paper_id`` recommends and their weights (empty when unknown)."""
        row = self.position(paper_id)
        if row is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        start, stop = int(self.indptr[row]), int(self.indptr[row + 1])
        return np.asarray(self.ids[self.targets[start:stop]]), np.asarray(self.weights[start:stop])

    def edges(self, paper_ids: Iterable[int]) -> hybrid.Edges:
        """The rows of these papers (those the model knows), targets as positions."""
        rows = []
        for paper_id in paper_ids:
            row = self.position(paper_id)
            if row is not None:
                start, stop = int(self.indptr[row]), int(self.indptr[row + 1])
                rows.append((paper_id, self.targets[start:stop], self.weights[start:stop]))
        return hybrid.Edges.of(rows, ids=self.ids)


current_name = builds.current_name


def open_model(base: Path, name: str | None = None) -> Model | None:
    """The live model under ``base`` (memory-mapped), or None when none was trained yet."""
    found = builds.build_read(
        base, name=name, format=FORMAT, arrays=("ids", "indptr", "targets", "weights")
    )
    if found is None:
        return None
    root, meta, arrays = found
    return Model(
        root=root,
        meta=meta,
        ids=arrays["ids"],
        indptr=arrays["indptr"],
        targets=arrays["targets"],
        weights=arrays["weights"],
    )


def write_model(
    base: Path, *, meta: Mapping[str, Any], ids: np.ndarray, graph: sparse.csr_matrix
) -> Path:
    """Write a new build and make it the live one; remove the builds before it."""
    name, tmp = builds.build_start(base)
    graph = sparse.csr_matrix(graph)
    graph.sort_indices()
    np.save(tmp / "ids.npy", np.asarray(ids, dtype=np.int64))
    np.save(tmp / "indptr.npy", np.asarray(graph.indptr, dtype=np.int64))
    np.save(tmp / "targets.npy", np.asarray(graph.indices, dtype=np.int32))
    np.save(tmp / "weights.npy", np.asarray(graph.data, dtype=np.float32))
    return builds.build_publish(base, name=name, tmp=tmp, meta=meta, format=FORMAT)
