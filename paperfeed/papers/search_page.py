"""The search results page: a frame rendered once per process with slots, and the results
written in Python.

Distinct queries make every search page new, so nothing of the whole page can be cached; but
the frame around the results (head, site header, navigation, footer) is the same bytes for
every query. It is rendered once per process and kind of reader (anonymous or member) from
``papers/search.html`` with slots (:mod:`paperfeed.core.readerslots`) where the query's parts
go (the title, the site search box's value, the content) and, as on a member's list page,
where the reader's own parts go (account menu, flash messages), filled by their registered
fillers. The content (the search form, counts, "did you mean", the cards, pagination and the
"related by meaning" block) is plain string formatting: rendering ``search.html`` through
Django's engine cost ~3 ms of CPU a request at 1 M papers, more than half a search's budget
at 300 req/s on two workers. Every outside text (the query, a suggestion, a message) is
escaped, so nothing a reader types can write a slot or markup.

The cards come from :func:`paperfeed.community.cards.cards_html` (the shared per-paper card
with the highlighted title and abstract filled into its slots, behind the reader's vote
column); ``community`` sits above ``papers``, so it registers that function here from its
``AppConfig.ready()`` (:func:`cards_register`).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.core.signals import setting_changed
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from paperfeed.core import readerslots
from paperfeed.papers import card_html
from paperfeed.papers.rows import PaperRow
from paperfeed.papers.templatetags.papers_tags import count_label

if TYPE_CHECKING:
    # For annotations only: community's ready() imports this module to register the cards,
    # and the search selectors bring the search index code (tantivy) into every process.
    from paperfeed.papers.search_selectors import SearchResult

# cards(request, rows, start, also, keep) -> the list of cards as HTML; keep: through the cards
# cache.
Cards = Callable[[HttpRequest, Sequence[PaperRow], int | None, Sequence[PaperRow], bool], str]
_cards: list[Cards] = []

# (member?, URL configuration, script prefix) -> the frame split at its slots.
_frames: dict[tuple[bool, str, str], list[str]] = {}

_SORT_OPTIONS = (("relevance", "Best match"), ("date", "Newest"))
_MODE_OPTIONS = (
    ("hybrid", "Words, and related by meaning"),
    ("keyword", "Words only"),
    ("semantic", "Meaning only"),
)


def cards_register(cards: Cards) -> None:
    """The function that writes a list of cards (community's, from its ``ready()``)."""
    _cards[:] = [cards]


def _forget_frames(**_kwargs: Any) -> None:
    # Tests change settings (static files, URLs) that the kept frames were rendered with.
    _frames.clear()


setting_changed.connect(_forget_frames, dispatch_uid="papers.search_page.frames")


def _frame(request: HttpRequest) -> list[str]:
    member = bool(request.user.is_authenticated)
    key = (member, str(get_urlconf() or ""), get_script_prefix())
    pieces = _frames.get(key)
    if pieces is None:
        with readerslots.shared_build():
            body = render_to_string(
                "papers/search.html",
                {
                    "frame": True,
                    "title_slot": mark_safe(readerslots.slot("title")),
                    "query_slot": mark_safe(readerslots.slot("query")),
                    "content_slot": mark_safe(readerslots.slot("content")),
                },
                request=request,
            )
        pieces = _frames[key] = readerslots.split(body)
    return pieces


def _escape(value: object) -> str:
    return html.escape(str(value))


def _form(query: str, sort: str, mode: str) -> str:
    def options(choices: tuple[tuple[str, str], ...], chosen: str) -> str:
        return "".join(
            f'\n        <option value="{value}"{" selected" if value == chosen else ""}>{label}'
            "</option>"
            for value, label in choices
        )

    return (
        '<header class="list-header">\n  <h1>Search</h1>\n'
        f'  <form class="search-page" role="search" action="{card_html.search_path()}"'
        ' method="get">\n'
        '    <label for="q">Words, "exact phrases", author:name, cat:cs.CL, year:2025</label>\n'
        '    <div class="row">\n'
        f'      <input id="q" type="search" name="q" value="{_escape(query)}" maxlength="500"'
        " autofocus>\n"
        '      <label for="sort" class="visually-hidden">Sort by</label>\n'
        f'      <select id="sort" name="sort">{options(_SORT_OPTIONS, sort)}\n      </select>\n'
        '      <label for="mode" class="visually-hidden">Match</label>\n'
        f'      <select id="mode" name="mode">{options(_MODE_OPTIONS, mode)}\n      </select>\n'
        '      <button type="submit">Search</button>\n'
        "    </div>\n  </form>\n</header>\n"
    )


def _suggestion_url(request: HttpRequest, suggestion: str) -> str:
    """This page's query string with the corrected words and no page (``{% querystring %}``)."""
    params = request.GET.copy()
    params["q"] = suggestion
    params.pop("page", None)
    return _escape("?" + params.urlencode())


def _pagination(query: str, sort: str, mode: str, links: dict[str, Any]) -> str:
    """``papers/_pagination.html`` for a search page."""
    if links["last_page"] <= 1:
        return ""
    base = f"?q={quote(query, safe='/')}&amp;" if query else "?"
    if query:
        base += f"sort={sort}&amp;" if sort else ""
        base += f"mode={mode}&amp;" if mode else ""
    parts = ['\n<nav class="pagination" aria-label="Pages">\n  ']
    if links["prev_page"]:
        parts.append(f'<a rel="prev" href="{base}page={links["prev_page"]}">← Previous</a>')
    parts.append(f"\n  <span>Page {links['page']} of {links['last_page']}</span>\n  ")
    if links["next_page"]:
        parts.append(f'<a rel="next" href="{base}page={links["next_page"]}">Next →</a>')
    parts.append("\n</nav>\n")
    return "".join(parts)


def _content(
    request: HttpRequest,
    *,
    query: str,
    sort: str,
    mode: str,
    result: SearchResult,
    rank_offset: int,
    links: dict[str, Any],
) -> str:
    (cards,) = _cards
    parts = [_form(query, sort, mode)]
    if result.message:
        parts.append(f'  <p class="notice" role="status">{_escape(result.message)}</p>\n')
    if result.suggestion:
        parts.append(
            f'  <p class="notice suggestion" role="status">No papers match “{_escape(query)}”.'
            f' Did you mean <a href="{_suggestion_url(request, result.suggestion)}">'
            f"{_escape(result.suggestion)}</a>? Showing its results.</p>\n"
        )
    if result.papers:
        total = links["total"]
        parts.append(
            f'  <p class="count">{count_label(total)} result{"" if total == 1 else "s"}</p>\n'
        )
        # A search asked before (its ids came from the result cache) is likely to find its
        # cards kept too; a new one rarely does at a million papers (a card cache holds a few
        # thousand), and the keys and the cache's round trip would only add to its cost.
        keep = result.repeated
        parts.append(cards(request, result.papers, rank_offset + 1, result.related, keep))
        parts.append(_pagination(query, sort, mode, links))
    else:
        on_page = " on this page" if links["page"] > 1 else ""
        parts.append(
            f'  <p class="empty">No papers match{on_page}. Try fewer words, or remove a'
            " filter.</p>\n"
        )
    if result.related:
        parts.append(
            '  <section class="related-by-meaning" aria-labelledby="related-heading">\n'
            '    <h2 id="related-heading">Related by meaning</h2>\n'
            '    <p class="hint">Close in meaning but without every word of the query; not'
            " counted above.</p>\n    "
        )
        parts.append(cards(request, result.related, None, (), result.repeated))
        parts.append("\n  </section>\n")
    return "".join(parts)


def results_page(
    request: HttpRequest,
    *,
    query: str,
    sort: str,
    mode: str,
    result: SearchResult,
    rank_offset: int,
    links: dict[str, Any],
) -> str:
    """The whole page of a search that ran: the kept frame with this query's parts and this
    reader's parts filled in."""
    title = _escape(Truncator(query).chars(60))
    content = _content(
        request,
        query=query,
        sort=sort,
        mode=mode,
        result=result,
        rank_offset=rank_offset,
        links=links,
    )
    own = {"title": f"{title} · Search", "query": _escape(query), "content": content}
    return readerslots.fill(_frame(request), request, own=own)
