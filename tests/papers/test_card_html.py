"""The shared part of a card written in Python (paperfeed/papers/card_html.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from django.utils.html import escape

from paperfeed.papers import card_html
from paperfeed.papers.models import Paper
from paperfeed.papers.rows import PaperRow


def _row(categories: list[str]) -> PaperRow:
    paper = Paper(
        pk=3,
        arxiv_id="2602.00001",
        title="A & B <study>",
        published=datetime(2026, 2, 1, tzinfo=UTC),
        comment_count=0,
    )
    return PaperRow(paper=paper, authors=["Ada"], categories=categories)


def test_category_chips_are_quoted_and_escaped_each_time_alike():
    """A category's chip (its link quoted and escaped, its text escaped) is worked out once per
    category, the same on every card."""
    odd = 'a&b c<"d'
    row = _row(["cs.CL", odd])
    chip = (
        f'<a class="category" href="{escape(card_html._paths().new)}'
        f'?category={escape(quote(odd))}">{escape(odd)}</a>'
    )
    first = card_html.card(row, {})
    assert chip in first and '?category=cs.CL">cs.CL</a>' in first
    assert card_html.card(row, {}) == first
    # The placeholder's category too, and the title's link once for the title and comments.
    assert "<small>cs.CL</small>" in first
    assert first.count('href="/papers/2602.00001"') == 1
    assert 'href="/papers/2602.00001#comments"' in first
