"""The save button: each reader's own part of a card, beside the vote box.

Cards are rendered once and shared by every reader (community/cards.py); whether this reader
saved a paper is laid over them per request, from one query for the page's papers. Plain
string formatting, as the vote box, so a page of cards costs microseconds here. The paper
page shows it beside its vote box as a card does (``{% upvote_box row with_parts=True %}``),
so the button has one markup.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import escape

from paperfeed.core import readahead, readerslots
from paperfeed.core.urlpaths import per_url_configuration
from paperfeed.library import selectors
from paperfeed.library.models import SavedPaper
from paperfeed.library.reader_parts import collect_filler, collect_reads

_MEMBER = (
    '<form class="save" method="post" action="{action}" data-save>'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
    '<input type="hidden" name="next" value="{next}">'
    '<button type="submit" class="save-button{saved_class}" aria-pressed="{pressed}" '
    'title="{title}"><span aria-hidden="true">{star}</span>'
    '<span class="save-label">{label}</span></button></form>'
)
# Anonymous pages come from a shared cache: a link, never a form with someone's CSRF token.
_ANONYMOUS = (
    '<div class="save"><a class="save-button" href="{login}" '
    'title="Sign in to save papers to your library"><span aria-hidden="true">☆</span>'
    '<span class="save-label">Save</span></a></div>'
)


def saved_ids(request: HttpRequest | None, paper_ids: list[int]) -> set[int]:
    """Which of these papers the signed-in reader saved: one query per request, remembered on
    it for the ids already asked about."""
    if request is None or not request.user.is_authenticated:
        return set()
    known: dict[int, bool] = request.__dict__.setdefault("_paperfeed_saved", {})
    missing = [pk for pk in paper_ids if pk not in known]
    if missing:
        found = selectors.saved_among(user=request.user, paper_ids=missing)
        known.update((pk, pk in found) for pk in missing)
    return {pk for pk, saved in known.items() if saved}


def save_boxes(
    request: HttpRequest | None, paper_ids: list[int], saved: set[int] | None
) -> Callable[[int], str]:
    """The save button of each card on a page (registered with community.cards); ``saved``:
    which of them the reader saved, when already read with their votes."""
    return _boxes(request, paper_ids, saved)


def saved_by(user: User) -> Exists:
    """Whether ``user`` saved the paper, as a subquery over it (read with the votes)."""
    return Exists(SavedPaper.objects.filter(user=user, paper_id=OuterRef("pk")))


@per_url_configuration
def _save_action() -> str:
    """The save URL with "{}" for the id: reversed once per URL configuration (~40 µs each),
    not once per card nor once per page."""
    marker = 987654321
    return reverse("library:save", args=[marker]).replace(str(marker), "{}")


def _boxes(
    request: HttpRequest | None, paper_ids: list[int], known: set[int] | None = None
) -> Callable[[int], str]:
    path = request.get_full_path() if request is not None else "/"
    if request is None or not request.user.is_authenticated:
        html = _ANONYMOUS.format(
            login=escape(reverse("accounts:login") + "?next=" + quote(path, safe="/"))
        )
        return lambda pk: html
    saved = saved_ids(request, paper_ids) if known is None else known
    token, next_path = readerslots.csrf_token(request), escape(path)
    action = _save_action()

    def formatted(pk: object, is_saved: bool) -> str:
        return _MEMBER.format(
            action=action.format(pk),
            token=token,
            next=next_path,
            saved_class=" is-saved" if is_saved else "",
            pressed="true" if is_saved else "false",
            title="In your library: click to remove" if is_saved else "Save to your library",
            star="★" if is_saved else "☆",
            label="Saved" if is_saved else "Save",
        )

    # The button cut where the paper's id goes, once per page and state (formatting the
    # template per card cost a 50-card page ~0.3 ms): the same text by construction, or the
    # template per card when the reader's own text (the page's path) holds the mark.
    unsaved_cut = readerslots.cut_around(formatted(readerslots.MARK, False), 1)
    saved_cut = readerslots.cut_around(formatted(readerslots.MARK, True), 1)
    if unsaved_cut is None or saved_cut is None:
        return lambda pk: formatted(pk, pk in saved)
    (head, tail), (saved_head, saved_tail) = unsaved_cut, saved_cut

    def box(pk: int) -> str:
        return f"{saved_head}{pk}{saved_tail}" if pk in saved else f"{head}{pk}{tail}"

    return box


def register_fillers() -> None:
    readerslots.filler_register("collect", collect_filler)
    readahead.reads_register("collect", collect_reads)
