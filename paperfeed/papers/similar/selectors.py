"""Reads: the stored neighbours of a paper, and search by meaning over the on-disk index.

:func:`similar_papers` costs one indexed query for the ``k`` stored rows (plus the two that
attach authors and categories). :func:`semantic_search` maps the query into the engine's space
and scores it against the memory-mapped vectors of the live build; the index is reopened only
when a new build has replaced it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from paperfeed.core import bodykeep, builds
from paperfeed.core.backup import database_label
from paperfeed.papers import querysyntax
from paperfeed.papers.models import Paper, PaperAuthor, PaperCategory, visible_through
from paperfeed.papers.row_selectors import rows_for
from paperfeed.papers.rows import PaperRow
from paperfeed.papers.similar import text
from paperfeed.papers.similar.models import SimilarPaper

if TYPE_CHECKING:
    import numpy as np

    from paperfeed.papers.similar import store

# numpy, scipy and the index's modules (~40 MB resident in all) are imported by the functions
# that read the index, not here: a web worker loads them only once a page searches by meaning
# or finds no stored neighbours, never for every page (docs/performance.md, worker memory).

logger = logging.getLogger(__name__)

MAX_SIMILAR = 50
# Semantic candidates scored per query, before filters: deep enough for ten result pages.
MAX_DEPTH = 1000
# Below this cosine a "match" is noise: a query with no known word scores 0 everywhere.
MIN_SCORE = 0.1
# A query longer than this adds nothing to its meaning and only costs time.
MAX_QUERY_CHARS = 2000

NO_TEXT_MESSAGE = "This paper has too little text (title and abstract) to find similar papers."
NOT_BUILT_MESSAGE = "Similar papers appear here once the index has been built."
NONE_MESSAGE = "No similar papers found."


def similar_papers(*, paper: Paper, limit: int = 10) -> list[PaperRow]:
    """Rows for the visible papers most similar to ``paper``, best first."""

    limit = max(1, min(int(limit), MAX_SIMILAR))
    links = list(
        SimilarPaper.objects.filter(visible_through("neighbour"), paper_id=paper.pk)
        .select_related("neighbour")
        .order_by("rank")[:limit]
    )
    return rows_for([link.neighbour for link in links])


def similar_message(*, paper: Paper, found: bool) -> str:
    """What the similar-papers section says when it has no papers to list (or "")."""
    if found:
        return ""
    if not text.is_usable(text.document(paper.title, paper.abstract)):
        return NO_TEXT_MESSAGE
    # Which message depends on the index's files, not on a row: a member's kept paper page
    # showing it is built again when another build goes live (core/bodykeep.py).
    bodykeep.watch("similar", "", index_name())
    index = live_index()
    if index is None or index.position(paper.pk) is None:
        return NOT_BUILT_MESSAGE
    return NONE_MESSAGE


# --- The live index, per process --------------------------------------------------------------

_lock = threading.Lock()
_loaded: dict[str, object] = {}


def live_index() -> store.Index | None:
    """The current build (memory-mapped), reopened when a newer one has replaced it."""
    base = store_dir()
    name = builds.current_name(base)
    if name is None:
        return None
    from paperfeed.papers.similar import store

    with _lock:
        cached = _loaded.get("index")
        if _loaded.get("name") == base / name:
            return cached if isinstance(cached, store.Index) else None
        index = store.open_index(base, name)
        if index is not None and index.meta.get("database") != database_label():
            index = None
        _loaded["index"] = index
        _loaded["name"] = base / name
        _loaded.pop("encoder", None)
        return index


def store_dir() -> Path:
    return Path(settings.DATA_DIR) / "similar"


def index_name(_: str = "") -> str | None:
    """The live build's name (a small file read), or None before the first build."""
    return builds.current_name(store_dir())


