"""Reads only the JSON API needs; everything shared comes from paperfeed.papers.selectors
(the featured list, search, the paper rows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q

from paperfeed.community.models import Comment
from paperfeed.papers.models import Paper
from paperfeed.papers.row_selectors import rows_for
from paperfeed.papers.rows import PaperRow


def catalogue_page(
    *, after: tuple[datetime, int] | None, limit: int
) -> tuple[list[PaperRow], bool]:
    """Visible papers newest first (v1 date, then id), after the keyset ``after``.

    Keyset paging, unlike the shared offset lists, walks the whole catalogue at the same cost
    per page however deep it goes, and never skips or repeats a paper while imports run.
    """
    papers = Paper.objects.visible()
    if after is not None:
        published, paper_id = after
        papers = papers.filter(Q(published__lt=published) | Q(published=published, id__lt=paper_id))
    page = list(papers.order_by("-published", "-id")[: limit + 1])
    has_next = len(page) > limit
    return rows_for(page[:limit]), has_next


def paper_comments(*, paper: Paper, limit: int, offset: int) -> list[Any]:
    """The paper's comments, oldest first, with their authors; hidden ones are left out and
    deleted ones keep their place (without text) so replies still have a parent."""

    return list(
        Comment.objects.filter(paper=paper, hidden=False)
        .select_related("author")
        .order_by("created_at", "id")[offset : offset + limit]
    )
