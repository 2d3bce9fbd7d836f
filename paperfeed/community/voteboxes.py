"""A reader's vote box on a card or a paper page: the one upvote count, and for a member their
vote, their session's CSRF token and the page to come back to (a form); for anyone else a link
to sign in. Plain string formatting per request, never kept, so nothing of one reader reaches a
shared card, another reader's page or the anonymous page cache (community/cards.py).

A page's boxes differ only in each card's numbers (its id and counts) and the reader's vote on
it: the template's text is cut once per page and state around those numbers and then joined
with each card's, the same text as the template formatted per card by construction
(tests/community/test_voteboxes.py)."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import escape

from paperfeed.core import readerslots
from paperfeed.core.urlpaths import per_url_configuration
from paperfeed.papers.rows import PaperRow


@per_url_configuration
def _reversed() -> tuple[str, str]:
    """(the upvote URL with ``{}`` for the paper's id, the sign-in path): every page of cards
    asks for one of them."""
    upvote = reverse("community:upvote", args=[987654321])
    return upvote.replace("987654321", "{}"), reverse("accounts:login")


_COUNT = (
    '<span aria-hidden="true">▲</span> <span class="upvote-count" '
    'title="{source} at the source + {local} here">{count}</span>'
)
_MEMBER_BOX = (
    '<form class="upvote" method="post" action="{action}" data-upvote>'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
    '<input type="hidden" name="next" value="{next}">'
    '<button type="submit" class="upvote-button{voted_class}" aria-pressed="{pressed}" '
    'title="{title}">' + _COUNT + '<span class="visually-hidden"> upvotes</span></button></form>'
)
# Anonymous pages come from a shared cache: a link, never a form with someone's CSRF token.
_ANONYMOUS_BOX = (
    '<div class="upvote"><a class="upvote-button" href="{login}" title="Sign in to upvote">'
    + _COUNT
    + '<span class="visually-hidden"> upvotes, sign in to upvote</span></a></div>'
)


class Reader:
    """What one request's vote boxes need, worked out once per page."""

    def __init__(self, request: HttpRequest | None) -> None:
        self.request = request
        self.member = bool(request is not None and request.user.is_authenticated)
        path = request.get_full_path() if request is not None else "/"
        if self.member:
            assert request is not None
            self.token = readerslots.csrf_token(request)
            self.next = escape(path)
            self.action = _reversed()[0]
        else:
            # As the urlencode filter writes it: "/" stays readable.
            login = _reversed()[1]
            self.login = escape(login + "?next=" + quote(path, safe="/"))
        # Each box's text around its numbers, for each state, worked out on first use and then
        # joined with a card's numbers: formatting the template per card (9 fields) was most of
        # the ~1 ms a 50-card page's vote columns cost (docs/performance.md, S83).
        self._around: dict[bool, list[str] | None] = {}

    def box(self, row: PaperRow, voted: bool) -> str:
        return self.box_of(row.paper.pk, row.source_upvotes, row.local_upvotes, voted)

    def _formatted(
        self, voted: bool, pk: object, source: object, local: object, count: object
    ) -> str:
        values = {"source": source, "local": local, "count": count}
        if not self.member:
            return _ANONYMOUS_BOX.format(login=self.login, **values)
        return _MEMBER_BOX.format(
            action=self.action.format(pk),
            token=self.token,
            next=self.next,
            voted_class=" is-voted" if voted else "",
            pressed="true" if voted else "false",
            title="Remove your upvote" if voted else "Upvote",
            **values,
        )

    def box_of(self, pk: int, source: int, local: int, voted: bool) -> str:
        if voted not in self._around:
            # The box with a mark for each number, cut at the marks: the same text as the
            # template formatted per card, by construction. None when the reader's own text
            # (the page's path) holds the mark: then the template, per card.
            mark = readerslots.MARK
            marked = self._formatted(voted, mark, mark, mark, mark)
            self._around[voted] = readerslots.cut_around(marked, 4 if self.member else 3)
        around = self._around[voted]
        if around is None:
            return self._formatted(voted, pk, source, local, source + local)
        if self.member:
            head, at_source, at_local, at_count, tail = around
            return f"{head}{pk}{at_source}{source}{at_local}{local}{at_count}{source + local}{tail}"
        head, at_local, at_count, tail = around
        return f"{head}{source}{at_local}{local}{at_count}{source + local}{tail}"
