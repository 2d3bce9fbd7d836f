"""The offline evaluation's maths on a hand-made CiteULike folder, and the models' algebra."""

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from paperfeed.recs import algorithms, citeulike, evaluation, hybrid

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "citeulike_tiny"


def tiny_split(seed: int = 0) -> evaluation.Split:
    data = citeulike.citeulike_read(TINY)
    return evaluation.split_libraries(data.libraries, n_items=data.n_items, seed=seed)


def test_reader_reads_libraries_citations_and_tags():
    data = citeulike.citeulike_read(TINY)

    assert data.n_items == 7
    assert data.pairs == 21
    assert [list(items) for items in data.libraries][3] == [0, 1]
    # Citations are symmetric 0/1 links.
    assert data.citations is not None
    assert (data.citations != data.citations.T).nnz == 0
    assert sorted(zip(*data.citations.nonzero(), strict=True)) == [(0, 1), (1, 0), (3, 4), (4, 3)]
    assert data.tags is not None and data.tags.shape == (7, 3)
    assert data.tag_names == ["graphs", "vision", "language"]


def test_reader_without_side_files_and_with_bad_lines(tmp_path):
    (tmp_path / "users.dat").write_text("2 0 3\n1 1\n")
    data = citeulike.citeulike_read(tmp_path)
    assert data.n_items == 4 and data.citations is None and data.tags is None

    (tmp_path / "users.dat").write_text("3 0 1\n")
    with pytest.raises(citeulike.FormatError, match=r"users.dat line 1: says 3 ids but lists 2"):
        citeulike.citeulike_read(tmp_path)
    (tmp_path / "users.dat").write_text("2 0 x\n")
    with pytest.raises(citeulike.FormatError, match="not a list of integers"):
        citeulike.citeulike_read(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"users\.dat"):
        citeulike.citeulike_read(tmp_path / "nowhere")


def test_holdout_is_a_fifth_rounded_half_up_and_at_least_one():
    assert [evaluation.holdout_count(n) for n in (5, 6, 7, 8, 10, 12, 13)] == [1, 1, 1, 2, 2, 2, 3]


def test_split_is_seeded_and_stable():
    first, again, other = tiny_split(0), tiny_split(0), tiny_split(1)

    # Pinned: the same seed gives these held-out items on any machine (PCG64 doubles).
    assert [list(items) for items in first.test_items] == [[3], [3], [1]]
    assert [list(items) for items in other.test_items] == [[2], [5], [5]]
    assert [list(items) for items in again.test_items] == [[3], [3], [1]]
    assert (first.train != again.train).nnz == 0
    # Only libraries of 5 or more are scored; smaller ones train whole.
    assert list(first.test_users) == [0, 1, 2]
    assert list(first.train[3].indices) == [0, 1]
    # Nothing held out is in the training row, and nothing is lost.
    for user, held in zip(first.test_users, first.test_items, strict=True):
        row = set(first.train[user].indices)
        assert not row & set(held)
        assert len(row) + len(held) == len(citeulike.citeulike_read(TINY).libraries[user])


def test_recall_and_ndcg_of_one_list():
    recall, ndcg = evaluation.recall_ndcg(np.array([7, 3, 9, 4]), np.array([3, 4, 5]), k=4)
    assert recall == pytest.approx(2 / 3)
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg == pytest.approx(dcg / ideal)


def test_popularity_on_the_tiny_folder_exactly():
    """Training counts: item 0: 4, 1: 3, 2: 4, 3: 1, 4: 2, 5: 2, 6: 2. User 0 (saw 0 1 2 4)
    gets 5 6 3 and held out 3: a hit at rank 3. User 1 (saw 0 1 2 5) gets 4 6 3, held out 3,
    rank 3. User 2 (saw 0 2 4 5 6) gets 1 3, held out 1, rank 1."""
    split = tiny_split(0)
    counts = algorithms.popularity_fit(split.train)

    def popularity(rows: sparse.csr_matrix) -> np.ndarray:
        return np.tile(counts, (rows.shape[0], 1))

    at_20 = evaluation.evaluate(split, popularity, k=20)
    assert at_20["recall"] == pytest.approx(1.0)
    assert at_20["ndcg"] == pytest.approx((0.5 + 0.5 + 1.0) / 3)
    at_2 = evaluation.evaluate(split, popularity, k=2)
    assert at_2["recall"] == pytest.approx(1 / 3)
    assert at_2["ndcg"] == pytest.approx(1 / 3)


def test_top_k_never_recommends_a_seen_item_and_breaks_ties_by_id():
    scores = np.array([[5.0, 1.0, 1.0, 9.0, 1.0]])
    seen = sparse.csr_matrix(np.array([[0, 0, 0, 1, 0]]))
    assert evaluation.top_k(scores, seen, k=3).tolist() == [[0, 1, 2]]


