"""Template filters of the reading site (paperfeed/papers/templatetags/papers_tags.py)."""

from __future__ import annotations

import pytest

from paperfeed.papers.templatetags.papers_tags import initials


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Attention Is All You Need", "AA"),
        ("A Study of $\\alpha$-Divergence", "SD"),
        ("The", "T"),
        ("$x^2$ 123", ""),
        ("élan vital", "ÉV"),
    ],
)
def test_initials_for_the_thumbnail_placeholder(title, expected):
    assert initials(title) == expected
