"""Exact k-nearest neighbours by cosine over unit vectors. Pure numpy: no Django.

The scores of one block of rows against the whole catalogue are one BLAS matrix product. The
slow part of a naive top-k is then the selection: ``argpartition`` over 75,000 scores per row
costs more than the product itself. So the columns are dealt into ``GROUPS`` groups (column ``j``
goes to group ``j % groups``), each group's maximum is taken with one vectorised pass, and only
the ``k`` groups with the highest maxima are searched: every one of the true top ``k`` lies in
a group whose maximum is at least the k-th best score, and at most ``k`` groups have one. The
result is exact, not approximate.

An optional sparse part (author names, see :mod:`.fields`) adds its own row products to the
dense scores of each block before the selection, so the result stays exact for the sum.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

BLOCK_ROWS = 512
# Columns per group: the selection reads k * GROUP_SIZE candidates per row instead of all N.
GROUP_SIZE = 64


def top_k(
    queries: np.ndarray,
    corpus: np.ndarray,
    k: int,
    *,
    self_offset: int | None = None,
    block_rows: int = BLOCK_ROWS,
    extra: tuple[sparse.csr_matrix, sparse.csr_matrix] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``queries``, its ``k`` most similar rows of ``corpus``, best first.

    Returns (indices int32, scores float32), both (len(queries) x k'), where k' = min(k, the
    number of candidates). With ``self_offset``, query row ``i`` is corpus row
    ``self_offset + i`` and is never its own neighbour. The score is the dot product of the
    rows (the cosine for unit rows), plus that of the sparse rows ``extra = (for queries, for
    corpus)`` when given.
    """
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    corpus = np.ascontiguousarray(corpus, dtype=np.float32)
    n, total = len(queries), len(corpus)
    candidates = total - (1 if self_offset is not None else 0)
    k = max(0, min(k, candidates))
    indices = np.zeros((n, k), dtype=np.int32)
    scores = np.zeros((n, k), dtype=np.float32)
    if n == 0 or k == 0:
        return indices, scores
    groups = -(-total // GROUP_SIZE)
    grouped = groups >= 4 * k
    width = groups * GROUP_SIZE if grouped else total
    if width > total:
        # Zero rows pad the corpus to whole groups; their scores are masked below.
        corpus = np.concatenate([corpus, np.zeros((width - total, corpus.shape[1]), np.float32)])
    extra_t = sparse.csr_matrix(extra[1].T) if extra is not None else None
    for start in range(0, n, block_rows):
        stop = min(n, start + block_rows)
        sims = queries[start:stop] @ corpus.T
        rows = np.arange(stop - start)
        if extra is not None and extra_t is not None:
            added = sparse.coo_matrix(extra[0][start:stop] @ extra_t)
            sims[added.row, added.col] += added.data
        if width > total:
            sims[:, total:] = -np.inf
        if self_offset is not None:
            sims[rows, self_offset + start + rows] = -np.inf
        if grouped:
            maxima = sims.reshape(len(rows), GROUP_SIZE, groups).max(axis=1)
            best_groups = np.argpartition(maxima, -k, axis=1)[:, -k:]
            columns = (
                best_groups[:, :, None] + groups * np.arange(GROUP_SIZE)[None, None, :]
            ).reshape(len(rows), -1)
            values = np.take_along_axis(sims, columns, axis=1)
        else:
            columns = np.broadcast_to(np.arange(total), (len(rows), total))
            values = sims
        chosen = np.argpartition(values, -k, axis=1)[:, -k:]
        chosen_values = np.take_along_axis(values, chosen, axis=1)
        order = np.argsort(-chosen_values, axis=1, kind="stable")
        chosen = np.take_along_axis(chosen, order, axis=1)
        indices[start:stop] = np.take_along_axis(columns, chosen, axis=1)
        scores[start:stop] = np.take_along_axis(chosen_values, order, axis=1)
    return indices, scores


def merge(
    indices: np.ndarray,
    scores: np.ndarray,
    more_indices: np.ndarray,
    more_scores: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Row by row, the best ``k`` of two neighbour lists over disjoint candidates."""
    all_indices = np.concatenate([indices, more_indices], axis=1)
    all_scores = np.concatenate([scores, more_scores], axis=1).astype(np.float32)
    k = min(k, all_indices.shape[1])
    order = np.argsort(-all_scores, axis=1, kind="stable")[:, :k]
    return (
        np.take_along_axis(all_indices, order, axis=1).astype(np.int32),
        np.take_along_axis(all_scores, order, axis=1),
    )


def search(query: np.ndarray, corpus: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` corpus rows most similar to one query vector, best first, with their scores.

    ``corpus`` may be a float16 memory map: it is read in slices, so no full float32 copy of the
    catalogue is ever held.
    """
    total = len(corpus)
    k = max(0, min(k, total))
    if k == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    query = np.asarray(query, dtype=np.float32)
    sims = np.empty(total, dtype=np.float32)
    step = 16384
    for start in range(0, total, step):
        sims[start : start + step] = np.asarray(corpus[start : start + step], np.float32) @ query
    best = np.argpartition(sims, -k)[-k:]
    best = best[np.argsort(-sims[best], kind="stable")]
    return best, sims[best]
