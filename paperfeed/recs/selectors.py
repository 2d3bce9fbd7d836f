"""Reads of the recommender: one reader's for-you list with its reasons, the live model, the
reader's hidden papers and feed key.

Serving one reader costs: their signalled papers (one query of four indexed parts, newest
first, at most PAPERFEED_RECS_READER_PAPERS), the model's rows for those papers
(memory-mapped arrays, no query), their content neighbours (one indexed query on the
similar-papers table), the hidden papers (one query), which candidates may be listed
(visible and recent: ids alone, the best ranked first, the rest only when too many of those
are left out), and the chosen papers' rows.

Privacy: the reasons name only the reader's own papers; what other members signalled reaches a
reader only through the trained model, which holds papers at least PAPERFEED_RECS_MIN_READERS
members signalled and never who they were (docs/recommendations.md).
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone

from paperfeed.core import builds
from paperfeed.papers.models import STUB, Paper
from paperfeed.papers.row_selectors import papers_by_ids
from paperfeed.papers.rows import PaperRow
from paperfeed.papers.similar.models import SimilarPaper
from paperfeed.recs import inputs
from paperfeed.recs.models import FeedKey, HiddenPaper, TrainingRun

if TYPE_CHECKING:
    from paperfeed.recs import hybrid, store

# numpy, scipy and the model's modules (~40 MB resident) are imported where a list is ranked,
# not here: the URL configuration imports this module, and a web worker that serves no For you
# list to a reader with signals never needs them (docs/performance.md, worker memory).

MAX_LIST = 100


@dataclass(slots=True)
class Recommendation:
    row: PaperRow
    lead: str  # "Because you saved", "Popular with readers who upvoted", …
    because_id: int
    because_title: str
    because_arxiv_id: str
    via: str  # "collaborative" or "content"

    @property
    def reason(self) -> str:
        return f"{self.lead} “{self.because_title}”"


@dataclass(slots=True)
class ForYou:
    items: list[Recommendation] = field(default_factory=list)
    # How many of the reader's own papers the list was built from (0: nothing to go on yet).
    signals: int = 0
    trained: bool = False
    # How many papers the reader has hidden, when the list was built (read anyway to leave
    # them out); None when there was nothing to rank.
    hidden: int | None = None


_lock = threading.Lock()
_loaded: dict[str, object] = {}


def live_model() -> store.Model | None:
    """The current build (memory-mapped), reopened when a newer one has replaced it."""
    base = settings.PAPERFEED_RECS_DIR
    name = builds.current_name(base)
    if name is None:
        return None
    from paperfeed.recs import store

    with _lock:
        if _loaded.get("name") == name:
            cached = _loaded.get("model")
            return cached if isinstance(cached, store.Model) else None
        model = store.open_model(base, name)
        _loaded["name"], _loaded["model"] = name, model
        return model


def reason_lead(*, via: str, kind: str) -> str:
    """Why a paper is listed, up to the reader's own paper it names (never anyone else's)."""
    verb = inputs.VERBS.get(kind, "read")
    if via == "collaborative":
        if kind in ("saved", "upvoted"):
            return f"Popular with readers who {verb}"
        return "Popular with readers of"
    return f"Because you {verb}"


def hidden_ids(*, user_id: int) -> set[int]:
    return set(HiddenPaper.objects.filter(user_id=user_id).values_list("paper_id", flat=True))


def for_you(
    *,
    user: AbstractBaseUser | AnonymousUser,
    limit: int = 30,
    among: Collection[int] | None = None,
) -> ForYou:
    """The reader's recommended papers, best first, each with its reason.

    ``among``: rank only these papers (a digest's featured and trending papers); their own
    neighbour lists count too, so a paper newer than the reader's index rows is still found.
    """
    if not user.is_authenticated:
        return ForYou()
    limit = max(1, min(int(limit), MAX_LIST))
    own = inputs.reader_papers(user_id=user.pk, limit=settings.PAPERFEED_RECS_READER_PAPERS)
    model = live_model()
    result = ForYou(signals=len(own), trained=model is not None)
    if not own:
        return result
    import numpy as np

    from paperfeed.recs import hybrid

    own_ids = [p.paper_id for p in own]
    collaborative = model.edges(own_ids) if model is not None else hybrid.Edges.of(())
    neighbours: dict[int, tuple[list[int], list[float]]] = {}
    # No ORDER BY: the model's default ("paper", "rank") joins every source's catalogue row to
    # sort by the paper's own ordering, the slowest read of a request at 1 M papers; the sums
    # and the strongest edge do not depend on the row order.
    for source, target, score in (
        SimilarPaper.objects.filter(paper_id__in=own_ids)
        .order_by()
        .values_list("paper_id", "neighbour_id", "score")
    ):
        targets, scores = neighbours.setdefault(source, ([], []))
        targets.append(target)
        scores.append(score)
    if among is not None:
        # Similarity is symmetric: a candidate listing one of the reader's papers among its
        # neighbours is as near as the other way round.
        reverse = (
            SimilarPaper.objects.filter(paper_id__in=list(among), neighbour_id__in=own_ids)
            .order_by()
            .values_list("neighbour_id", "paper_id", "score")
        )
        for source, target, score in reverse:
            targets, scores = neighbours.setdefault(source, ([], []))
            if target not in targets:
                targets.append(target)
                scores.append(score)
    content = hybrid.Edges.of(
        (s, np.asarray(t, np.int64), np.asarray(w, np.float64)) for s, (t, w) in neighbours.items()
    )
    hidden = hidden_ids(user_id=user.pk)
    result.hidden = len(hidden)
    exclude = set(own_ids) | hidden
    ranked = hybrid.rank_for_reader(
        collaborative=collaborative,
        content=content,
        content_weight=settings.PAPERFEED_RECS_CONTENT_WEIGHT,
        exclude=exclude,
        limit=limit * 4,
        only=among,
    )
    since = None
    if settings.PAPERFEED_RECS_MAX_AGE_DAYS > 0 and among is None:
        since = timezone.now() - timedelta(days=settings.PAPERFEED_RECS_MAX_AGE_DAYS)
    chosen, rows = _listed(ranked, limit=limit, since=since)
    kinds = {p.paper_id: p.kind for p in own}
    titles = {
        pk: (title, arxiv_id)
        for pk, title, arxiv_id in Paper.objects.filter(pk__in={r.because for r in chosen})
        .order_by()
        .values_list("pk", "title", "arxiv_id")
    }
    for r in chosen:
        if r.target not in rows or r.because not in titles:
            continue
        title, arxiv_id = titles[r.because]
        result.items.append(
            Recommendation(
                row=rows[r.target],
                lead=reason_lead(via=r.via, kind=kinds.get(r.because, "")),
                because_id=r.because,
                because_title=title,
                because_arxiv_id=arxiv_id,
                via=r.via,
            )
        )
    return result


def _listed(
    ranked: list[hybrid.Ranked], *, limit: int, since: datetime | None
) -> tuple[list[hybrid.Ranked], dict[int, PaperRow]]:
    """The first ``limit`` ranked papers that may be listed (visible, not a stub, published
    since ``since``) and their cards' rows.

    The filter reads ids alone, first of the best ``2 * limit`` (at 1 M papers and 100 k
    members the ``limit``-th allowed paper is ranked 53rd of 120 at the median, 67th at p90,
    for a limit of 30: about half the candidates are over a year old), then, only when too few
    of those may be listed, of the rest; the rows are then read for the chosen papers alone,
    through ``papers_by_ids`` (on PostgreSQL one prepared statement with the cards' facts).
    It was one ORM query building every candidate's full model instance with its thumbnail and
    glance, planned anew each time, then the facts of the chosen: at 1 M papers on PostgreSQL
    the page's costliest read (docs/performance.md, S91).
    """
    chosen: list[hybrid.Ranked] = []
    first = 2 * limit
    for part in (ranked[:first], ranked[first:]):
        if not part:
            break
        query = Paper.objects.visible().filter(pk__in=[r.target for r in part]).exclude(STUB)
        if since is not None:
            query = query.filter(published__gte=since)
        allowed = set(query.order_by().values_list("pk", flat=True))
        chosen += [r for r in part if r.target in allowed][: limit - len(chosen)]
        if len(chosen) >= limit:
            break
    rows = papers_by_ids(ids=[r.target for r in chosen])
    return chosen, {row.paper.pk: row for row in rows}


def feed_key(*, user_id: int) -> FeedKey | None:
    return FeedKey.objects.filter(user_id=user_id, enabled=True).first()


def last_training() -> TrainingRun | None:
    return TrainingRun.objects.first()
