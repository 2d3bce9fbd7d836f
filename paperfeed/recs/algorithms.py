"""Recommenders over a users x items 0/1 matrix. Pure numpy/scipy, no Django.

Each ``*_fit`` returns an item-item weight matrix W (items x items): a reader's scores are
``x @ W`` for their row x. Popularity is a vector instead.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, sparse


def popularity_fit(train: sparse.csr_matrix) -> np.ndarray:
    return np.asarray(train.sum(axis=0), dtype=np.float64).ravel()


def _top_per_column(dense: np.ndarray, keep: int, *, block: int = 1024) -> sparse.csc_matrix:
    """Keep the ``keep`` largest entries of each column (as a sparse matrix).

    A block of columns at a time, copied into rows: selecting down a column of a row-ordered
    matrix reads it with a stride, ~5 times slower (CiteULike's 16,980 items: 8.4 -> 1.7 s).
    """
    n, n_cols = dense.shape
    keep = min(keep, n)
    rows_of: list[np.ndarray] = []
    for start in range(0, n_cols, block):
        columns = np.ascontiguousarray(dense[:, start : start + block].T)
        rows_of.append(np.argpartition(-columns, keep - 1, axis=1)[:, :keep])
    rows = np.concatenate(rows_of).T if rows_of else np.empty((keep, 0), dtype=np.intp)
    cols = np.broadcast_to(np.arange(n_cols), rows.shape)
    values = dense[rows, cols]
    matrix = sparse.csc_matrix(
        (values.ravel(order="F"), (rows.ravel(order="F"), cols.ravel(order="F"))), shape=dense.shape
    )
    matrix.eliminate_zeros()
    return matrix


def itemknn_fit(train: sparse.csr_matrix, *, neighbours: int = 100) -> sparse.csc_matrix:
    """Cosine similarity of items over users, each item's ``neighbours`` nearest kept."""
    x = train.astype(np.float32).tocsc()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel())
    norms[norms == 0] = 1.0
    gram = (x.T @ x).toarray()
    gram /= norms[:, None]
    gram /= norms[None, :]
    np.fill_diagonal(gram, 0.0)
    return _top_per_column(gram, neighbours)


def gram_dense(x: sparse.csr_matrix, *, block: int = 1024) -> np.ndarray:
    """XᵀX as a dense float32 matrix, a block of rows at a time.

    The sparse product of the whole matrix first holds every co-read pair as a sparse matrix
    (at 20,000 papers and 100,000 members, most pairs: more than the dense matrix itself) and
    then a dense copy of it; by blocks only the dense result and one block are alive.
    """
    x = x.astype(np.float32).tocsr()
    xt = x.T.tocsr()
    n = x.shape[1]
    gram = np.empty((n, n), dtype=np.float32)
    for start in range(0, n, block):
        gram[start : start + block] = (xt[start : start + block] @ x).toarray()
    return gram


def _inverse_spd(gram: np.ndarray, *, block: int = 1024) -> np.ndarray:
    """Inverse of a symmetric positive definite float32 matrix by Cholesky, in place: the
    result is ``gram``'s own memory (no copy of an items x items matrix is ever made)."""
    # LAPACK works in place only on a Fortran-ordered array; the transpose of a C-ordered
    # symmetric matrix is the same matrix in Fortran order, so it is handed over as it is.
    fortran = gram.T
    factor, info = linalg.lapack.spotrf(fortran, lower=False, overwrite_a=True, clean=False)
    if info != 0:
        raise np.linalg.LinAlgError(f"Gram matrix not positive definite (potrf info {info})")
    inverse, info = linalg.lapack.spotri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"inverse failed (potri info {info})")
    if not np.shares_memory(inverse, gram):  # a LAPACK build that copied after all
        gram[...] = inverse.T
    # potri wrote the upper triangle of the Fortran view: the lower one of ``gram``. Mirror it
    # to the upper triangle a band of rows at a time (each band's copy is block x n).
    n = gram.shape[0]
    for start in range(0, n, block):
        stop = min(start + block, n)
        square = gram[start:stop, start:stop]
        square[...] = np.tril(square) + np.tril(square, -1).T
        gram[start:stop, stop:] = gram[stop:, start:stop].T
    return gram


