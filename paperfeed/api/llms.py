"""``/llms.txt``: the site described for language models, after the llms.txt convention
(an H1 name, a one-paragraph summary in a blockquote, then sections of Markdown link lists;
an "Optional" section an agent may skip)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def llms_text(*, base_url: str) -> str:
    b = base_url.rstrip("/")
    return f"""# paperfeed

> paperfeed lists trending research papers (arXiv, mostly cs.AI, cs.CL, cs.CV and cs.LG): the
> papers featured each day, new papers, and a trending ranking from upvotes and GitHub stars,
> with keywords and a one-line summary per paper. Everything a reader sees can be read by a
> program: a JSON API in the shape of the Hugging Face Papers API, one Markdown page per paper,
> RSS/Atom feeds, and an MCP server. Reads need no account.

Paper ids are arXiv ids without a version (`2501.01234`). Upvote counts are the same number on
every surface. Be polite: reads are rate-limited per IP (HTTP 429 with `Retry-After`).

## MCP server

- [MCP endpoint]({b}/mcp): streamable HTTP, no token. Tools: `search_papers(query, limit)`,
  `get_paper(paper_id)` (Markdown), `daily_papers(date | week | month)`,
  `trending(window, category)`, `similar_papers(paper_id)`. All read-only.

## Markdown views

- [A paper as Markdown]({b}/papers/2501.01234.md): `/papers/{{id}}.md`, or
  `Accept: text/markdown` on `/papers/{{id}}`: title, authors, links, dates, categories,
  upvotes, keywords, the one-line summary (labelled from the abstract or AI-written) and the
  abstract.

## JSON API

- [OpenAPI document]({b}/api/openapi.json): every endpoint and field.
- [Featured papers]({b}/api/daily_papers): `?date=YYYY-MM-DD`, `?week=YYYY-Www` or
  `?month=YYYY-MM`; `sort=trending` for the page's ranking.
- [Search]({b}/api/papers/search?q=diffusion): `q` takes words, `"phrases"`, `author:NAME`,
  `cat:cs.CL`, `year:2025`.
- [One paper]({b}/api/papers/2501.01234): the paper object, with `paperfeed_keywords` and
  `paperfeed_summary`.
- [Similar papers]({b}/api/papers/2501.01234/similar)
- [Trending]({b}/api/trending?window=week): with each part of the score.
- [The whole catalogue]({b}/api/papers): newest first, with a cursor.

## Feeds

- [Daily featured papers]({b}/feeds/daily.rss) (also `.atom`; `weekly`, `monthly`)
- [Trending]({b}/feeds/trending.rss)
- [New papers]({b}/feeds/new.rss), per category: `/feeds/new/cs.CL.rss`
- [A search]({b}/feeds/search.rss?q=retrieval): any query as a feed

## Optional

- [Web site]({b}/papers): the featured list; `/papers/new`, `/papers/trending`,
  `/search?q=`
- [API docs]({b}/api/docs): interactive
- [Trending, explained]({b}/papers/trending/about): how the score is computed
"""


def llms_txt(request: HttpRequest) -> HttpResponse:
    base_url = request.build_absolute_uri("/").rstrip("/") or settings.SITE_URL
    response = HttpResponse(
        llms_text(base_url=base_url), content_type="text/markdown; charset=utf-8"
    )
    patch_cache_control(response, public=True, max_age=3600)
    return response