def test_ease_in_user_space_equals_ease_in_item_space():
    """The Woodbury route (fewer users than items) gives the same weights as the inversion."""
    rng = np.random.default_rng(3)
    train = sparse.csr_matrix((rng.random((12, 30)) < 0.25).astype(np.float32))
    direct = algorithms.ease_fit(train, l2=5.0)
    dual = algorithms.ease_neighbours(train, l2=5.0, keep=30).toarray()
    positive = np.where(direct > 0, direct, 0)
    np.testing.assert_allclose(dual, positive, rtol=1e-3, atol=1e-5)
    # And the item-space route of ease_neighbours (more users than items) agrees too.
    tall = sparse.vstack([train.T.tocsr()] * 2).tocsr()
    np.testing.assert_allclose(
        algorithms.ease_neighbours(tall, l2=5.0, keep=12).toarray(),
        np.clip(algorithms.ease_fit(tall, l2=5.0), 0, None),
        rtol=1e-3,
        atol=1e-5,
    )


def test_ease_in_place_equals_the_textbook_formula():
    """Training builds XᵀX by bands and inverts it in place (one items x items array alive):
    the weights are still B = I - P·diag(1/diag P), P = (XᵀX + λI)⁻¹, zero diagonal."""
    rng = np.random.default_rng(5)
    x = (rng.random((400, 150)) < 0.1).astype(np.float64)
    p = np.linalg.inv(x.T @ x + 7.0 * np.eye(150))
    expected = -p / np.diag(p)[None, :]
    np.fill_diagonal(expected, 0.0)
    gram = algorithms.gram_dense(sparse.csr_matrix(x), block=64)
    np.testing.assert_array_equal(gram, (x.T @ x).astype(np.float32))
    gram[np.diag_indices_from(gram)] += 7.0
    inverse = algorithms._inverse_spd(gram, block=64)
    assert np.shares_memory(inverse, gram)  # no second items x items array
    np.testing.assert_allclose(inverse, inverse.T)
    np.testing.assert_allclose(inverse, p, rtol=2e-3, atol=1e-5)
    weights = algorithms.ease_fit(sparse.csr_matrix(x), l2=7.0)
    np.testing.assert_allclose(weights, expected, rtol=2e-3, atol=1e-5)


def test_collaborative_model_leaves_out_papers_too_few_readers_signalled():
    train = sparse.csr_matrix(
        np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 0, 1], [0, 1, 1, 0]], dtype=np.float32)
    )
    graph = hybrid.collaborative_fit(train, config=hybrid.Config(l2=1.0, min_readers=3))
    # Items 2 (two readers) and 3 (one) are neither recommended nor recommend anything.
    assert graph[:, [2, 3]].nnz == 0 and graph[[2, 3]].nnz == 0
    assert graph[0, 1] > 0


def test_serving_ranks_as_the_batch_blend_and_names_the_strongest_paper():
    collaborative = sparse.csr_matrix(
        np.array([[0, 0, 2.0, 1.0, 0], [0, 0, 0, 1.0, 0], [0] * 5, [0] * 5, [0] * 5])
    )
    content = sparse.csr_matrix(np.array([[0] * 5, [0, 0, 0, 0, 0.9], [0] * 5, [0] * 5, [0] * 5]))
    reader = sparse.csr_matrix(np.array([[1, 1, 0, 0, 0]], dtype=np.float32))
    batch = hybrid.blend_scores(reader, collaborative=collaborative, side=[(content, 0.5)])[0]

    def edges(matrix: sparse.csr_matrix) -> hybrid.Edges:
        return hybrid.Edges.of(
            (s, matrix[s].indices, matrix[s].data) for s in (0, 1) if matrix[s].nnz
        )

    ranked = hybrid.rank_for_reader(
        collaborative=edges(collaborative),
        content=edges(content),
        content_weight=0.5,
        exclude={0, 1},
        limit=10,
    )
    assert [r.target for r in ranked] == [2, 3, 4]  # 3 ties with 2 at 1.0: lower id first
    assert [r.score for r in ranked] == pytest.approx([batch[2], batch[3], batch[4]])
    assert (ranked[0].because, ranked[0].via) == (0, "collaborative")
    assert (ranked[2].because, ranked[2].via) == (1, "content")
    hidden = hybrid.rank_for_reader(
        collaborative=edges(collaborative),
        content=edges(content),
        content_weight=0.5,
        exclude={0, 1, 2},
        limit=1,
    )
    assert [r.target for r in hidden] == [3]


@pytest.mark.parametrize("block", [1, 3, 1024])
def test_itemknn_keeps_each_columns_largest_entries_whatever_the_block(block):
    rng = np.random.default_rng(7)
    dense = rng.random((40, 11)).astype(np.float32)
    dense[dense < 0.4] = 0.0
    dense[:, 2] = 0.0  # a column with nothing to keep
    kept = algorithms._top_per_column(dense, 5, block=block).toarray()
    for column in range(dense.shape[1]):
        expected = np.zeros(dense.shape[0], dtype=np.float32)
        largest = np.argsort(-dense[:, column], kind="stable")[:5]
        expected[largest] = dense[largest, column]
        assert np.array_equal(kept[:, column], expected), column
