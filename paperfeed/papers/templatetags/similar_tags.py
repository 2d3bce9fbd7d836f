"""``{% similar_papers paper %}``: the similar-papers section of a paper page.

An inclusion tag, so the paper view needs no change: the section reads the paper's stored
neighbour rows (see paperfeed.papers.similar) when the template renders.
"""

from __future__ import annotations

from typing import Any

from django import template

from paperfeed.papers.similar import selectors

register = template.Library()


@register.inclusion_tag("papers/_similar.html")
def similar_papers(paper: Any, limit: int = 10) -> dict[str, Any]:
    found = selectors.similar_papers(paper=paper, limit=limit)
    return {
        "similar": found,
        "similar_message": selectors.similar_message(paper=paper, found=bool(found)),
    }