def _query_vector(index: store.Index, query: str) -> np.ndarray | None:
    from paperfeed.papers.similar import embeddings

    if index.engine == "tfidf":
        return index.projection.transform([query])[0]
    with _lock:
        encoder = _loaded.get("encoder")
        if not isinstance(encoder, embeddings.Encoder):
            files = embeddings.locate_model(settings.PAPERFEED_SIMILAR_MODEL_DIR)
            encoder = embeddings.Encoder(
                files, max_tokens=settings.PAPERFEED_SIMILAR_MAX_TOKENS, threads=1
            )
            _loaded["encoder"] = encoder
    return encoder.encode([query])[0]


@dataclass
class SemanticHits:
    ids: list[int]
    scores: list[float]
    # False when there is no index (or no model for it): callers fall back to keywords.
    available: bool = True


def semantic_search(*, query: str, depth: int = 100) -> SemanticHits:
    """Ids of the papers nearest in meaning to ``query``, best first (hidden ones included:
    callers filter). Never raises on a bad query or a missing index."""
    depth = max(1, min(int(depth), MAX_DEPTH))
    index = live_index()
    if index is None or len(index.ids) == 0:
        return SemanticHits([], [], available=False)
    query = text.strip_markup(query[:MAX_QUERY_CHARS])
    if not query:
        return SemanticHits([], [])
    import numpy as np

    from paperfeed.papers.similar import embeddings, neighbours

    try:
        vector = _query_vector(index, query)
    except (embeddings.ModelNotFound, OSError) as exc:
        logger.warning("search by meaning unavailable: %s", exc)
        return SemanticHits([], [], available=False)
    if vector is None or not np.any(vector):
        return SemanticHits([], [])
    rows, scores = neighbours.search(vector, index.vectors, depth)
    keep = scores >= MIN_SCORE
    return SemanticHits(
        ids=[int(pk) for pk in np.asarray(index.ids)[rows[keep]]],
        scores=[float(s) for s in scores[keep]],
    )


def filter_ids(
    ids: Sequence[int],
    *,
    categories: Sequence[str] = (),
    years: tuple[int, int] | None = None,
    author_terms: Sequence[Sequence[str]] = (),
) -> list[int]:
    """The visible papers among ``ids`` that pass the query's filters, in the order given."""
    if not ids:
        return []

    condition = Q(pk__in=list(ids))
    if categories:
        condition &= Q(
            Exists(PaperCategory.objects.filter(paper_id=OuterRef("pk"), category__in=categories))
        )
    if years is not None:
        condition &= Q(
            published__gte=datetime(years[0], 1, 1, tzinfo=UTC),
            published__lt=datetime(years[1] + 1, 1, 1, tzinfo=UTC),
        )
    for words in author_terms:
        for word in words:
            condition &= Q(
                Exists(
                    PaperAuthor.objects.filter(
                        paper_id=OuterRef("pk"), author__name__icontains=word
                    )
                )
            )
    passed = set(Paper.objects.visible().filter(condition).values_list("pk", flat=True))
    return [pk for pk in ids if pk in passed]


def meaning_search(
    *, parsed: querysyntax.ParsedQuery, limit: int, offset: int
) -> tuple[list[int], int] | None:
    """One page of results by meaning (ids, total), or None when search by meaning is
    unavailable (no index yet) or the query has no words to mean anything.

    The query's ``cat:``, ``year:`` and ``author:`` filters apply. The total counts the
    candidates, at most :data:`MAX_DEPTH`.
    """
    words = [*parsed.terms, *(word for phrase in parsed.phrases for word in phrase)]
    if not words:
        return None
    depth = min(MAX_DEPTH, max(200, offset + limit))
    hits = semantic_search(query=" ".join(words), depth=depth)
    if not hits.available:
        return None
    ranked = filter_ids(
        hits.ids,
        categories=parsed.categories,
        years=parsed.years,
        author_terms=parsed.author_terms,
    )
    return ranked[offset : offset + limit], len(ranked)
