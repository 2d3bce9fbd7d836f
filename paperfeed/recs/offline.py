"""Offline measurement: the seeded held-out split, and popularity, item-kNN, EASE and paperfeed's
recommender fitted and scored side by side. Pure numpy/scipy, no Django (the command passes the
configuration and the data: a CiteULike folder or the site's members).
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from paperfeed.recs import algorithms, evaluation, hybrid

KNN_NEIGHBOURS = 100
EASE_L2 = 200.0  # the reference the issue measured: EASE with λ = 200


@dataclass
class Measured:
    recall: float
    ndcg: float
    fit_seconds: float
    peak_mb: float  # the process's peak resident memory after fitting this model


@dataclass
class Report:
    users: int
    items: int
    scored_users: int
    models: dict[str, Measured] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        """Exactly the object the issue specifies (models in the order they were run)."""
        return {
            "recall@20": {name: round(m.recall, 4) for name, m in self.models.items()},
            "ndcg@20": {name: round(m.ndcg, 4) for name, m in self.models.items()},
            "users": self.users,
            "items": self.items,
        }


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def side_graphs(
    *,
    tags: sparse.csr_matrix | None,
    citations: sparse.csr_matrix | None,
    content_neighbours: int,
    config: hybrid.Config,
) -> list[tuple[sparse.csr_matrix, float]]:
    """CiteULike's side information as paperfeed's content graphs: each item's nearest items by
    its tags (standing in for the site's similar-papers index, with as many neighbours), and
    the citation links."""
    graphs: list[tuple[sparse.csr_matrix, float]] = []
    if tags is not None and tags.nnz and config.content_weight:
        near = algorithms.cosine_neighbours(tags, keep=content_neighbours)
        graphs.append((near, config.content_weight))
    if citations is not None and citations.nnz and config.citation_weight:
        graphs.append((sparse.csr_matrix(citations, dtype=np.float32), config.citation_weight))
    return graphs


def run(
    *,
    libraries: Sequence[np.ndarray],
    n_items: int,
    seed: int,
    config: hybrid.Config,
    side: Callable[[], list[tuple[sparse.csr_matrix, float]]] = list,
    with_ease: bool = False,
    progress: Callable[[str], None] = lambda line: None,
) -> Report:
    """Fit every model on the same split and measure recall@20 and nDCG@20."""
    split = evaluation.split_libraries(list(libraries), n_items=n_items, seed=seed)
    report = Report(users=len(libraries), items=n_items, scored_users=len(split.test_users))

    def measure(name: str, fit: Callable[[], evaluation.Scorer]) -> None:
        clock = time.perf_counter()
        scorer = fit()
        seconds = time.perf_counter() - clock
        peak = _peak_mb()
        scores = evaluation.evaluate(split, scorer)
        report.models[name] = Measured(scores["recall"], scores["ndcg"], seconds, peak)
        progress(
            f"{name}: recall@20 {scores['recall']:.4f}  nDCG@20 {scores['ndcg']:.4f}  "
            f"(fit {seconds:.1f} s, peak {peak:.0f} MB)"
        )

    def popularity() -> evaluation.Scorer:
        counts = algorithms.popularity_fit(split.train)
        return lambda rows: np.broadcast_to(counts, (rows.shape[0], len(counts)))

    def itemknn() -> evaluation.Scorer:
        weights = algorithms.itemknn_fit(split.train, neighbours=KNN_NEIGHBOURS)
        return lambda rows: (rows @ weights).toarray()

    def ease() -> evaluation.Scorer:
        weights = algorithms.ease_fit(split.train, l2=EASE_L2)
        return lambda rows: np.asarray(rows @ weights)

    def paperfeed() -> evaluation.Scorer:
        collaborative = hybrid.collaborative_fit(split.train, config=config)
        graphs = side()
        return lambda rows: hybrid.blend_scores(rows, collaborative=collaborative, side=graphs)

    measure("popularity", popularity)
    measure("itemknn", itemknn)
    if with_ease:
        measure("ease", ease)
    measure("paperfeed", paperfeed)
    return report
