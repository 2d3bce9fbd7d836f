"""Inline SVG sparklines and charts of star and upvote history, drawn on the server.

No script and no external image: the SVG is part of the page, coloured with the site's CSS
variables (``var(--accent)``, ``currentColor``) so it reads in the light and the dark theme.
Every number placed in the markup is formatted by us; the only text from the data is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from paperfeed.trending.selectors import can_edit_code_link, star_history, upvote_history

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
        '<svg class="sparkline" role="img" width="{}" height="{}" viewBox="0 0 {} {}" '
        'style="vertical-align:middle;overflow:visible"><title>{}</title>'
        '<path d="{}" fill="none" style="stroke:var(--accent,#0b57d0)" stroke-width="1.5" '
        'stroke-linejoin="round"/></svg>',
        width,
        height,
        width,
        height,
        title,
        _path(coords),
    )


@register.simple_tag
def history_chart(
    points: Sequence[Point] | None, label: str = "", width: int = 560, height: int = 180
) -> SafeString | str:
    """A line chart with labelled axes: dates along the bottom, counts up the side."""
    points = list(points or [])
    if len(points) < 2:
        return ""
    left, bottom, pad = 56, 28, 8
    inner_w, inner_h = width - left - pad, height - bottom - pad
    coords = [(x + left - 2, y + pad - 2) for x, y in _scale(points, inner_w + 4, inner_h + 4, 2)]
    values = [p[1] for p in points]
    v0, v1 = min(values), max(values)
    t0, t1 = points[0][0], points[-1][0]
    ticks_y: list[tuple[int, float]] = [(v0, pad + inner_h), (v1, pad)]
    if v1 - v0 >= 2:
        ticks_y.insert(
            1, ((v0 + v1) // 2, pad + inner_h - ((v0 + v1) // 2 - v0) / (v1 - v0) * inner_h)
        )
    y_labels = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="currentColor">{}</text>'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" style="stroke:var(--line,#ccc)" stroke-width="1"/>',
        (
            (left - 6, f"{y + 4:.1f}", f"{value:,}", left, width - pad, f"{y:.1f}", f"{y:.1f}")
            for value, y in ticks_y
        ),
    )
    summary = (
        f"{label}: {points[0][1]:,} on {t0:%d %b %Y}, {points[-1][1]:,} on {t1:%d %b %Y} "
        f"({len(points)} points)"
    )
    return format_html(
        '<figure class="history-chart"><svg role="img" viewBox="0 0 {w} {h}" width="100%" '
        'style="max-width:{w}px;height:auto;color:var(--muted,#5b6470)"><title>{summary}</title>'
        "{y_labels}"
        '<text x="{left}" y="{h_lab}" font-size="11" fill="currentColor">{d0}</text>'
        '<text x="{right}" y="{h_lab}" font-size="11" text-anchor="end" fill="currentColor">{d1}'
        "</text>"
        '<path d="{path}" fill="none" style="stroke:var(--accent,#0b57d0)" stroke-width="2" '
        'stroke-linejoin="round"/></svg><figcaption>{label}</figcaption></figure>',
        w=width,
        h=height,
        summary=summary,
        y_labels=y_labels,
        left=left,
        right=width - pad,
        h_lab=height - 8,
        d0=f"{t0:%d %b %Y}",
        d1=f"{t1:%d %b %Y}",
        path=_path(coords),
        label=label,
    )


@register.simple_tag(takes_context=True)
def code_link_editable(context: dict[str, Any], paper: Any) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and can_edit_code_link(user=user, paper=paper))


@register.filter
def component(components: dict[str, float] | None, name: str) -> float:
    return (components or {}).get(name, 0.0)


@register.simple_tag
def attach_paper_histories(paper: Any) -> str:
    """Give one paper (a paper page) its ``star_points`` and ``upvote_points``; renders nothing."""

    paper.star_points = star_history(paper=paper)
    paper.upvote_points = upvote_history(paper=paper)
    return ""
