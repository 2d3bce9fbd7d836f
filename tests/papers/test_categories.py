"""The one check of a category typed by a reader."""

from __future__ import annotations

import pytest

from paperfeed.papers.categories import InvalidCategory, is_category, parse_category


@pytest.mark.parametrize("value", ["cs.CL", "hep-th", "math.AP", "astro-ph.co", "q-bio.NC", "cs"])
def test_arxiv_categories_are_accepted(value):
    assert parse_category(f" {value} ") == value


@pytest.mark.parametrize(
    "value",
    ["", "CS.cl", "cs.", ".CL", "cs.CL.x", "cs CL", "cs.CL<script>", "a" * 41, "ćs.CL", "cs-.CL"],
)
def test_anything_else_is_refused_with_a_message(value):
    with pytest.raises(InvalidCategory) as caught:
        parse_category(value)
    assert "not an arXiv category" in str(caught.value) and len(str(caught.value)) < 100
    assert not is_category(value)
