"""The site's content graph for offline measurement: the similar-papers index's stored
neighbours among a set of papers, as a sparse matrix over their positions."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from paperfeed.papers.similar.models import SimilarPaper


def content_graph(*, paper_ids: np.ndarray) -> sparse.csr_matrix:
    """paper x paper neighbour scores among ``paper_ids`` (rows and columns in their order)."""
    n = len(paper_ids)
    position = {int(pk): i for i, pk in enumerate(paper_ids)}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    ids = [int(pk) for pk in paper_ids]
    for start in range(0, n, 5000):
        chunk = ids[start : start + 5000]
        links = SimilarPaper.objects.filter(paper_id__in=chunk).values_list(
            "paper_id", "neighbour_id", "score"
        )
        for source, target, score in links:
            if target in position and score > 0:
                rows.append(position[source])
                cols.append(position[target])
                values.append(score)
    return sparse.csr_matrix(
        (np.asarray(values, np.float32), (rows, cols)), shape=(n, n), dtype=np.float32
    )
