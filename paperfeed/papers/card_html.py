"""The shared part of a paper card as HTML, and its parts that the paper page, the library and
similar papers show too (the glance, the links, the date, the thumbnail).

Written in Python rather than as Django templates because a search renders its 20 cards on
every distinct query, and Django's engine spent 0.6 to 0.9 ms on each (variable look-ups,
includes, filters): 12 to 18 ms a page against the ~6 ms of CPU a whole search may cost at
300 req/s on two workers. Here a card costs tens of microseconds. Every value is escaped as
the templates' autoescaping did (``escape``), or comes from a filter that escapes what it does
not generate (``tex``, ``byline``, ``when``). The templates ``papers/_glance.html``,
``_links.html``, ``_date.html`` and ``_thumbnail.html`` call these functions, so each part has
one implementation. Change what a card shows here, and bump ``community.cards.CARD_FORMAT``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date as day
from datetime import tzinfo
from functools import lru_cache
from urllib.parse import quote

from django.template.loader import get_template
from django.urls import reverse
from django.utils.timezone import get_current_timezone, localdate

from paperfeed.core.templatetags.times import when
from paperfeed.core.urlpaths import per_url_configuration
from paperfeed.papers.models import Paper
from paperfeed.papers.rows import PaperRow
from paperfeed.papers.templatetags.papers_tags import (
    abstract_preview,
    author_base,
    byline,
    initials,
    needs_expand,
    short_count,
    tex,
)


@dataclass(frozen=True)
class _Paths:
    paper: str  # the paper page's path before the arXiv id
    new: str  # escaped, as are the next
    search: str
    author: str  # the author pages' path before the id (papers_tags.author_base)


@per_url_configuration
def _paths() -> _Paths:
    """The card's link targets: reverse() costs tens of microseconds, and a card links its
    paper twice, each category and each keyword."""
    paper = reverse("papers:paper", args=["0"]).removesuffix("0")
    new, search = reverse("papers:new"), reverse("papers:search")
    return _Paths(paper=paper, new=escape(new), search=escape(search), author=author_base())


def search_path() -> str:
    """The search page's path, escaped (reversed once per URL configuration and prefix)."""
    return _paths().search


def escape(value: object) -> str:
    """Django's ``escape`` (the templates' autoescaping): the same ``html.escape``, without
    Django's lazy-string wrapper, which cost more than the escaping at a dozen values a card."""
    return html.escape(str(value))


def paper_url(arxiv_id: str, paths: _Paths | None = None) -> str:
    """The paper page's path, as ``{% url 'papers:paper' arxiv_id %}`` writes it."""
    return (paths or _paths()).paper + quote(arxiv_id, safe="/~:@!$&'()*+,;=")


def glance(row: PaperRow, paths: _Paths | None = None) -> str:
    """The labelled one-line summary and the keyword chips (each a phrase search)."""
    parts = []
    if row.summary:
        label = (
            ' title="Written by a language model from the abstract; it can be wrong">AI summary'
            if row.summary_source == "ai"
            else ' title="The abstract\'s own sentence stating the contribution">From the abstract'
        )
        parts.append(
            f'<p class="entry-summary"><span class="summary-label"{label}</span>'
            f" {tex(row.summary)}</p>"
        )
    parts.append("\n")
    if row.keywords:
        search = (paths or _paths()).search
        chips = "".join(
            f'<a class="keyword" href="{search}?q=%22{escape(quote(keyword, safe=""))}%22">'
            f"{escape(keyword)}</a>"
            for keyword in row.keywords
        )
        parts.append(f'<p class="entry-keywords" aria-label="Keywords">{chips}</p>')
    return "".join(parts)


def links(paper: Paper) -> str:
    """The paper's own links beyond arXiv (its project page)."""
    if not paper.project_page:
        return ""
    return (
        f'<a class="project-page" href="{escape(paper.project_page)}" rel="noopener nofollow">'
        "Project page</a>"
    )


def date(
    paper: Paper, *, long: bool = False, zone: tzinfo | None = None, today: day | None = None
) -> str:
    """How long ago the paper came out, the exact day on hover (``long``: the paper page's
    format). A paper known only from a featured list (``is_stub``) has no arXiv date yet: it
    shows the day it was featured, worded and titled as such, never as a publication date.
    ``zone`` and ``today``: the current time zone and day in it, when the caller has read
    them (see :func:`cards`)."""
    shown = when(paper.published, "long day" if long else "day", zone=zone, today=today)
    if paper.is_stub:
        return (
            '<span class="featured-date" title="Not yet on arXiv\'s listings here: this is the'
            f' day it was featured, not its publication date">featured {shown}</span>'
        )
    return shown + (" (approximate)" if long and paper.published_is_estimate else "")


