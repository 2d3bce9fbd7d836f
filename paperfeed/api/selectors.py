"""Reads only the JSON API needs; everything shared comes from paperfeed.papers.selectors.

The HF daily-papers shape needs, per entry, who submitted it and on which day, and a
"publishedAt" (submission order) sort and a submitter filter, none of which the site's ranked
lists have. So these entries are read here, and the papers themselves are decorated by the
shared :func:`paperfeed.papers.selectors.papers_by_ids` (authors, categories in two queries).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from django.db.models import F, Max, Min, Q

from paperfeed.papers.models import Featured, Paper
from paperfeed.papers.selectors import decorate, papers_by_ids

DailySort = Literal["publishedAt", "trending"]


@dataclass(slots=True)
class DailyEntry:
    """One paper on a featured list, as the HF daily-papers API describes it."""

    paper: Paper
    day: date
    source_upvotes: int
    submitter_name: str
    submitter_fullname: str


def daily_entries(
    *,
    first: date | None,
    last: date | None,
    submitter: str | None,
    sort: DailySort,
    limit: int,
    offset: int,
) -> tuple[list[DailyEntry], bool]:
    """Featured entries in the period (all days when None), one page, and whether more follow.

    ``publishedAt`` lists the newest featured day first (most upvoted first within a day);
    ``trending`` lists the most upvoted first (source plus community upvotes).
    """
    entries = Featured.objects.filter(hidden=False, paper__hidden=False)
    if first is not None:
        entries = entries.filter(day__gte=first)
    if last is not None:
        entries = entries.filter(day__lte=last)
    if submitter:
        entries = entries.filter(
            Q(submitter_name__iexact=submitter) | Q(featured_by__username__iexact=submitter)
        )
    if sort == "trending":
        entries = entries.annotate(total=F("upvotes") + F("paper__upvote_count")).order_by(
            "-total", "-day", "-paper_id"
        )
    else:
        entries = entries.order_by("-day", "-pinned", "-upvotes", "-paper_id")
    # One row more than asked tells whether a next page exists, without a COUNT(*).
    rows = list(
        entries.values(
            "paper_id",
            "day",
            "upvotes",
            "submitter_name",
            "featured_by__username",
            "featured_by__first_name",
            "featured_by__last_name",
        )[offset : offset + limit + 1]
    )
    has_next = len(rows) > limit
    rows = rows[:limit]
    papers = {paper.pk: paper for paper in papers_by_ids(ids=[row["paper_id"] for row in rows])}
    result = []
    for row in rows:
        paper = papers.get(row["paper_id"])
        if paper is None:
            continue
        username = row["featured_by__username"] or row["submitter_name"] or ""
        fullname = " ".join(
            part for part in (row["featured_by__first_name"], row["featured_by__last_name"]) if part
        )
        result.append(
            DailyEntry(
                paper=paper,
                day=row["day"],
                source_upvotes=row["upvotes"],
                submitter_name=username,
                submitter_fullname=fullname or username,
            )
        )
    return result, has_next


def attach_featured(papers: list[Paper]) -> list[Paper]:
    """Set ``featured_day`` (first day featured, or None) and ``source_upvotes`` (highest at the
    source) on each paper, in one query; the shared search and catalogue lists lack them."""
    ids = [paper.pk for paper in papers]
    rows = {
        row["paper_id"]: row
        for row in Featured.objects.filter(paper_id__in=ids, hidden=False)
        .values("paper_id")
        .annotate(first_day=Min("day"), source_upvotes=Max("upvotes"))
    }
    for paper in papers:
        row = rows.get(paper.pk)
        paper.featured_day = row["first_day"] if row else None  # type: ignore[attr-defined]
        paper.source_upvotes = row["source_upvotes"] if row else 0  # type: ignore[attr-defined]
    return papers


def catalogue_page(*, after: tuple[datetime, int] | None, limit: int) -> tuple[list[Paper], bool]:
    """Visible papers newest first (v1 date, then id), after the keyset ``after``.

    Keyset paging, unlike the shared offset lists, walks the whole catalogue at the same cost
    per page however deep it goes, and never skips or repeats a paper while imports run.
    """
    papers = Paper.objects.filter(hidden=False)
    if after is not None:
        published, paper_id = after
        papers = papers.filter(Q(published__lt=published) | Q(published=published, id__lt=paper_id))
    page = list(papers.order_by("-published", "-id")[: limit + 1])
    has_next = len(page) > limit
    page = page[:limit]
    return attach_featured(decorate(page)), has_next


def paper_comments(*, paper: Paper, limit: int, offset: int) -> list[Any]:
    """The paper's comments, oldest first, with their authors; hidden ones are left out and
    deleted ones keep their place (without text) so replies still have a parent."""
    from paperfeed.community.models import Comment

    return list(
        Comment.objects.filter(paper=paper, hidden=False)
        .select_related("author")
        .order_by("created_at", "id")[offset : offset + limit]
    )
