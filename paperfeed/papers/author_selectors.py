"""Author pages: one author identity (``Author``, the case- and accent-folded name a curator may
have merged), every visible paper of it newest first, its co-authors and categories."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Count

from paperfeed.papers.merge import author_key
from paperfeed.papers.models import Author, Paper, PaperAuthor, PaperCategory
from paperfeed.papers.row_selectors import rows_for
from paperfeed.papers.rows import PaperRow

# Co-authors and categories are counted over this many of the author's newest papers, so a
# page of an author with thousands of papers costs the same as one with a hundred.
PROFILE_PAPERS = 500
TOP_COAUTHORS = 24
TOP_CATEGORIES = 12
_ID_FIRST = re.compile(r"^(\d{1,18})(?:-[\w-]*)?$", re.ASCII)


@dataclass
class AuthorPage:
    author: Author
    rows: list[PaperRow]
    total: int
    # (author, papers together), most shared first.
    coauthors: list[tuple[Author, int]] = field(default_factory=list)
    # (category, papers), most first.
    categories: list[tuple[str, int]] = field(default_factory=list)


def author_lookup(*, value: str) -> Author | None:
    """The author ``/authors/<value>`` names: ``123``, ``123-any-slug`` or a name's slug
    (``ada-lovelace``, matched by the folded name)."""
    match = _ID_FIRST.match(value)
    if match:
        return Author.objects.filter(pk=int(match.group(1))).first()
    name = value.replace("-", " ").replace("_", " ")[:300]
    return Author.objects.filter(key=author_key(name)).first()


def author_page(*, author: Author, offset: int, limit: int) -> AuthorPage:
    """A page of the author's visible papers, newest first, with co-authors and categories."""
    papers = Paper.objects.visible().filter(authorships__author=author)
    total = papers.count()
    page = list(
        papers.select_related("thumbnail").order_by("-published", "-id")[offset : offset + limit]
    )
    recent = list(
        papers.order_by("-published", "-id").values_list("id", flat=True)[:PROFILE_PAPERS]
    )
    coauthor_counts = (
        PaperAuthor.objects.filter(paper_id__in=recent)
        .exclude(author=author)
        .values("author_id")
        .annotate(n=Count("paper_id", distinct=True))
        .order_by("-n", "author_id")[:TOP_COAUTHORS]
    )
    counts = {row["author_id"]: row["n"] for row in coauthor_counts}
    found = Author.objects.in_bulk(list(counts))
    coauthors = [(found[pk], n) for pk, n in counts.items() if pk in found]
    categories = [
        (row["category"], row["n"])
        for row in PaperCategory.objects.filter(paper_id__in=recent)
        .values("category")
        .annotate(n=Count("id"))
        .order_by("-n", "category")[:TOP_CATEGORIES]
    ]
    return AuthorPage(author, rows_for(page), total, coauthors, categories)
