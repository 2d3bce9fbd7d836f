"""paperfeed's MCP tools: read-only paper search and lists for language-model agents.

Each tool calls the selector the site and the JSON API call for the same question (search,
the paper page, the featured list, trending, similar papers), so an agent sees the same
papers, order and upvote counts as a reader. Nothing here writes. Bad input raises
:class:`ToolError`, which the SDK answers as an MCP tool error (``isError``), never a 500.
The server is served over streamable HTTP at ``/mcp`` by ``api/mcp_http.py``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, Literal, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from paperfeed.api.markdown import paper_markdown
from paperfeed.api.shapes import iso_z
from paperfeed.papers import search_selectors
from paperfeed.papers import selectors as paper_selectors
from paperfeed.papers.categories import InvalidCategory, parse_category
from paperfeed.papers.ids import InvalidArxivId, normalize_arxiv_id
from paperfeed.papers.periods import BadPeriod, parse_one_of
from paperfeed.papers.rows import PaperRow
from paperfeed.papers.similar.selectors import similar_papers as similar_selector
from paperfeed.trending.selectors import trending_papers

INSTRUCTIONS = (
    "paperfeed lists trending research papers (mostly arXiv cs.AI, cs.CL, cs.CV, cs.LG). "
    "search_papers finds papers by words, phrases in quotes, author:NAME, cat:cs.CL or year:2025; "
    "get_paper returns one paper as Markdown (abstract, links, keywords, summary); daily_papers "
    "lists the papers featured on a day, ISO week or month; trending ranks papers by recent "
    "upvotes and GitHub stars; similar_papers finds papers close in content to one paper. "
    "Paper ids are arXiv ids such as 2501.01234."
)
MAX_LIMIT = 50
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"How many papers, 1 to {MAX_LIMIT}")]
PaperId = Annotated[
    str, Field(min_length=1, max_length=80, description="An arXiv id, e.g. 2501.01234")
]
F = TypeVar("F", bound=Callable[..., Any])


class _ClosedWithItsThread:
    """Kept in a thread-local by :func:`_database`: freed the moment its thread ends, it closes
    the database connection that thread opened. Django's own is reachable only from its thread
    and, its wrapper being full of reference cycles, is freed with it only when the garbage
    collector next looks: until then the session stayed open (S89: four on a test database after
    one MCP test made dropping it fail)."""

    def __init__(self, wrapper: Any) -> None:
        self.wrapper = wrapper

    def __del__(self) -> None:
        raw = self.wrapper.connection
        if raw is not None:
            with contextlib.suppress(Exception):  # another thread's now: Django's close refuses
                raw.close()


_thread_end = threading.local()


def _database(fn: F) -> F:
    """Tools run in the SDK's worker threads (anyio's, which end after 10 s idle): give each call
    a usable database connection, kept for the thread's next call as Django keeps a request's
    (a new PostgreSQL connection per call cost ~10 ms, S89), and closed when the thread ends."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        close_old_connections()
        if getattr(_thread_end, "closer", None) is None:
            _thread_end.closer = _ClosedWithItsThread(connections[DEFAULT_DB_ALIAS])
        try:
            return fn(*args, **kwargs)
        finally:
            close_old_connections()

    return wrapper  # type: ignore[return-value]


def _site() -> str:
    return str(settings.SITE_URL).rstrip("/")


def paper_brief(row: PaperRow) -> dict[str, Any]:
    """One paper in a list: what an agent needs to pick it, without the abstract."""
    paper = row.paper
    brief: dict[str, Any] = {
        "id": paper.arxiv_id,
        "title": paper.title,
        "authors": row.authors[:10] + (["et al."] if len(row.authors) > 10 else []),
        "published": iso_z(paper.published),
        "categories": row.categories,
        "upvotes": row.upvotes,
        "comments": paper.comment_count,
        "url": f"{_site()}/papers/{paper.arxiv_id}",
        "markdown_url": f"{_site()}/papers/{paper.arxiv_id}.md",
        "keywords": row.keywords,
    }
    if row.summary:
        brief["summary"] = row.summary
        brief["summary_source"] = row.summary_source
    if paper.code_url:
        brief["code"] = paper.code_url
    if row.featured_day:
        brief["featured_on"] = row.featured_day.isoformat()
    if row.trending is not None:
        brief["trending_score"] = round(row.trending.score, 4)
    return brief


