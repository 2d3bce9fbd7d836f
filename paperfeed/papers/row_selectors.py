"""Papers made into :class:`~paperfeed.papers.rows.PaperRow` s, with everything a card needs
loaded in a fixed number of queries (authors, categories, the source's upvote count, the first
featured day, the thumbnail and the glance). Every list selector (papers/selectors.py, search,
similar papers, the library, recommendations) builds its rows here.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from django.db.models import Max, Min, Q

from paperfeed.papers.glance.selectors import NO_GLANCE, glances_for
from paperfeed.papers.models import Featured, Paper, PaperAuthor, PaperCategory, Thumbnail
from paperfeed.papers.rows import PaperRow
from paperfeed.papers.thumbnails import thumbnail_path, thumbnail_url


def _thumbnails(papers: list[Paper]) -> dict[int, Thumbnail]:
    """The rendered thumbnails of ``papers`` whose file is there: from the join when the
    caller's query selected them (``select_related("thumbnail")``), else in one query."""
    found: dict[int, Thumbnail] = {}
    missing = []
    for paper in papers:
        if not Paper.thumbnail.is_cached(paper):
            missing.append(paper.pk)
            continue
        with suppress(Thumbnail.DoesNotExist):
            found[paper.pk] = paper.thumbnail
    if missing:
        found.update({t.paper_id: t for t in Thumbnail.objects.filter(paper_id__in=missing)})
    arxiv_ids = {paper.pk: paper.arxiv_id for paper in papers}
    # A file lost since (a restored backup, a web host without the workers' storage) shows the
    # placeholder, never a broken image: a stat per card, microseconds, no query.
    return {
        pk: t
        for pk, t in found.items()
        if t.state == Thumbnail.State.DONE and thumbnail_path(arxiv_ids[pk]).is_file()
    }


def rows_for(papers: Sequence[Paper], *, featured: bool = True) -> list[PaperRow]:
    """Rows for ``papers``, in their order: authors, categories, thumbnails (no query when the
    caller selected them) and (unless the caller has them already) the source's upvote count
    and the first listed day; three or four queries in all."""
    papers = list(papers)
    if not papers:
        return []
    ids = [paper.pk for paper in papers]
    thumbnails = _thumbnails(papers)
    glances = glances_for(papers)
    names: dict[int, list[str]] = {pk: [] for pk in ids}
    author_ids: dict[int, list[int]] = {pk: [] for pk in ids}
    for paper_id, name, author_id in (
        PaperAuthor.objects.filter(paper_id__in=ids)
        .order_by("paper_id", "position")
        .values_list("paper_id", "name", "author_id")
    ):
        names[paper_id].append(name)
        author_ids[paper_id].append(author_id)
    categories: dict[int, list[str]] = {pk: [] for pk in ids}
    for paper_id, category in (
        PaperCategory.objects.filter(paper_id__in=ids)
        .order_by("paper_id", "position")
        .values_list("paper_id", "category")
    ):
        categories[paper_id].append(category)
    # The source's count is the highest it ever reported, hidden entries included: one number
    # per paper, whichever list shows it.
    facts_of: dict[int, dict[str, Any]] = {}
    if featured:
        facts_of = {
            row["paper_id"]: row
            for row in Featured.objects.filter(paper_id__in=ids)
            .values("paper_id")
            .annotate(source=Max("upvotes"), first_day=Min("day", filter=Q(hidden=False)))
        }
    rows = []
    for paper in papers:
        facts = facts_of.get(paper.pk, {})
        thumbnail = thumbnails.get(paper.pk)
        glance = glances.get(paper.pk, NO_GLANCE)
        rows.append(
            PaperRow(
                paper=paper,
                authors=names[paper.pk],
                author_ids=author_ids[paper.pk],
                categories=categories[paper.pk]
                or ([paper.primary_category] if paper.primary_category else []),
                source_upvotes=facts.get("source") or 0,
                featured_day=facts.get("first_day"),
                thumbnail_url=thumbnail_url(paper.arxiv_id, thumbnail.updated_at)
                if thumbnail
                else None,
                thumbnail_width=thumbnail.width if thumbnail else 0,
                thumbnail_height=thumbnail.height if thumbnail else 0,
                keywords=glance.keywords,
                summary=glance.summary,
                summary_source=glance.summary_source,
            )
        )
    return rows


def papers_by_ids(*, ids: Sequence[int], featured: bool = True) -> list[PaperRow]:
    """Rows for the visible papers among ``ids``, in the order given (see :func:`rows_for`)."""
    papers = Paper.objects.visible().filter(pk__in=list(ids)).select_related("thumbnail", "glance")
    by_id = {paper.pk: paper for paper in papers}
    return rows_for([by_id[pk] for pk in ids if pk in by_id], featured=featured)


# --- Featured lists ---------------------------------------------------------------------------
