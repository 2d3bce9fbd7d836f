"""The default engine: tf-idf over title and abstract, reduced by truncated SVD (latent semantic
analysis), compared by cosine. Pure maths: numpy, scipy and scikit-learn, no Django.

:func:`fit` learns the vocabulary and the projection from the catalogue and returns the unit
vectors of every document. :class:`Projection` then maps any text (a new paper, a query) into the
same space with numpy alone: the web worker never imports scikit-learn, and reads from the
memory-mapped projection matrix only the rows of the query's own words.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from paperfeed.papers.similar._stopwords import ENGLISH_STOP_WORDS

# Words of two or more letters or digits, as scikit-learn's default token pattern, lower-cased.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def analyze(text: str) -> list[str]:
    """The terms of ``text``: lower-cased words, English stop words and pure numbers dropped."""
    return [
        w for w in _TOKEN.findall(text.lower()) if w not in ENGLISH_STOP_WORDS and not w.isdigit()
    ]


@dataclass(frozen=True)
class Params:
    dims: int = 128
    min_df: int = 2
    max_df: float = 0.5
    max_features: int = 60_000
    seed: int = 0


@dataclass
class Projection:
    """Everything needed to place a text in the reduced space.

    ``components`` is (terms x dims): row ``i`` is where term ``i`` points. It may be a
    read-only memory map; only the rows of a text's terms are read.
    """

    vocabulary: Mapping[str, int]
    idf: np.ndarray
    components: np.ndarray

    @property
    def dims(self) -> int:
        return int(self.components.shape[1])

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors (float32) of ``texts``; all zeros for a text with no known term."""
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            counts = Counter(self.vocabulary[t] for t in analyze(text) if t in self.vocabulary)
            if not counts:
                continue
            cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            # Sublinear tf times idf, l2-normalised: the same weights TfidfVectorizer gave the
            # catalogue at fit time.
            tf = np.fromiter(
                (1.0 + math.log(c) for c in counts.values()), dtype=np.float32, count=len(counts)
            )
            weights = tf * self.idf[cols]
            weights /= np.linalg.norm(weights) or 1.0
            order = np.argsort(cols)  # sorted rows read a memory map front to back
            out[row] = weights[order] @ np.asarray(self.components[cols[order]], np.float32)
        return normalize_rows(out)


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32, copy=False)


def fit(texts: Sequence[str], params: Params = Params()) -> tuple[Projection, np.ndarray]:
    """Learn the projection from ``texts`` and return it with their unit vectors (N x dims).

    Works for any number of texts, one included: the vocabulary thresholds and the number of
    dimensions shrink to what the texts allow.
    """
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    count = len(texts)
    if count == 0:
        return Projection({}, np.zeros(0, np.float32), np.zeros((0, 1), np.float32)), np.zeros(
            (0, 1), np.float32
        )
    # On a tiny catalogue a term must be allowed to occur once and in every document, or
    # nothing is left.
    min_df = params.min_df if count >= 20 else 1
    max_df = params.max_df if count >= 20 else 1.0
    vectorizer = TfidfVectorizer(
        analyzer=analyze,
        min_df=min_df,
        max_df=max_df,
        max_features=params.max_features,
        sublinear_tf=True,
        dtype=np.float32,
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no term at all in any text
        return Projection({}, np.zeros(0, np.float32), np.zeros((0, 1), np.float32)), np.zeros(
            (count, 1), np.float32
        )
    vocabulary = {term: int(i) for term, i in vectorizer.vocabulary_.items()}
    idf = vectorizer.idf_.astype(np.float32)
    terms = matrix.shape[1]
    dims = min(params.dims, terms - 1, count - 1)
    if dims < 1:
        # One document or one term: the tf-idf space itself is the reduced space.
        components = np.eye(terms, dtype=np.float32)
    else:
        svd = TruncatedSVD(n_components=dims, n_iter=4, random_state=params.seed)
        svd.fit(matrix)
        components = svd.components_.T.astype(np.float32)
    vectors = normalize_rows(np.asarray(matrix @ components, dtype=np.float32))
    return Projection(vocabulary, idf, components), vectors
