"""Paper cards: each rendered once and shared by every reader, with each reader's own state laid
over them per request.

A card has two parts:

- **The shared part** (:func:`paperfeed.papers.card_html.card`: title, byline with verified authors,
  abstract, meta row, trending explanation, thumbnail) is the same for every reader. It is
  rendered once and kept in the ``cards`` cache under a key made of everything it shows (see
  :func:`card_key`), so any change to what it shows (an edit, a comment, new stars, a rendered
  thumbnail, an approved author claim, a curator's pin or featuring, a new trending run, the
  next day for "2 days ago") makes a new key. No write path has to remember to invalidate
  anything, and an upvote or comment on one paper leaves every other card cached. A search
  result's card is kept once per paper too, with slots for its highlighted title and abstract,
  which each query fills (:data:`TITLE_SLOT`).
- **The vote box** (:func:`upvote_box`): the one upvote count (:attr:`PaperRow.upvotes`, the
  number every surface shows) and the reader's own state: their vote, from one query for the
  page's cards (:func:`voted_ids`), their session's CSRF token and the page to come back to.
  Plain string formatting, a few microseconds a card, so the count is always the live one and
  nothing of one reader can end up in the shared part, another reader's page or the anonymous
  page cache.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import DatabaseError
from django.db.models import Exists
from django.http import HttpRequest
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from paperfeed.community.models import Upvote
from paperfeed.community.selectors import verified_author_names
from paperfeed.community.voteboxes import Reader
from paperfeed.core import readerslots
from paperfeed.papers import card_html
from paperfeed.papers.rows import PaperRow

log = logging.getLogger(__name__)

# The templates the shared part still renders (papers/card_html.py writes the rest): their text
# is part of each key, so a changed template never serves cards rendered by the old one from a
# shared (Redis, database) cache.
CARD_TEMPLATES = ("trending/_why.html",)
# Bump when the Python that renders a card (papers/card_html.py, filters such as tex or byline)
# changes its output.
CARD_FORMAT = 3

# A search result's card differs from the lists' only in its highlighted title and abstract,
# which change with every query: its shared part is kept once per paper with these slots where
# they go, and filled per request. Every text the card shows is escaped ("<" as "&lt;"), so a
# slot can only be where the template put it.
TITLE_SLOT = "<!--pf:title-->"
SNIPPET_SLOT = "<!--pf:snippet-->"

_signature: str | None = None


def _template_signature() -> str:
    global _signature
    if _signature is None:
        digest = hashlib.blake2b(f"{CARD_FORMAT}|{settings.TIME_ZONE}".encode(), digest_size=8)
        for name in CARD_TEMPLATES:
            digest.update(get_template(name).template.source.encode())  # type: ignore[attr-defined]
        _signature = digest.hexdigest()
    return _signature


def card_key(row: PaperRow, verified: Iterable[str], window: str | None = None) -> str:
    """The cache key of a card's shared part: a digest of every value it shows, and of the day
    (relative dates such as "yesterday" move on at midnight).

    The trending sparklines are not read: a card's series end at ``row.trending.as_of`` and
    cover the ``window``, both in the key, so they are loaded only for cards not cached
    (see :func:`cards_html`'s ``prepare``).
    """
    paper, trending = row.paper, row.trending
    facts = (
        paper.pk,
        paper.arxiv_id,
        paper.title,
        paper.abstract,
        paper.comment_count,
        paper.code_url,
        paper.code_stars,
        paper.project_page,
        paper.published,
        paper.published_is_estimate,
        paper.listed_on,
        paper.primary_category,
        row.authors,
        row.author_ids,
        row.categories,
        row.keywords,
        row.summary,
        row.summary_source,
        row.pinned,
        row.submitter,
        row.submitter_fullname,
        row.title_html,
        row.snippet_html,
        row.thumbnail_url,
        row.thumbnail_width,
        row.thumbnail_height,
        sorted(verified),
        (trending.score, trending.as_of, sorted(trending.components.items()), window)
        if trending
        else None,
    )
    digest = hashlib.blake2b(repr(facts).encode(), digest_size=16).hexdigest()
    return f"card:{_template_signature()}:{timezone.localdate():%Y%m%d}:{digest}"


# --- The reader's part -------------------------------------------------------------------------


def voted_ids(request: HttpRequest | None, paper_ids: Iterable[int]) -> set[int]:
    """Which of ``paper_ids`` the signed-in reader has upvoted: one query for the ids not asked
    about before in this request (a page asks once for all its cards)."""
    if request is None or not request.user.is_authenticated:
        return set()
    known: dict[int, bool] = request.__dict__.setdefault("_paperfeed_votes", {})
    missing = [pk for pk in paper_ids if pk not in known]
    if missing:
        found = set(
            Upvote.objects.filter(user=request.user, paper_id__in=missing).values_list(
                "paper_id", flat=True
            )
        )
        known.update((pk, pk in found) for pk in missing)
    return {pk for pk, voted in known.items() if voted}


@dataclasses.dataclass(frozen=True)
class ReaderPart:
    """Another app's per-reader part of the vote column (the library's save button), registered
    from its AppConfig.ready()."""

    # Called once per page with the request, the page's paper ids and, when already read with
    # the votes, which of them the reader has (else None: it asks one query itself); returns
    # the HTML of one paper's part.
    boxes: Callable[[HttpRequest | None, list[int], set[int] | None], Callable[[int], str]]
    # Whether a member has it on a paper, as a subquery over the paper (``OuterRef("pk")``), so
    # a page filled from a shared body reads it in the votes' query (selectors.card_state).
    mine: Callable[[User], Exists]


_reader_parts: list[ReaderPart] = []


def reader_parts() -> list[ReaderPart]:
    """The registered parts, in their order beside the vote box."""
    return list(_reader_parts)


def reader_part_register(part: ReaderPart) -> None:
    """Add a per-reader part beside every card's vote box (once, whatever the reloads)."""
    if part not in _reader_parts:
        _reader_parts.append(part)


