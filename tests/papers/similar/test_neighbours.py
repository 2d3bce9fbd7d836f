"""Exact top-k, search and merge (papers/similar/neighbours.py). No database."""

from __future__ import annotations

import numpy as np
import pytest

from paperfeed.papers.similar import neighbours


@pytest.mark.parametrize("size", [7, 300, 5000])
def test_top_k_is_exact(size):
    rng = np.random.default_rng(size)
    vectors = rng.standard_normal((size, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    idx, scores = neighbours.top_k(vectors, vectors, 10, self_offset=0, block_rows=128)
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    expected = -np.sort(-sims, axis=1)[:, : min(10, size - 1)]
    assert np.allclose(scores, expected, atol=1e-5)
    assert np.allclose(np.take_along_axis(sims, idx.astype(np.int64), axis=1), scores, atol=1e-5)


def test_search_reads_a_float16_corpus_in_slices():
    rng = np.random.default_rng(1)
    corpus32 = rng.standard_normal((40000, 8)).astype(np.float32)
    corpus16 = (corpus32 / np.linalg.norm(corpus32, axis=1, keepdims=True)).astype(np.float16)
    query = corpus16[123].astype(np.float32)
    rows, scores = neighbours.search(query, corpus16, 3)
    assert rows[0] == 123 and scores[0] >= scores[1] >= scores[2]


def test_merge_keeps_the_best_of_both_lists():
    idx, scores = neighbours.merge(
        np.array([[1, 2]]), np.array([[0.9, 0.5]]), np.array([[7, 8]]), np.array([[0.7, 0.1]]), 3
    )
    assert idx.tolist() == [[1, 7, 2]]
    assert np.allclose(scores, [[0.9, 0.7, 0.5]])


@pytest.mark.parametrize("size", [9, 3000])
def test_top_k_with_a_sparse_part_is_exact_for_the_sum(size):
    from scipy import sparse

    rng = np.random.default_rng(size)
    vectors = rng.standard_normal((size, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    extra = sparse.random(size, 50, density=0.05, format="csr", random_state=size, dtype=np.float32)
    idx, scores = neighbours.top_k(
        vectors, vectors, 5, self_offset=0, block_rows=256, extra=(extra, extra)
    )
    sims = vectors @ vectors.T + (extra @ extra.T).toarray()
    np.fill_diagonal(sims, -np.inf)
    assert np.allclose(scores, -np.sort(-sims, axis=1)[:, :5], atol=1e-5)
    assert np.allclose(np.take_along_axis(sims, idx.astype(np.int64), axis=1), scores, atol=1e-5)
    assert not np.allclose(sims, vectors @ vectors.T), "the sparse part must count"
