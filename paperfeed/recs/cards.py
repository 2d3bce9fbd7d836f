"""Why a paper is on the reader's for-you page, under its shared card: the reason and the
"Hide" button.

Plain string formatting, as the vote and save boxes (community/cards.py, library/cards.py): a
template render per card ran the context processors and the CSRF lookup 30 times a page, a
quarter of the page's time at 1 M papers and 100 k members (docs/recommendations.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import Truncator

from paperfeed.papers import tex
from paperfeed.papers.card_html import paper_url
from paperfeed.recs.selectors import Recommendation

_REASON = (
    '<div class="entry-reason"><p class="reason">{lead} <a href="{because_url}">{because}</a>'
    "</p>\n"
    '<form class="inline-form" method="post" action="{action}">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
    '<input type="hidden" name="next" value="{next}"><button type="submit" class="quiet-danger" '
    'aria-label="Never recommend “{title}” again">Hide</button></form></div>\n'
)


def _short(title: str, chars: int = 60) -> str:
    # Truncator counts combining characters as none: a title of at most ``chars`` code
    # points is never cut, and most are that short, so only longer ones pay for it.
    return title if len(title) <= chars else Truncator(title).chars(chars)


def reasons_html(request: HttpRequest, items: Sequence[Recommendation]) -> dict[int, str]:
    """Each recommended paper's reason and hide button, by paper id (this reader's alone)."""
    token, next_path = get_token(request), escape(request.get_full_path())
    # One reverse() per page, not per card: the URL with a marker where the id goes.
    marker = 987654321
    action = escape(reverse("recs:hide", args=[marker])).replace(str(marker), "{}")
    return {
        item.row.paper.pk: _REASON.format(
            lead=escape(item.lead),
            because_url=escape(paper_url(item.because_arxiv_id)),
            # tex.render escapes everything it does not typeset itself.
            because=tex.render(item.because_title),
            action=action.format(item.row.paper.pk),
            token=token,
            next=next_path,
            title=escape(_short(item.row.paper.title)),
        )
        for item in items
    }
