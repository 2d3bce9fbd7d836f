"""Typed rows that the list selectors return, instead of attributes painted onto ``Paper``.

Every surface (pages, the JSON API, the feeds, the digest) reads the same row, so a fact has one
value everywhere: above all :attr:`PaperRow.upvotes`, the one upvote count a reader sees (the
source's count plus the votes cast here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from paperfeed.papers.models import Paper

# (moment, value): one point of an upvote or star history.
Point = tuple[datetime, int]


@dataclass(slots=True)
class TrendingInfo:
    """Why a paper is on the trending list: its score, the parts of it, and when it was scored."""

    score: float
    # ranking.Breakdown.as_dict(): the named parts of the score (see docs/trending.md).
    components: dict[str, float]
    as_of: datetime


@dataclass(slots=True)
class CardPaper:
    """A paper's columns that a card shows (``row_statement.CARD_FIELDS[Paper]``) as plain
    values, under a Paper's attribute names: the search page's rows
    (:mod:`paperfeed.papers.card_rows`), made from one statement's tuples without building
    model instances. Only the card writers read them."""

    id: int
    arxiv_id: str
    title: str
    abstract: str
    primary_category: str
    published: datetime
    published_is_estimate: bool
    listed_on: date | None
    code_url: str
    code_stars: int | None
    project_page: str
    upvote_count: int
    comment_count: int

    @property
    def pk(self) -> int:
        return self.id

    @property
    def is_stub(self) -> bool:
        """As :attr:`Paper.is_stub`."""
        return self.published_is_estimate and self.listed_on is None


@dataclass(slots=True)
class PaperRow:
    """One paper as a list shows it, with everything the card needs already loaded."""

    paper: Paper
    # Names as written on this paper, in byline order.
    authors: list[str] = field(default_factory=list)
    # The Author of each name, in the same order (for links to author pages); empty when the
    # row was built without them.
    author_ids: list[int] = field(default_factory=list)
    # Primary category first.
    categories: list[str] = field(default_factory=list)
    # The highest upvote count the source (Hugging Face) reported, over the list's period or,
    # outside a featured list, ever.
    source_upvotes: int = 0
    # The first day the paper was featured (in the list's period, or ever); None if never.
    featured_day: date | None = None
    pinned: bool = False
    # Featured lists: who put the paper on the list (its first day in the period): the member's
    # username or the source's submitter name, and a display name.
    submitter: str = ""
    submitter_fullname: str = ""
    # paper_detail only: every day the paper was listed, newest first.
    featured_days: list[date] = field(default_factory=list)
    # Search results only: escaped text with <mark> around the matched words.
    title_html: str = ""
    snippet_html: str = ""
    trending: TrendingInfo | None = None
    # Histories for the trending sparklines, when a page asks for them.
    star_points: list[Point] = field(default_factory=list)
    upvote_points: list[Point] = field(default_factory=list)
    # The first page's image (papers/thumbnails.py) and its size in pixels; None while there
    # is none (the card shows a typographic placeholder instead).
    thumbnail_url: str | None = None
    thumbnail_width: int = 0
    thumbnail_height: int = 0
    # Papers at a glance (papers/glance): key phrases, and the one-line summary with where it
    # comes from ("abstract": the abstract's own sentence; "ai": a language model's; "": none).
    keywords: list[str] = field(default_factory=list)
    summary: str = ""
    summary_source: str = ""
    # The names of its authors whose claim a curator approved (community's), read with the
    # rows (papers_by_ids, rows_for); None when the rows were built without them.
    verified_authors: set[str] | None = None

    @property
    def authors_linked(self) -> list[tuple[str, int | None]]:
        """(name, author id or None) for each name in byline order."""
        if len(self.author_ids) != len(self.authors):
            return [(name, None) for name in self.authors]
        return list(zip(self.authors, self.author_ids, strict=True))

    @property
    def local_upvotes(self) -> int:
        """Votes cast on this site."""
        return self.paper.upvote_count

    @property
    def upvotes(self) -> int:
        """The one upvote count shown everywhere: the source's count plus the local votes."""
        return self.source_upvotes + self.paper.upvote_count
