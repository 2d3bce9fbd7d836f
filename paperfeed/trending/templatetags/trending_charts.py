"""Inline SVG sparklines and charts of star and upvote history, drawn on the server.

No script and no external image: the SVG is part of the page, coloured by the site's stylesheet
(classes, no inline style) so it reads in the light and the dark theme. A chart's axis labels are
HTML beside the SVG, so they keep their size when the chart shrinks to a phone's width.
Every number placed in the markup is formatted by us; the only text from the data is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django import template
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from paperfeed.accounts.roles import page_shows_curate
from paperfeed.core import bodykeep, readahead
from paperfeed.trending.selectors import (
    can_edit_code_link,
    featured_or_claimed_query,
    star_history,
    upvote_history,
)

register = template.Library()

Point = tuple[datetime, int]


def _scale(points: Sequence[Point], width: float, height: float, pad: float) -> list[tuple]:
    times = [p[0].timestamp() for p in points]
    values = [p[1] for p in points]
    t0, t1 = min(times), max(times)
    v0, v1 = min(values), max(values)
    span_t = (t1 - t0) or 1.0
    span_v = (v1 - v0) or 1.0
    return [
        (
            pad + (t - t0) / span_t * (width - 2 * pad),
            height - pad - (v - v0) / span_v * (height - 2 * pad),
        )
        for t, v in zip(times, values, strict=True)
    ]


def _path(coords: list[tuple]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(coords))


@register.simple_tag
def sparkline(points: Sequence[Point] | None, label: str = "", width: int = 90, height: int = 22):
    """A small line of a series, with its first and last value in the accessible title."""
    points = list(points or [])
    if len(points) < 2:
        return ""
    coords = _scale(points, width, height, 2)
    (t0, v0), (t1, v1) = points[0], points[-1]
    title = f"{label}: {v0:,} on {t0:%d %b} → {v1:,} on {t1:%d %b}"
    return format_html(
        '<svg class="sparkline" role="img" width="{}" height="{}" viewBox="0 0 {} {}">'
        '<title>{}</title><path d="{}"/></svg>',
        width,
        height,
        width,
        height,
        title,
        _path(coords),
    )


def nice_top(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value``: an axis top."""
    top = 1
    while True:
        for step in (1, 2, 5):
            if step * top >= value:
                return step * top
        top *= 10


def axis_ticks(values: Sequence[int], *, change: bool = False) -> tuple[int, list[int]]:
    """(base, ticks): an honest y axis. It starts at zero, or, for ``change``, at the lowest
    value, so the ticks count what was gained above it. Ticks are distinct integers."""
    base = min(values) if change else 0
    top = nice_top(max(max(values) - base, 1))
    ticks = [0, top // 2, top] if top % 2 == 0 else [0, top]
    return base, ticks


def _day(moment: datetime, other: datetime) -> str:
    # Two points on one day would get the same label: then the time tells them apart.
    return f"{moment:%d %b %H:%M}" if moment.date() == other.date() else f"{moment:%d %b %Y}"


@register.simple_tag
def history_chart(
    points: Sequence[Point] | None, label: str = "", change: bool = False
) -> SafeString | str:
    """A line chart: the axis from zero (or the change since the first point, ``change``),
    labels in HTML so they stay legible at any width; nothing for fewer than two points."""
    points = list(points or [])
    if len(points) < 2:
        return ""
    values = [value for _, value in points]
    base, ticks = axis_ticks(values, change=change)
    top = ticks[-1]
    times = [moment.timestamp() for moment, _ in points]
    span = (times[-1] - times[0]) or 1.0
    # A 100 by 100 box stretched to the figure's size; strokes keep their width regardless.
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{(t - times[0]) / span * 100:.2f},"
        f"{100 - (v - base) / top * 100:.2f}"
        for i, (t, v) in enumerate(zip(times, values, strict=True))
    )
    grid = format_html_join(
        "",
        '<line x1="0" x2="100" y1="{}" y2="{}" vector-effect="non-scaling-stroke"/>',
        ((f"{100 - tick / top * 100:.2f}",) * 2 for tick in ticks[1:]),
    )
    prefix = "+" if change else ""
    y_labels = format_html_join(
        "", "<span>{}</span>", ((f"{prefix}{tick:,}",) for tick in reversed(ticks))
    )
    (t0, v0), (t1, v1) = points[0], points[-1]
    summary = f"{label}: {v0:,} on {t0:%d %b %Y}, {v1:,} on {t1:%d %b %Y} ({len(points)} points)"
    caption = f"{label} (gained above {base:,})" if change else label
    return format_html(
        '<figure class="history-chart"><figcaption>{}</figcaption><div class="chart-body">'
        '<div class="chart-y" aria-hidden="true">{}</div>'
        '<svg role="img" viewBox="0 0 100 100" preserveAspectRatio="none"><title>{}</title>{}'
        '<path d="{}" vector-effect="non-scaling-stroke"/></svg>'
        '<div class="chart-x" aria-hidden="true"><span>{}</span><span>{}</span></div>'
        "</div></figure>",
        caption,
        y_labels,
        summary,
        grid,
        path,
        _day(t0, t1),
        _day(t1, t0),
    )


@register.simple_tag(takes_context=True)
def code_link_editable(context: dict[str, Any], paper: Any) -> bool:
    request = context.get("request")
    return request is not None and code_link_form_shown(request, paper.pk)


def code_link_form_shown(request: HttpRequest, paper_id: int) -> bool:
    """Whether the paper page shows this reader the code-link form (the paper's id is all it
    needs, so a member's filled page loads the paper only for the few who may edit)."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    # Showing the form: the menu's remembered role (a minute) saves two permission queries on
    # every member's paper page; saving it asks afresh (trending/links.py).
    return can_edit_code_link(
        user=user,
        paper_id=paper_id,
        curator=page_shows_curate(request),
        featured_or_claimed=readahead.ahead_rows(request, ("codelink", str(paper_id))),
    )


def code_link_reads(request: HttpRequest, member_id: int, args: list[str]) -> list[readahead.Read]:
    """Whether the member featured or is an approved author of the paper (slot "codelink:id"),
    read ahead with the page's other reads of theirs (a curator's is not needed, but cheap)."""
    reads = []
    for arg in dict.fromkeys(args):
        query, values = featured_or_claimed_query(paper_id=int(arg), user_id=member_id)
        reads.append(readahead.Read(("codelink", arg), query, values))
    return reads


@register.filter
def component(components: dict[str, float] | None, name: str) -> float:
    return (components or {}).get(name, 0.0)


# The paper page's star chart: its last days.
STAR_DAYS = 90


@register.simple_tag
def attach_paper_histories(paper: Any) -> str:
    """Give one paper (a paper page) its ``star_points`` and ``upvote_points``; renders nothing."""

    now = timezone.now()
    paper.star_points = star_history(paper=paper, days=STAR_DAYS)
    paper.upvote_points = upvote_history(paper=paper)
    # A member's kept paper page (core/bodykeep.py): the star chart's window passes its oldest
    # point STAR_DAYS after it; a featured day still under way is a point at the moment of
    # rendering (until its day ends), which a kept body cannot show.
    if paper.star_points:
        bodykeep.keep_until((paper.star_points[0][0] + timedelta(days=STAR_DAYS)).timestamp())
    if any(moment >= now for moment, _ in paper.upvote_points):
        bodykeep.short_lived()
    return ""
