"""Trending papers: a simple upvotes-with-decay ranking.

This is a stand-in until the trending issue replaces the scoring; the signature of
:func:`trending_papers` stays, so the site, the API and the feeds keep calling it unchanged.

Candidates are the papers featured in the window (ending at the latest featured day, so an
instance fed with older data still shows something), plus papers published in the window that
got community upvotes. The score is :func:`decayed_score`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Max

from paperfeed.papers.models import Featured, Paper, PaperCategory
from paperfeed.papers.selectors import MAX_LIMIT, MAX_OFFSET, latest_featured_day, papers_by_ids

WINDOWS = {"day": 1, "week": 7, "month": 30}
# How fast the score halves with age: older papers need more upvotes to stay on top.
GRAVITY = 1.5


def decayed_score(*, upvotes: int, age_days: float, gravity: float = GRAVITY) -> float:
    """Upvotes divided by a power of age (Hacker News style); pure maths."""
    return upvotes / (max(age_days, 0.0) + 2.0) ** gravity


def trending_papers(
    *,
    window: str = "week",
    category: str | None = None,
    with_code: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Paper], int]:
    """Papers ranked by :func:`decayed_score` over ``window`` ("day", "week" or "month"), and
    the number of candidates. Each paper carries ``total_upvotes`` and ``trending_score``."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, min(int(offset), MAX_OFFSET))
    days = WINDOWS.get(window, WINDOWS["week"])
    anchor = latest_featured_day() or date.today()
    start = anchor - timedelta(days=days - 1)

    featured = Featured.objects.filter(day__gte=start, day__lte=anchor, paper__hidden=False)
    local = Paper.objects.filter(
        hidden=False,
        upvote_count__gt=0,
        published__gte=datetime.combine(start, time.min, tzinfo=UTC),
    )
    if with_code:
        featured = featured.exclude(paper__code_url="")
        local = local.exclude(code_url="")
    if category:
        in_category = PaperCategory.objects.filter(category=category).values("paper_id")
        featured = featured.filter(paper_id__in=in_category)
        local = local.filter(pk__in=in_category)

    candidates: dict[int, tuple[int, date]] = {}
    for paper_id, source_upvotes, last_day, local_upvotes in (
        featured.values("paper_id", "paper__upvote_count")
        .annotate(source_upvotes=Max("upvotes"), last_day=Max("day"))
        .values_list("paper_id", "source_upvotes", "last_day", "paper__upvote_count")
    ):
        candidates[paper_id] = (source_upvotes + local_upvotes, last_day)
    for paper_id, local_upvotes, published in local.values_list("pk", "upvote_count", "published")[
        :5000
    ]:
        if paper_id not in candidates:
            candidates[paper_id] = (local_upvotes, published.date())

    scored = sorted(
        (
            (decayed_score(upvotes=upvotes, age_days=(anchor - day).days), upvotes, paper_id)
            for paper_id, (upvotes, day) in candidates.items()
        ),
        reverse=True,
    )
    page = scored[offset : offset + limit]
    papers = papers_by_ids(ids=[paper_id for _, _, paper_id in page])
    by_id = {paper_id: (score, upvotes) for score, upvotes, paper_id in page}
    for paper in papers:
        paper.trending_score, paper.total_upvotes = by_id[paper.pk]  # type: ignore[attr-defined]
    return papers, len(scored)
