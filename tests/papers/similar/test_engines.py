"""The pure engines: text, tf-idf + SVD, exact top-k, fusion. No database."""

from __future__ import annotations

import numpy as np
import pytest

from paperfeed.papers.similar import fusion, neighbours, text, tfidf

TOPICS = {
    "vision": "image segmentation convolutional network pixels object detection camera",
    "language": "language model tokens translation text corpus transformer sentences",
    "robots": "robot manipulation grasping control reinforcement policy arm",
}


def corpus(per_topic: int = 10) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(0)
    docs, labels = [], []
    for label, words in TOPICS.items():
        vocab = words.split()
        for _ in range(per_topic):
            docs.append(" ".join(rng.choice(vocab, size=12)))
            labels.append(label)
    return docs, labels


def test_formula_only_abstract_keeps_the_title_and_is_usable_through_it():
    doc = text.document("Bounds for sparse recovery", "$\\sum_{i=1}^n x_i^2 \\le \\epsilon$")
    assert "sum" not in doc and "Bounds for sparse recovery" in doc
    assert text.is_usable(doc)


def test_text_of_only_formulas_is_not_usable():
    assert not text.is_usable(text.document("$O(n)$", "$$a^2+b^2=c^2$$"))
    assert not text.is_usable(text.document("", ""))


def test_non_english_text_is_usable_and_placed():
    doc = text.document("Нейронные сети для перевода", "深度学习 模型 用于 机器 翻译")
    assert text.is_usable(doc)
    projection, vectors = tfidf.fit([doc, doc + " сети", "other words here entirely"])
    assert np.isfinite(vectors).all()
    assert projection.transform(["Нейронные сети"]).any()


def test_tfidf_neighbours_share_the_topic():
    docs, labels = corpus()
    _projection, vectors = tfidf.fit(docs, tfidf.Params(dims=8))
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    idx, scores = neighbours.top_k(vectors, vectors, 5, self_offset=0)
    same = np.mean([labels[j] == labels[i] for i in range(len(docs)) for j in idx[i]])
    assert same > 0.9
    assert (np.diff(scores, axis=1) <= 1e-6).all(), "best first"
    assert all(i not in idx[i] for i in range(len(docs))), "never its own neighbour"


def test_projection_places_a_query_as_fit_placed_the_documents():
    docs, _ = corpus()
    projection, vectors = tfidf.fit(docs, tfidf.Params(dims=8))
    again = projection.transform(docs)
    assert np.allclose(again, vectors, atol=1e-4)
    assert not projection.transform(["zzzz qqqq"]).any(), "unknown words place nowhere"


@pytest.mark.parametrize("docs", [[], ["one lonely paper about graphs"], ["$x$", "$y$"]])
def test_fit_accepts_tiny_and_empty_catalogues(docs):
    _projection, vectors = tfidf.fit(docs)
    assert len(vectors) == len(docs)
    idx, _scores = neighbours.top_k(vectors, vectors, 10, self_offset=0)
    assert idx.shape == (len(docs), max(0, min(10, len(docs) - 1)))


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


def test_reciprocal_rank_fusion_rewards_agreement():
    fused = fusion.reciprocal_rank_fusion([[1, 2, 3], [3, 1, 4]])
    assert fused[0] == 1 and fused[1] == 3
    assert set(fused) == {1, 2, 3, 4}
    assert fusion.reciprocal_rank_fusion([[], []]) == []
