"""Building digest and confirmation mail: templates under templates/email/<name>/.

A digest run renders each paper's block (HTML and text) once and reuses it for every subscriber
whose digest lists that paper; what is personal (order, links, header) is small.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from functools import lru_cache
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from paperfeed.digests import personal, schedule, tokens
from paperfeed.digests.models import Subscriber
from paperfeed.digests.selectors import Pool, digest_pool
from paperfeed.papers.models import Paper
from paperfeed.papers.rows import PaperRow
from paperfeed.recs import selectors as recs_selectors

MAX_AUTHORS = 6


def site_link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def mail_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def unsubscribe_mailto() -> str:
    configured = settings.PAPERFEED_DIGEST_UNSUBSCRIBE_MAILTO
    if configured:
        return configured
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or f"unsubscribe@{mail_domain()}"


def message_id(*, subscriber_id: int, period: str) -> str:
    """The same Message-ID every time this subscriber's digest for this period is sent, so a
    copy re-sent after a crash is recognisable as the same message (and merged by clients)."""
    mac = hmac.new(
        settings.SECRET_KEY.encode(), f"{subscriber_id}:{period}".encode(), hashlib.sha256
    ).hexdigest()[:16]
    return f"<digest.{period.replace(':', '.')}.{subscriber_id}.{mac}@{mail_domain()}>"


def links_for(subscriber: Subscriber) -> dict[str, str]:
    unsubscribe = tokens.make_token(subscriber=subscriber, purpose=tokens.UNSUBSCRIBE)
    preferences = tokens.make_token(subscriber=subscriber, purpose=tokens.PREFERENCES)
    return {
        "unsubscribe_url": site_link(reverse("digests:unsubscribe", args=[unsubscribe])),
        "preferences_url": site_link(reverse("digests:preferences", args=[preferences])),
        "unsubscribe_token": unsubscribe,
    }


def period_label(period: str) -> str:
    frequency, day = schedule.period_bounds(period)
    if frequency == schedule.WEEKLY:
        return f"Week of {day.day} {day:%B %Y}"
    return f"{day:%A} {day.day} {day:%B %Y}"


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    anchor: date | None
    paper_count: int
    links: dict[str, str]


@dataclass
class _Card:
    paper: Paper
    html: SafeString
    text: str
    categories: frozenset[str]
    haystack: str


class DigestBuilder:
    """Everything one send shares: pools, rendered paper blocks, keyword matches."""

    def __init__(self) -> None:
        self._pools: dict[tuple[str, bool], Pool] = {}
        self._cards: dict[int, _Card] = {}
        self._matches: dict[tuple[int, tuple[str, ...], tuple[str, ...]], bool] = {}

    def pool(self, *, frequency: str, with_code: bool) -> Pool:
        key = (frequency, with_code)
        if key not in self._pools:
            self._pools[key] = digest_pool(frequency=frequency, with_code=with_code)
        return self._pools[key]

    def _card(self, row: PaperRow) -> _Card:
        paper = row.paper
        card = self._cards.get(paper.pk)
        if card is None:
            names = row.authors
            authors = ", ".join(names[:MAX_AUTHORS]) + (
                " et al." if len(names) > MAX_AUTHORS else ""
            )
            context = {
                "paper": paper,
                "url": site_link(reverse("papers:paper", args=[paper.arxiv_id])),
                "authors": authors,
                # The one-line summary (labelled with where it comes from), else the
                # abstract's first sentence as before.
                "sentence": row.summary or personal.first_sentence(paper.abstract),
                "sentence_label": personal.summary_label(row.summary_source),
                "keywords": row.keywords,
                "upvotes": row.upvotes,
            }
            card = _Card(
                paper=paper,
                html=mark_safe(render_to_string("email/digest/_paper.html", context)),
                text=render_to_string("email/digest/_paper.txt", context).strip(),
                categories=frozenset(row.categories),
                # A subscriber's topic matches the title, the abstract or a key phrase.
                haystack="\n".join([paper.title, paper.abstract, *row.keywords]),
            )
            self._cards[paper.pk] = card
        return card

    def _matcher(self, subscriber: Subscriber) -> Callable[[_Card], bool]:
        categories = tuple(sorted(subscriber.categories))
        keywords = tuple(sorted(k.lower() for k in subscriber.keywords))
        wanted = frozenset(categories)
        pattern = personal.keyword_pattern(keywords)

        def matches(card: _Card) -> bool:
            key = (card.paper.pk, categories, keywords)
            found = self._matches.get(key)
            if found is None:
                found = bool(card.categories & wanted) or bool(
                    pattern is not None and pattern.search(card.haystack)
                )
                self._matches[key] = found
            return found

        return matches

    def sections(
        self, subscriber: Subscriber, frequency: str
    ) -> tuple[Pool, list[tuple[str, list[_Card]]]]:
        """The subscriber's sections: [(title, [cards])], in personal order."""
        pool = self.pool(frequency=frequency, with_code=subscriber.with_code)
        matches = self._matcher(subscriber)
        wanted = max(1, subscriber.paper_count)
        content = subscriber.content
        sections: list[tuple[str, list[_Card]]] = []
        taken: set[int] = set()
        parts: list[tuple[str, list[PaperRow]]] = []
        if content in (Subscriber.Content.FEATURED, Subscriber.Content.BOTH):
            parts.append(("Featured", pool.featured))
        if content in (Subscriber.Content.TRENDING, Subscriber.Content.BOTH):
            parts.append(("Trending", pool.trending))
        remaining = wanted
        if subscriber.for_you and subscriber.user_id is not None:
            # First, half the digest: this period's featured and trending papers as the
            # recommender ranks them for the subscriber's account (none twice: the sections
            # after it skip what it took).
            chosen = self._for_you(subscriber, pool, limit=(wanted + 1) // 2)
            taken.update(card.paper.pk for card in chosen)
            remaining -= len(chosen)
            if chosen:
                sections.append(("For you", chosen))
        for index, (title, rows) in enumerate(parts):
            share = remaining if index == len(parts) - 1 else (remaining + 1) // 2
            cards = [self._card(row) for row in rows if row.paper.pk not in taken]
            chosen = personal.personal_order(
                cards, matches=matches, only_matching=subscriber.only_matching, limit=share
            )
            taken.update(card.paper.pk for card in chosen)
            remaining -= len(chosen)
            if chosen:
                sections.append((title, chosen))
        return pool, sections

    def _for_you(self, subscriber: Subscriber, pool: Pool, *, limit: int) -> list[_Card]:
        user = subscriber.user
        if user is None or not user.is_active:
            return []
        rows = {row.paper.pk: row for row in [*pool.featured, *pool.trending]}
        found = recs_selectors.for_you(user=user, limit=limit, among=set(rows))
        return [self._card(rows[item.row.paper.pk]) for item in found.items]

    def render(
        self, *, subscriber: Subscriber, period: str, last_anchor: date | None = None
    ) -> Rendered | None:
        """The digest for this subscriber and period; None when there is nothing new to send."""
        frequency, _ = schedule.period_bounds(period)
        pool, sections = self.sections(subscriber, frequency)
        if pool.anchor is None or not sections:
            return None
        if last_anchor is not None and pool.anchor <= last_anchor:
            return None
        count = sum(len(cards) for _, cards in sections)
        label = period_label(period)
        links = links_for(subscriber)
        first_title = sections[0][1][0].paper.title
        kind = "Weekly papers" if frequency == schedule.WEEKLY else "Daily papers"
        subject_line = render_to_string(
            "email/digest/subject.txt", {"kind": kind, "first_title": first_title, "count": count}
        )
        # One line: a title with a line break must not spill into the headers.
        subject = " ".join(subject_line.split())[:200]
        context = {
            "label": label,
            "kind": kind,
            "anchor": pool.anchor,
            "count": count,
            "sections": [
                {"title": title, "html": mark_safe("".join(c.html for c in cards))}
                for title, cards in sections
            ],
            "text_sections": [
                {"title": title, "text": "\n\n".join(c.text for c in cards)}
                for title, cards in sections
            ],
            "site_url": settings.SITE_URL,
            **links,
        }
        return Rendered(
            subject=subject,
            text=render_to_string("email/digest/body.txt", context),
            html=render_to_string("email/digest/body.html", context),
            anchor=pool.anchor,
            paper_count=count,
            links=links,
        )


@lru_cache(maxsize=4096)
def _header_text(value: str) -> str:
    """A header value as RFC 2047 encoded words when it is not plain ASCII (cached: the same
    subjects and sender recur across thousands of digests)."""
    if value.isascii() and len(value) < 900:
        return value
    return Header(value, "utf-8", maxlinelen=76).encode(linesep="\r\n")


@lru_cache(maxsize=16)
def _from_header(configured: str) -> tuple[str, str]:
    """(From header, envelope sender) for DEFAULT_FROM_EMAIL, non-ASCII names encoded."""
    name, address = parseaddr(configured)
    return formataddr((name, address), charset="utf-8"), address


def _qp(text: str) -> bytes:
    # binascii does quoted-printable in C; CRLF line ends as SMTP wants them.
    body = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    return binascii.b2a_qp(body, istext=True).replace(b"\n", b"\r\n")


class _RawMime:
    """The part of email.message.Message that Django's backends use (SMTP, console, file,
    locmem), over bytes assembled with CRLF line ends: the body's lines end only there."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def as_bytes(self, linesep: str = "\n") -> bytes:
        return self.data if linesep == "\r\n" else self.data.replace(b"\r\n", linesep.encode())

    def as_string(self) -> str:
        return self.as_bytes().decode("utf-8", "replace")

    def get_charset(self) -> None:
        # Headers are ASCII (non-ASCII ones are RFC 2047 words) and bodies quoted-printable.
        return None


class DigestMessage(EmailMessage):
    """A digest whose MIME form is assembled once, directly as bytes; Django's SMTP backend
    sends it like any other message. Building it with the email package's generator cost
    more than the SMTP exchange itself (it re-encodes every header of every message)."""

    def __init__(self, *, raw: bytes, envelope_from: str, to: str, headers: dict[str, str]):
        super().__init__(from_email=envelope_from, to=[to], headers=headers)
        self.raw = raw

    def message(self, *, policy: object = None) -> _RawMime:
        return _RawMime(self.raw)


def digest_message(*, subscriber: Subscriber, period: str, rendered: Rendered) -> DigestMessage:
    """The MIME message: multipart/alternative (text, then HTML), UTF-8 quoted-printable,
    with a stable Message-ID, Date, and the RFC 8058 one-click unsubscribe headers."""
    links = rendered.links
    subject = quote("unsubscribe " + links["unsubscribe_token"])
    mailto = f"mailto:{unsubscribe_mailto()}?subject={subject}"
    from_header, envelope_from = _from_header(settings.DEFAULT_FROM_EMAIL)
    headers = {
        "From": from_header,
        "To": subscriber.email,
        "Subject": _header_text(rendered.subject),
        "Date": formatdate(localtime=False),
        "Message-ID": message_id(subscriber_id=subscriber.pk, period=period),
        "MIME-Version": "1.0",
        "List-Unsubscribe": f"<{links['unsubscribe_url']}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"paperfeed digest <digest.{mail_domain()}>",
        "Auto-Submitted": "auto-generated",
    }
    for value in headers.values():
        # Every value is ours or checked, but a line break here would be a header injection.
        if "\n" in value.replace("\r\n ", "") or "\r" in value.replace("\r\n ", ""):
            raise ValueError("line break in a mail header")
    boundary = f"=_pf_{uuid.uuid4().hex}"
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    head += f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
    part = (
        '--{b}\r\nContent-Type: text/{kind}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    )
    raw = b"".join(
        [
            head.encode("ascii"),
            part.format(b=boundary, kind="plain").encode("ascii"),
            _qp(rendered.text),
            b"\r\n",
            part.format(b=boundary, kind="html").encode("ascii"),
            _qp(rendered.html),
            f"\r\n--{boundary}--\r\n".encode("ascii"),
        ]
    )
    return DigestMessage(
        raw=raw,
        envelope_from=envelope_from,
        to=subscriber.email,
        headers={"Message-ID": headers["Message-ID"]},
    )


def stored_digest(*, subscriber: Subscriber, period: str, raw: bytes) -> DigestMessage:
    """A digest composed before (the outbox keeps it until its fate is known), to send again
    exactly as it was."""
    return DigestMessage(
        raw=raw,
        envelope_from=_from_header(settings.DEFAULT_FROM_EMAIL)[1],
        to=subscriber.email,
        headers={"Message-ID": message_id(subscriber_id=subscriber.pk, period=period)},
    )


def subscriber_message(*, kind: str, subscriber: Subscriber) -> EmailMultiAlternatives:
    """A confirmation ("confirm") or an already-subscribed note ("already"), its link signed
    now, so its lifetime starts when it is sent."""
    if kind == "confirm":
        token = tokens.make_token(subscriber=subscriber, purpose=tokens.CONFIRM)
        context = {
            "confirm_url": site_link(reverse("digests:confirm", args=[token])),
            "hours": settings.PAPERFEED_DIGEST_CONFIRM_HOURS,
        }
    else:
        context = {"preferences_url": links_for(subscriber)["preferences_url"]}
    return simple_message(template=kind, to=subscriber.email, context=context)


def simple_message(*, template: str, to: str, context: dict[str, object]) -> EmailMultiAlternatives:
    """A one-off mail from templates/email/<template>/{subject.txt,body.txt,body.html}."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"email/{template}/subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"email/{template}/body.txt", context),
        to=[to],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(
        render_to_string(f"email/{template}/body.html", context), "text/html"
    )
    return message