def thumbnail(row: PaperRow, *, describe: bool = False) -> str:
    """The first page, lazy-loaded with its size set so nothing moves as it arrives; without
    one, a typographic placeholder (never a broken image). ``describe`` gives the image a text
    alternative where it is not beside the title."""
    if row.thumbnail_url:
        alt = "First page of the paper" if describe else ""
        return (
            f'<img class="pf-thumb" src="{escape(row.thumbnail_url)}"'
            f' width="{escape(row.thumbnail_width)}" height="{escape(row.thumbnail_height)}"'
            f' loading="lazy" decoding="async" alt="{alt}">'
        )
    category = f"<small>{_category(row.categories[0])[1]}</small>" if row.categories else ""
    # The initials are letters only (papers_tags.initials): nothing to escape.
    return (
        '<span class="pf-thumb pf-thumb--placeholder" aria-hidden="true">'
        f"{initials(row.paper.title)}{category}</span>"
    )


@lru_cache(maxsize=1024)
def _category(category: str) -> tuple[str, str]:
    """(the category quoted for a URL and escaped, the category escaped): arXiv has ~150
    categories, and a search page quoted and escaped each of its ~40 chips anew."""
    return escape(quote(category)), escape(category)


def _abstract(row: PaperRow) -> str:
    abstract = row.paper.abstract
    if row.snippet_html:
        return f'    <p class="entry-abstract">{row.snippet_html}</p>\n'
    if needs_expand(abstract):
        return (
            '    <details class="entry-abstract">\n'
            f'      <summary><span class="preview">{tex(abstract_preview(abstract))}</span>'
            ' <span class="more">Show full abstract</span></summary>\n'
            f"      <p>{tex(abstract)}</p>\n"
            "    </details>\n"
        )
    if abstract:
        return f'    <p class="entry-abstract">{tex(abstract)}</p>\n'
    return ""


def _meta(row: PaperRow, paths: _Paths, zone: tzinfo | None, today: day | None, href: str) -> str:
    paper = row.paper
    pinned = '<span class="pinned" title="pinned by a curator">Pinned</span>' if row.pinned else ""
    comments = paper.comment_count
    code = ""
    if paper.code_url:
        stars = (
            f' title="{paper.code_stars} GitHub stars">Code ★ {short_count(paper.code_stars)}'
            if paper.code_stars is not None
            else ">Code"
        )
        code = f'<a class="code" href="{escape(paper.code_url)}" rel="noopener nofollow"{stars}</a>'
    submitter = ""
    if row.submitter:
        title = f' title="{escape(row.submitter_fullname)}"' if row.submitter_fullname else ""
        submitter = f'<span class="submitter"{title}>submitted by {escape(row.submitter)}</span>'
    categories = "".join(
        f'<a class="category" href="{paths.new}?category={quoted}">{shown}</a>'
        for quoted, shown in map(_category, row.categories)
    )
    return (
        '    <p class="entry-meta">\n'
        f"      {pinned}\n"
        f'      <a class="entry-comments" href="{href}#comments">'
        f"{comments} comment{'' if comments == 1 else 's'}</a>\n"
        f"      {code}\n"
        f"      {links(paper)}\n\n"
        f"      {submitter}\n"
        f'      <span class="date">{date(paper, zone=zone, today=today)}\n</span>\n'
        f'      <span class="categories">{categories}</span>\n'
        "    </p>\n"
    )


def cards(
    rows: Iterable[PaperRow], verified: Mapping[int, set[str]], window: str | None = None
) -> list[str]:
    """:func:`card` of each row, with what every card of a page reads from the request's
    context (the URL configuration's paths, the current time zone and day) looked up once:
    each look-up reads a context-local variable (or the clock), and a search page has ~17
    cards."""
    paths, zone = _paths(), get_current_timezone()
    today = localdate(timezone=zone)
    return [card(row, verified, window, paths=paths, zone=zone, today=today) for row in rows]


def card(
    row: PaperRow,
    verified: Mapping[int, set[str]],
    window: str | None = None,
    *,
    paths: _Paths | None = None,
    zone: tzinfo | None = None,
    today: day | None = None,
) -> str:
    """The shared part of a card (title, byline with verified authors, glance, abstract, meta
    row, trending explanation, thumbnail): the same for every reader. ``verified`` maps paper
    ids to their verified authors' names; ``window`` is trending's period. ``paths`` and
    ``zone`` and ``today``: looked up here unless the caller did (:func:`cards`)."""
    paper = row.paper
    title = row.title_html or tex(paper.title)
    paths = paths or _paths()
    why = ""
    if row.trending:
        why = get_template("trending/_why.html").render({"row": row, "window": window})
    href = escape(paper_url(paper.arxiv_id, paths))  # the title's link and the comments'
    return (
        f'<article class="entry-body" aria-labelledby="title-{paper.pk}">\n'
        f'    <h2 class="entry-title" id="title-{paper.pk}">'
        f'<a href="{href}">{title}</a></h2>\n'
        f'    <p class="entry-authors">{byline(row, verified, author_base=paths.author)}</p>\n'
        f"    {glance(row, paths)}\n\n"
        f"{_abstract(row)}"
        f"{_meta(row, paths, zone, today, href)}"
        f"    {why}\n"
        "  </article>\n"
        f"  {thumbnail(row)}\n\n"
    )