def ease_from_gram(gram: np.ndarray, *, l2: float) -> np.ndarray:
    """EASE (Steck 2019): B = I - P·diag(1/diag P), P = (G + λI)⁻¹, zero diagonal.

    In place when ``gram`` is a C-ordered float32 array: B is written over it.
    """
    gram = np.ascontiguousarray(gram, dtype=np.float32)
    gram[np.diag_indices_from(gram)] += l2
    weights = _inverse_spd(gram)
    diagonal = np.diag(weights).copy()
    weights /= -diagonal[None, :]
    np.fill_diagonal(weights, 0.0)
    return weights


def ease_fit(train: sparse.csr_matrix, *, l2: float = 200.0) -> np.ndarray:
    return ease_from_gram(gram_dense(train), l2=l2)


def _top_per_row(block: np.ndarray, keep: int) -> sparse.csr_matrix:
    """The ``keep`` largest positive entries of each row of ``block``, as a sparse block."""
    keep = min(keep, block.shape[1])
    cols = np.argpartition(-block, keep - 1, axis=1)[:, :keep]
    rows = np.broadcast_to(np.arange(block.shape[0])[:, None], cols.shape)
    values = block[rows, cols]
    positive = values > 0
    return sparse.csr_matrix(
        (values[positive], (rows[positive], cols[positive])), shape=block.shape
    )


def ease_neighbours(
    train: sparse.csr_matrix, *, l2: float, keep: int, block: int = 2048
) -> sparse.csr_matrix:
    """EASE's item-item weights B, each source item's ``keep`` largest positive weights kept.

    Solved in the smaller of the two spaces: the item space, (XᵀX + λI)⁻¹ (Steck 2019), or,
    with fewer users than items, the user space through the Woodbury identity,
    P = (I - Xᵀ(XXᵀ + λI)⁻¹X) / λ, which costs O(users³ + pairs·items) instead of O(items³)
    and never holds an items x items matrix: B is built a block of rows at a time.
    """
    x = train.astype(np.float32).tocsr()
    n_users, n_items = x.shape
    parts: list[sparse.csr_matrix] = []
    if n_items <= n_users:
        weights = ease_fit(x, l2=l2)
        for start in range(0, n_items, block):
            parts.append(_top_per_row(weights[start : start + block], keep))
    else:
        kernel = (x @ x.T).toarray().astype(np.float64)
        kernel[np.diag_indices_from(kernel)] += l2
        mixed = np.asarray(x.T @ linalg.inv(kernel, overwrite_a=True, check_finite=False)).T
        mixed = mixed.astype(np.float32)  # M = K⁻¹X, users x items
        diagonal = (1.0 - np.asarray(x.multiply(mixed).sum(axis=0)).ravel()) / l2
        xt = x.T.tocsr()
        for start in range(0, n_items, block):
            stop = min(start + block, n_items)
            # Rows start..stop of P, then of B = -P / diag(P) off the diagonal.
            rows = -np.asarray(xt[start:stop] @ mixed) / l2
            rows[np.arange(stop - start), np.arange(start, stop)] += 1.0 / l2
            rows /= -diagonal[None, :]
            rows[np.arange(stop - start), np.arange(start, stop)] = 0.0
            parts.append(_top_per_row(rows, keep))
    stacked = sparse.vstack(parts) if parts else sparse.csr_matrix((0, 0))
    return sparse.csr_matrix(stacked, shape=(n_items, n_items))


def cosine_neighbours(features: sparse.csr_matrix, *, keep: int) -> sparse.csr_matrix:
    """Items' ``keep`` nearest items by the cosine of their feature rows (tf-idf weighted)."""
    f = features.astype(np.float32).tocsc()
    df = np.asarray((f > 0).sum(axis=0)).ravel()
    idf = np.log((f.shape[0] + 1) / (df + 1)).astype(np.float32)
    idf[df < 2] = 0.0  # a feature of one item links it to nothing
    f = (f @ sparse.diags(idf)).tocsr()
    norms = np.sqrt(np.asarray(f.multiply(f).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    f = sparse.diags(1.0 / norms) @ f
    ft = f.T.tocsc()
    parts: list[sparse.csr_matrix] = []
    for start in range(0, f.shape[0], 2048):
        block = np.asarray((f[start : start + 2048] @ ft).toarray())
        block[np.arange(block.shape[0]), np.arange(start, start + block.shape[0])] = 0.0
        parts.append(_top_per_row(block, keep))
    stacked = sparse.vstack(parts)
    return sparse.csr_matrix(stacked, shape=(f.shape[0], f.shape[0]))