def upvote_box(
    request: HttpRequest | None, row: PaperRow, *, with_parts: bool = False
) -> SafeString:
    """One paper's vote box for this reader (the paper page's); ``with_parts``: followed by the
    other apps' parts (the save button), as in a card's vote column."""
    pk = row.paper.pk
    html = Reader(request).box(row, pk in voted_ids(request, [pk]))
    if with_parts:
        html += "".join(part.boxes(request, [pk], None)(pk) for part in reader_parts())
    return mark_safe(html)


# --- Lists of cards ----------------------------------------------------------------------------


def _cache_get(keys: list[str]) -> dict[str, str]:
    if settings.PAPERFEED_CARD_CACHE_SECONDS <= 0 or not keys:
        return {}
    try:
        return caches["cards"].get_many(keys)
    except DatabaseError:  # a shared cache table that cannot be read: render the cards
        log.warning("card cache unreadable; rendering the cards", exc_info=True)
        return {}


def _cache_set(values: dict[str, str]) -> None:
    if settings.PAPERFEED_CARD_CACHE_SECONDS <= 0 or not values:
        return
    try:
        caches["cards"].set_many(values, settings.PAPERFEED_CARD_CACHE_SECONDS)
    except DatabaseError:  # a read-only database still serves pages
        log.warning("card cache not writable; cards not kept", exc_info=True)


def cards_html(
    request: HttpRequest | None,
    rows: Sequence[PaperRow],
    *,
    start: int | None = None,
    window: str | None = None,
    prepare: Callable[[list[PaperRow]], Any] | None = None,
    also: Sequence[PaperRow] = (),
    after: Mapping[int, str] | None = None,
    keep: bool = True,
) -> SafeString:
    """A list of cards: the shared parts from the cache (rendered and kept when missing), each
    behind this reader's vote box. Queries: the verified authors of the cards, and the reader's
    votes on them and on ``also`` (other cards of the same page, so the page asks once).
    ``prepare(rows)`` loads what only rendering needs (the trending series) for the cards not
    cached. ``after`` maps a paper id to this reader's HTML shown under its card (the reason
    a paper is recommended to them), never part of the shared copy.

    Without ``keep`` the cache is neither read nor written and no key is worked out: for a
    page whose cards are unlikely to be there (a search nobody asked before), the key's digest
    and the cache's round trip cost more than they could save."""
    rows = list(rows)
    verified = _verified(rows)
    if not keep:
        if prepare is not None:
            prepare(rows)
        return _list(
            request,
            rows,
            card_html.cards(rows, verified, window),
            start=start,
            also=also,
            after=after,
        )
    slotted = [_slotted(row) for row in rows]
    keys = [card_key(row, verified.get(row.paper.pk, ()), window) for row in slotted]
    shared = _cache_get(keys)
    missing = {key: row for row, key in zip(slotted, keys, strict=True) if key not in shared}
    if missing:
        if prepare is not None:
            prepare(list(missing.values()))
        built = dict(zip(missing, card_html.cards(missing.values(), verified, window), strict=True))
        _cache_set(built)
        shared.update(built)
    cards = [_filled(shared[key], row) for row, key in zip(rows, keys, strict=True)]
    return _list(request, rows, cards, start=start, also=also, after=after)