def _paper_row(paper_id: str) -> PaperRow:
    try:
        normalize_arxiv_id(paper_id)
    except InvalidArxivId as exc:
        raise ToolError(f"{exc}; an arXiv id looks like 2501.01234") from None
    row = paper_selectors.paper_detail(arxiv_id=paper_id)
    if row is None:
        raise ToolError(f"No paper with the id {paper_id[:80]!r} on this site.")
    return row


@_database
def search_papers(
    query: Annotated[
        str,
        Field(
            min_length=1,
            max_length=250,
            description='Words, "a phrase", author:NAME, cat:cs.CL, year:2025',
        ),
    ],
    limit: Limit = 10,
) -> list[dict[str, Any]]:
    """Search the catalogue, best match first (the site's search box)."""
    if not query.strip():
        raise ToolError("The query is empty: give words to search for.")
    result = search_selectors.search_papers(query=query, limit=limit, mode="hybrid")
    return [paper_brief(row) for row in result.papers]


@_database
def get_paper(paper_id: PaperId) -> str:
    """One paper as Markdown: title, authors, links, dates, categories, counts, keywords, the
    one-line summary and the abstract (the same text as /papers/<id>.md)."""
    return paper_markdown(_paper_row(paper_id), base_url=_site())


@_database
def daily_papers(
    date: Annotated[str | None, Field(max_length=20, description="A day, YYYY-MM-DD")] = None,
    week: Annotated[str | None, Field(max_length=20, description="ISO week, YYYY-Www")] = None,
    month: Annotated[str | None, Field(max_length=20, description="A month, YYYY-MM")] = None,
    limit: Limit = 30,
) -> list[dict[str, Any]]:
    """The featured papers of one day, ISO week or month, ranked as on the site (give one of
    date, week, month); with none, the most recent featured papers, newest day first."""
    try:
        period = parse_one_of(day=date, week=week, month=month)
    except BadPeriod as exc:
        raise ToolError(str(exc)) from None
    rows, _total = paper_selectors.featured_list(
        period=period, order="rank" if period else "newest", limit=limit
    )
    return [paper_brief(row) for row in rows]


@_database
def trending(
    window: Literal["day", "week", "month"] = "week",
    category: Annotated[
        str | None, Field(max_length=40, description="An arXiv category, e.g. cs.CL")
    ] = None,
    limit: Limit = 20,
) -> list[dict[str, Any]]:
    """Trending papers over a window, best first (upvote momentum and GitHub star velocity,
    as /papers/trending)."""
    chosen = None
    if category:
        try:
            chosen = parse_category(category)
        except InvalidCategory as exc:
            raise ToolError(str(exc)) from None
    listing = trending_papers(window=window, category=chosen, limit=limit)
    return [paper_brief(row) for row in listing.rows]


@_database
def similar_papers(paper_id: PaperId, limit: Limit = 10) -> list[dict[str, Any]]:
    """The papers most similar in content to one paper, best first (the paper page's list;
    empty until the site has built its similar-papers index)."""
    row = _paper_row(paper_id)
    return [paper_brief(other) for other in similar_selector(paper=row.paper, limit=limit)]


TOOLS = (search_papers, get_paper, daily_papers, trending, similar_papers)


def mcp_server() -> MCPServer:
    """A new MCP server with paperfeed's read tools."""
    server: MCPServer = MCPServer(
        name="paperfeed",
        instructions=INSTRUCTIONS,
        website_url=_site(),
        log_level="WARNING",
    )
    # Every tool reads this site's catalogue and nothing else.
    hints = ToolAnnotations(read_only_hint=True, open_world_hint=False, idempotent_hint=True)
    for tool in TOOLS:
        server.add_tool(tool, annotations=hints)
    return server
