"""The tf-idf + SVD engine (papers/similar/tfidf.py). No database."""

from __future__ import annotations

import numpy as np
import pytest

from paperfeed.papers.similar import neighbours, tfidf

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
