"""Authors and categories, compared beside the text. Pure: numpy and scipy, no Django.

The text engines place a paper by its topic. A shared co-author is the other strong sign that two
papers belong together (arxiv-sanity puts the author names into the text its tf-idf reads for
that reason), but 128 SVD dimensions, or a sentence encoder, cannot keep 175,000 names apart: a
name pushed through them only blurs into its topic. So each field is its own tf-idf over whole
tokens (one token per normalised full name, one per arXiv category), kept exact, and the
similarity of two papers is a weighted sum of cosines::

    score = text * cos(text vectors) + authors * cos(author tokens) + categories * cos(categories)

with ``text = 1 - authors - categories``. :func:`neighbour_space` turns this into one dense
matrix (text and categories: a few hundred columns) and one sparse matrix (authors: most names
occur on a handful of papers), whose row products give exactly that score; the neighbour search
adds the two products.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class Weights:
    """Shares of the final score; the text gets what is left."""

    authors: float = 0.0
    categories: float = 0.0

    def __post_init__(self) -> None:
        if self.authors < 0 or self.categories < 0 or self.authors + self.categories >= 1:
            raise ValueError(f"field weights must be >= 0 and leave the text a share: {self}")

    @property
    def text(self) -> float:
        return 1.0 - self.authors - self.categories

    def as_dict(self) -> dict[str, float]:
        return {"authors": self.authors, "categories": self.categories}


def token_matrix(docs: Sequence[Sequence[str]], *, min_df: int = 1) -> sparse.csr_matrix:
    """One l2-normalised row per doc: each distinct token weighted by its smoothed idf, as
    scikit-learn's TfidfVectorizer would (a token counts once per paper). Empty rows stay zero.

    Tokens on fewer than ``min_df`` papers are dropped before the rows are normalised.
    """
    vocabulary: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    for tokens in docs:
        seen = {vocabulary.setdefault(t, len(vocabulary)) for t in tokens if t}
        indices.extend(sorted(seen))
        indptr.append(len(indices))
    cols = np.asarray(indices, dtype=np.int64)
    count = len(docs)
    df = np.bincount(cols, minlength=len(vocabulary)).astype(np.float64)
    idf = np.log((1.0 + count) / (1.0 + df)) + 1.0
    data = np.where(df[cols] >= min_df, idf[cols], 0.0).astype(np.float32)
    matrix = sparse.csr_matrix(
        (data, cols, np.asarray(indptr, dtype=np.int64)), shape=(count, len(vocabulary))
    )
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    matrix.eliminate_zeros()
    return sparse.csr_matrix(sparse.diags((1.0 / norms).astype(np.float32)) @ matrix)


def neighbour_space(
    text_vectors: np.ndarray,
    authors: Sequence[Sequence[str]],
    categories: Sequence[Sequence[str]],
    weights: Weights,
) -> tuple[np.ndarray, sparse.csr_matrix | None]:
    """(dense, sparse) rows such that ``dense_i . dense_j + sparse_i . sparse_j`` is the
    weighted score of papers ``i`` and ``j`` (``text_vectors`` are unit rows).

    Categories are few, so their columns join the dense part; author names are many, so they
    stay sparse (None when their weight is 0).
    """
    parts = [np.asarray(text_vectors, dtype=np.float32) * np.float32(math.sqrt(weights.text))]
    if weights.categories > 0:
        cats = token_matrix(categories).toarray()
        parts.append(cats * np.float32(math.sqrt(weights.categories)))
    dense = np.ascontiguousarray(np.hstack(parts), dtype=np.float32)
    names = None
    if weights.authors > 0:
        names = sparse.csr_matrix(
            token_matrix(authors) * np.float32(math.sqrt(weights.authors)), dtype=np.float32
        )
    return dense, names
