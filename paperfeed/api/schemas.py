"""Response and request shapes of the JSON API.

Field names follow the Hugging Face Papers API exactly (camelCase, ``_id``), so the
``huggingface_hub`` client reads our answers unchanged. Fields HF does not have are prefixed
``paperfeed_`` so they can never clash with a field HF adds later.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Schema(BaseModel):
    """Plain pydantic models: ninja.Schema's per-object Django resolver would validate each of
    the thousands of nested objects in a page several times more slowly, for nothing (the
    handlers already return plain dictionaries)."""

    model_config = ConfigDict(populate_by_name=True)


class ErrorOut(Schema):
    error: str


class AuthorOut(Schema):
    id_: str = Field(..., alias="_id")
    name: str
    hidden: bool = False


class SubmitterOut(Schema):
    """HF's ``submittedBy``: the account that put the paper on a daily list."""

    id_: str = Field(..., alias="_id")
    name: str
    fullname: str
    avatarUrl: str = ""
    type: str = "user"
    isPro: bool = False


class DailySubmitterOut(Schema):
    """HF's ``submittedOnDailyBy``: the same account, but HF names the username ``user`` here."""

    id_: str = Field(..., alias="_id")
    user: str
    fullname: str
    avatarUrl: str = ""
    type: str = "user"
    isPro: bool = False


class PaperOut(Schema):
    id: str
    title: str
    summary: str
    authors: list[AuthorOut]
    # The arXiv v1 date.
    publishedAt: str
    upvotes: int
    discussionId: str
    numComments: int = 0
    # When and by whom it was first put on a daily list; absent for papers never featured.
    submittedOnDailyAt: str | None = None
    submittedOnDailyBy: DailySubmitterOut | None = None
    githubRepo: str | None = None
    githubStars: int | None = None
    projectPage: str | None = None
    paperfeed_url: str
    paperfeed_arxiv_url: str
    paperfeed_pdf_url: str
    paperfeed_categories: list[str]
    paperfeed_version: int
    paperfeed_updated_at: str
    paperfeed_community_upvotes: int
    # Key phrases extracted offline from the title and abstract (papers/glance), best first.
    paperfeed_keywords: list[str] = []
    # One line: the abstract's sentence stating the contribution ("abstract"), or a language
    # model's sentence ("ai", when the site has one configured); absent when there is none.
    paperfeed_summary: str | None = None
    paperfeed_summary_source: Literal["abstract", "ai"] | None = None
    paperfeed_featured_days: list[str] | None = None


class DailyPaperOut(Schema):
    paper: PaperOut
    title: str
    summary: str
    # HF semantics: when the paper was submitted to the daily list (huggingface_hub reads this
    # as ``submitted_at``), not the arXiv date, which is ``paper.publishedAt``.
    publishedAt: str
    numComments: int
    submittedBy: SubmitterOut | None = None
    thumbnail: str | None = None
    mediaUrls: list[str] | None = None
    # Copies of paper.githubRepo/githubStars/projectPage: huggingface_hub's PaperInfo reads
    # these at the top level only, so without them its github_repo would always be None.
    githubRepo: str | None = None
    githubStars: int | None = None
    projectPage: str | None = None


class SearchHitOut(DailyPaperOut):
    """A search result: the daily-paper shape, ``publishedAt`` absent for never-featured papers."""

    publishedAt: str | None = None  # type: ignore[assignment]


class PaperPageOut(Schema):
    papers: list[PaperOut]
    # Pass back as ``cursor`` for the next page; absent on the last page.
    next_cursor: str | None = None


class CommentAuthorOut(Schema):
    user: str
    fullname: str


class CommentOut(Schema):
    id: str
    author: CommentAuthorOut | None = None
    body: str
    bodyHtml: str
    createdAt: str
    parentId: str | None = None
    deleted: bool = False


class UpvoteOut(Schema):
    upvoted: bool
    upvotes: int


class SubmitIn(Schema):
    paperId: str = Field(..., max_length=300, description="An arXiv id or abs/pdf URL")


class SubmitOut(Schema):
    paper: PaperOut
    featured_on: str


class CommentIn(Schema):
    # HF's name for the Markdown text of a comment.
    comment: str = Field(..., min_length=1, max_length=20_000)


class TrendingItemOut(Schema):
    paper: PaperOut
    paperfeed_score: float
    paperfeed_components: dict[str, float]


class CollectionOut(Schema):
    owner: str
    slug: str
    name: str
    description: str
    public: bool
    size: int | None = None
    updatedAt: str
    url: str
    # Atom; the RSS feed is the same address ending in .rss. Absent for a private collection.
    feedUrl: str | None = None


class CollectionItemOut(Schema):
    paper: PaperOut
    note: str = ""


class CollectionPageOut(CollectionOut):
    papers: list[CollectionItemOut]


class LibraryEntryOut(Schema):
    paper: PaperOut
    note: str = ""
    tags: list[str]
    savedAt: str | None = None


class SavedOut(Schema):
    saved: bool


class ForYouBecauseOut(Schema):
    # One of the token's member's own papers: a reason never names anyone else's.
    id: str
    title: str


class ForYouItemOut(Schema):
    paper: PaperOut
    # "Because you saved “…”" or "Popular with readers who saved “…”", as on the page.
    reason: str
    via: Literal["collaborative", "content"]
    because: ForYouBecauseOut


class ForYouOut(Schema):
    items: list[ForYouItemOut]
    # How many of the member's own papers the list was built from (0: nothing to go on yet).
    signals: int
    # Whether a collaborative model was trained yet (without one, content neighbours only).
    trained: bool