def _verified(rows: Sequence[PaperRow]) -> dict[int, set[str]]:
    """Each row's verified authors: as read with the rows, else (rows without) in one query."""
    missing = [row.paper.pk for row in rows if row.verified_authors is None]
    found = {row.paper.pk: row.verified_authors for row in rows if row.verified_authors}
    return found | verified_author_names(paper_ids=missing)  # no query when none is missing


def _list(
    request: HttpRequest | None,
    rows: Sequence[PaperRow],
    cards: Sequence[str],
    *,
    start: int | None,
    also: Sequence[PaperRow],
    after: Mapping[int, str] | None,
) -> SafeString:
    """The ``<ol>`` of ``cards`` (each row's shared part), each behind its vote column."""
    after = after or {}
    opening = f' start="{int(start)}"' if start else ""
    parts = [f'<ol class="paper-list"{opening}>\n']
    for row, card, column in zip(rows, cards, _vote_columns(request, rows, also), strict=True):
        pk = row.paper.pk
        parts.append(
            f'<li class="paper-entry" id="paper-{pk}">\n'
            f'  <div class="entry-vote">{column}</div>\n'
            f"  {card}{after.get(pk, '')}</li>\n"
        )
    parts.append("</ol>")
    return mark_safe("".join(parts))


def search_cards(
    request: HttpRequest,
    rows: Sequence[PaperRow],
    start: int | None,
    also: Sequence[PaperRow],
    keep: bool,
) -> str:
    """A search page's cards (papers/search_page.py), as ``{% paper_cards rows start also %}``
    writes them; ``keep``: through the cards cache (see :func:`cards_html`)."""
    return cards_html(request, rows, start=start or None, also=also, keep=keep)


def _slotted(row: PaperRow) -> PaperRow:
    """The row whose card is cached: a search result's with slots for its highlighted title and
    abstract (see TITLE_SLOT), any other as it is."""
    if not (row.title_html or row.snippet_html):
        return row
    return dataclasses.replace(
        row,
        title_html=TITLE_SLOT if row.title_html else "",
        snippet_html=SNIPPET_SLOT if row.snippet_html else "",
    )


def _filled(card: str, row: PaperRow) -> str:
    """A cached card with this row's highlighted title and abstract in their slots."""
    if row.title_html:
        card = card.replace(TITLE_SLOT, row.title_html, 1)
    if row.snippet_html:
        card = card.replace(SNIPPET_SLOT, row.snippet_html, 1)
    return card


def _vote_columns(
    request: HttpRequest | None, rows: Sequence[PaperRow], also: Sequence[PaperRow]
) -> list[str]:
    """Each card's vote column for this reader, or, while a shared body is built
    (core/readerslots.py), a slot holding the paper's id and counts, filled per reader by
    :func:`card_filler`."""
    if readerslots.building():
        return [
            readerslots.slot("card", row.paper.pk, row.source_upvotes, row.local_upvotes)
            for row in rows
        ]
    ids = [row.paper.pk for row in rows]
    reader = Reader(request)
    voted = voted_ids(request, [*ids, *(row.paper.pk for row in also)])
    others = [part.boxes(request, ids, None) for part in _reader_parts]
    return [
        reader.box(row, row.paper.pk in voted) + "".join(other(row.paper.pk) for other in others)
        for row in rows
    ]
