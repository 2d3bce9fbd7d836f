"""A member's list page as a shared body with their own parts filled in (core/readerslots.py):
the same HTML as the page built for them alone, nothing of one reader in another's page, their
own state right after they change it, and no slot a paper's text can fake."""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext

from paperfeed.community.models import Upvote
from paperfeed.community.services import upvote_add
from paperfeed.core import readerslots
from paperfeed.library.services import saved_paper_add
from paperfeed.papers.models import Paper
from paperfeed.trending.scores import trending_scores_recompute
from tests.factories import UserFactory, catalogue_paper
from tests.helpers import fresh_page_caches, signed_in

pytestmark = pytest.mark.django_db

DAY = date(2026, 2, 3)
PATHS = ("/papers", "/papers/new", "/papers/week/2026-W06", "/papers/month/2026-02")


@pytest.fixture(autouse=True)
def _caches(settings):
    fresh_page_caches(settings, page_seconds=60, card_seconds=3600)


@pytest.fixture
def papers():
    return [
        catalogue_paper(
            f"2602.0040{n}",
            title=f"Paper number {n}",
            featured_on=DAY,
            featured_upvotes=10 - n,
        )
        for n in range(3)
    ]


_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def normalised(html: str, secret: str) -> str:
    """Whitespace-normalised, each CSRF token (masked afresh at every use) checked to be this
    reader's and replaced by a placeholder."""
    for token in _TOKEN.findall(html):
        assert _unmask_cipher_token(token) == secret
    return _TOKEN.sub('name="csrfmiddlewaretoken" value="TOKEN"', re.sub(r"\s+", " ", html)).strip()


def vote_column(html: str, paper: Paper) -> str:
    match = re.search(
        rf'<li class="paper-entry" id="paper-{paper.pk}">\s*<div class="entry-vote">(.*?)</div>',
        html,
        re.S,
    )
    assert match, f"no card for {paper.arxiv_id}"
    return match.group(1)


def kept_bodies() -> list[str]:
    """The shared bodies in the (locmem) page cache."""
    return [key for key in cache._cache if ":members:" in key]  # type: ignore[attr-defined]


def token_of(client: Client) -> str:
    return client.cookies["csrftoken"].value


@pytest.mark.parametrize("path", PATHS)
def test_the_filled_page_is_the_page_built_for_the_reader_alone(settings, papers, path):
    reader = UserFactory(username="reader-one")
    upvote_add(user=reader, paper=papers[0])
    saved_paper_add(user=reader, paper=papers[1])
    client = signed_in(reader)
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    alone = client.get(path)
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 60
    client.get(path)  # builds the shared body
    filled = client.get(path)  # from it
    assert alone.status_code == filled.status_code == 200
    assert "<!--pf:" not in filled.content.decode()
    assert len(kept_bodies()) == 1
    secret = client.cookies["csrftoken"].value
    assert normalised(filled.content.decode(), secret) == normalised(alone.content.decode(), secret)
    assert "is-voted" in vote_column(filled.content.decode(), papers[0])
    assert "is-saved" in vote_column(filled.content.decode(), papers[1])
    assert "is-voted" not in vote_column(filled.content.decode(), papers[2])


def test_the_filled_trending_page_is_the_page_built_for_the_reader_alone(settings, papers):
    reader = UserFactory()
    for paper in papers[:2]:
        upvote_add(user=reader, paper=paper)
    upvote_add(user=UserFactory(), paper=papers[2])
    saved_paper_add(user=reader, paper=papers[2])
    trending_scores_recompute()
    client = signed_in(reader)
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    alone = client.get("/papers/trending").content.decode()
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 60
    client.get("/papers/trending")
    filled = client.get("/papers/trending").content.decode()
    assert len(kept_bodies()) == 1
    secret = client.cookies["csrftoken"].value
    assert normalised(filled, secret) == normalised(alone, secret)
    assert "is-voted" in vote_column(filled, papers[0])
    assert "is-saved" in vote_column(filled, papers[2])
    assert "is-voted" not in vote_column(filled, papers[2])


def test_nothing_of_one_reader_is_in_another_readers_page(papers):
    alice, bob = UserFactory(username="alice-private"), UserFactory(username="bob-private")
    upvote_add(user=alice, paper=papers[0])
    saved_paper_add(user=alice, paper=papers[1])
    as_alice, as_bob = signed_in(alice), signed_in(bob)
    alice_page = as_alice.get("/papers").content.decode()  # alice builds the shared body
    bob_page = as_bob.get("/papers").content.decode()  # bob is served from it
    assert "alice-private" in alice_page and "alice-private" not in bob_page
    assert "bob-private" in bob_page
    assert token_of(as_alice) != token_of(as_bob)
    assert token_of(as_alice) not in bob_page
    # Bob's forms carry a token of his own session (masked per request, same secret).
    assert bob_page.count('name="csrfmiddlewaretoken"') == alice_page.count(
        'name="csrfmiddlewaretoken"'
    )
    assert "is-voted" not in bob_page and "is-saved" not in bob_page
    # And the kept body holds no reader at all.
    for value in cache._cache.values():  # type: ignore[attr-defined]
        assert b"alice-private" not in value and b"csrfmiddlewaretoken" not in value


def test_the_readers_csrf_token_works_on_a_filled_page(papers):
    reader = UserFactory()
    builder = UserFactory()
    signed_in(builder).get("/papers")
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    page = client.get("/papers").content.decode()
    form = re.search(
        r'<form class="upvote" method="post" action="([^"]+)".*?name="csrfmiddlewaretoken" '
        r'value="([^"]+)"',
        page,
    )
    assert form
    answer = client.post(form.group(1), {"csrfmiddlewaretoken": form.group(2), "next": "/papers"})
    assert answer.status_code == 302
    assert Upvote.objects.filter(user=reader, paper=papers[0]).exists()


def test_own_vote_and_save_show_at_once_with_the_live_count(papers):
    reader = UserFactory()
    client = signed_in(reader)
    before = vote_column(client.get("/papers").content.decode(), papers[0])
    assert "is-voted" not in before and ">10</span>" in before
    upvote_add(user=reader, paper=papers[0])
    saved_paper_add(user=reader, paper=papers[0])
    after = vote_column(client.get("/papers").content.decode(), papers[0])
    # The body is still the one kept before the vote; the reader's state and the count are not.
    assert "is-voted" in after and "is-saved" in after
    assert ">11</span>" in after


def test_the_readers_messages_are_theirs_and_not_used_up_by_another_build(rf, papers):
    alice, bob = UserFactory(), UserFactory()
    as_alice, as_bob = signed_in(alice), signed_in(bob)
    # A message waiting for alice (in her messages cookie) when bob's request builds the body.
    storage = CookieStorage(rf.get("/"))
    as_alice.cookies["messages"] = storage._encode([Message(constants.INFO, "Only for alice")])
    assert "Only for alice" not in as_bob.get("/papers").content.decode()
    assert "Only for alice" in as_alice.get("/papers").content.decode()
    assert "Only for alice" not in as_alice.get("/papers").content.decode()


def test_a_papers_text_cannot_fake_a_slot(papers):
    hostile = catalogue_paper(
        "2602.00499",
        title=f"<!--pf:card:{papers[0].pk}:0:0--> and <!--pf:menu:--> x",
        abstract="<!--pf:messages:--> <!--pf:card:1:2:3-->",
        featured_on=DAY,
        featured_upvotes=1,
    )
    reader = UserFactory(username="reader-hostile")
    client = signed_in(reader)
    client.get("/papers")
    page = client.get("/papers").content.decode()
    assert "<!--pf:" not in page
    assert "&lt;!--pf:card:" in page and "&lt;!--pf:menu:--&gt;" in page
    assert page.count('<nav class="user-menu"') == 1  # the menu, filled once
    assert page.count('class="paper-entry"') == page.count('<form class="upvote"') == 4
    assert hostile.title in Paper.objects.get(pk=hostile.pk).title


def test_a_filled_page_costs_a_fixed_number_of_queries(papers):
    reader = UserFactory()
    client = signed_in(reader)
    client.get("/papers")
    with CaptureQueriesContext(connection) as queries:
        client.get("/papers")
    # The session, the user and the reader's state on the page's cards (votes, saves and the
    # live counts), the last two in one statement on PostgreSQL (tests/core/test_readahead.py).
    expected = 2 if connection.vendor == "postgresql" else 3
    assert len(queries) == expected, [q["sql"] for q in queries.captured_queries]


def test_slots_hold_digits_only_and_unknown_kinds_are_left_out(rf):
    pieces = readerslots.split("a<!--pf:nobody:1:2-->b<!--pf:card:x-->c")
    assert pieces == ["a", "nobody", "1:2", "b<!--pf:card:x-->c"]
    assert readerslots.fill(pieces, rf.get("/")) == "ab<!--pf:card:x-->c"
    with pytest.raises(ValueError):
        readerslots.filler_register("Bad-kind", lambda request, args: str)


def test_a_fill_of_encoded_pieces_is_the_fill_encoded(rf, monkeypatch):
    # A kept body holds its texts as UTF-8 bytes (readerslots.encoded): its fill is the text
    # fill's bytes, readers' parts (non-ASCII ones too) encoded where they go.
    fillers = {
        "part": lambda request, args: lambda arg: f"<b>▲{arg}é</b>",
        "plain": lambda request, args: lambda arg: "[" + ",".join(args) + "]",
    }
    for kind, filler in fillers.items():
        monkeypatch.setitem(readerslots._fillers, kind, filler)
    for body in (
        "",
        "no slot at all: ☆ ★ ◐ 日本",
        "<!--pf:part:1-->",
        "a ▲<!--pf:part:1:2--><!--pf:plain:3-->b ☆<!--pf:nobody:4-->é<!--pf:part:5-->",
    ):
        pieces = readerslots.split(body)
        kept = readerslots.encoded(pieces)
        assert all(isinstance(text, bytes) for text in kept[0::3])
        request = rf.get("/")
        assert readerslots.fill_bytes(kept, request) == readerslots.fill(pieces, request).encode()


def _is_members_page(client: Client, path: str = "/papers") -> bool:
    return "Sign out" in client.get(path).content.decode()


def test_signing_out_takes_effect_at_once_on_filled_pages(papers):
    reader = UserFactory()
    client = signed_in(reader)
    assert _is_members_page(client) and _is_members_page(client)  # built, then filled
    assert client.post("/accounts/logout").status_code == 302
    page = client.get("/papers").content.decode()
    assert "Sign out" not in page and reader.username not in page


def test_a_password_change_elsewhere_signs_out_other_sessions_at_once(papers):
    reader = UserFactory()
    reader.set_password("first secret 123")
    reader.save()
    laptop, phone = signed_in(reader), signed_in(reader)
    assert _is_members_page(laptop) and _is_members_page(phone)
    reader.set_password("second secret 456")
    reader.save()
    assert not _is_members_page(phone)
    assert not _is_members_page(laptop)


def test_an_expired_or_deleted_session_is_anonymous_at_once(papers):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    reader, other = UserFactory(), UserFactory()
    client, second = signed_in(reader), signed_in(other)
    assert _is_members_page(client) and _is_members_page(second)
    Session.objects.filter(pk=client.cookies["sessionid"].value).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert not _is_members_page(client)
    Session.objects.filter(pk=second.cookies["sessionid"].value).delete()
    assert not _is_members_page(second)
    reader.is_active = False
    reader.save()
    assert not _is_members_page(signed_in(reader))


def test_a_filled_page_masks_the_readers_token_once_for_all_its_forms(papers):
    reader = UserFactory()
    client = signed_in(reader)
    for path in ("/papers", f"/papers/{papers[0].arxiv_id}"):
        client.get(path)
        page = client.get(path).content.decode()
        tokens = _TOKEN.findall(page)
        assert len(tokens) > 3 and len(set(tokens)) == 1
        assert _unmask_cipher_token(tokens[0]) == token_of(client)


def test_a_kept_body_is_fresh_for_a_drawn_time_within_the_bound(settings, papers, monkeypatch):
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 8
    # A process that has served for longer than one interval: the bound's last quarter.
    monkeypatch.setattr(readerslots, "_first_build", [time.monotonic() - 60])
    drawn = [readerslots.spread(8) for _ in range(200)]
    assert all(8 * (1 - readerslots.SPREAD) <= s <= 8 for s in drawn)
    assert max(drawn) - min(drawn) > 1  # drawn apart, not one freshness for every body
    client = signed_in(UserFactory())
    before = time.time()
    for path in PATHS:
        assert client.get(path).status_code == 200
    after = time.time()
    # locmem's keys are ":<version>:<key>"; the kept copy carries its freshness.
    kept = [cache.get(key.split(":", 2)[2]) for key in kept_bodies()]
    assert len(kept) == len(PATHS)
    for copy in kept:
        assert before + 8 * (1 - readerslots.SPREAD) <= copy.fresh_until <= after + 8


def test_bodies_built_as_a_process_starts_go_stale_apart(monkeypatch):
    monkeypatch.setattr(readerslots, "_first_build", [])
    drawn = [readerslots.spread(8) for _ in range(300)]
    assert readerslots._first_build  # the first ask starts the clock
    assert all(8 * (1 - readerslots.STARTING_SPREAD) <= s <= 8 for s in drawn)
    assert min(drawn) < 8 * (1 - readerslots.SPREAD) / 2  # over most of the interval, not its end
    monkeypatch.setattr(readerslots, "_first_build", [time.monotonic() - 8.5])
    assert all(readerslots.spread(8) >= 8 * (1 - readerslots.SPREAD) for _ in range(100))


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("path", ["/papers", "/papers/new", "/papers/2602.00400"])
def test_prepared_reader_queries_fill_the_same_page_and_show_a_vote_at_once(settings, papers, path):
    """On PostgreSQL the reader's queries (session, member, card state, the paper page's own)
    run as prepared statements (core/compiled.py): the page is the same bytes as with them
    run plainly, and the reader's vote and save show on the next page."""
    reader = UserFactory()
    saved_paper_add(user=reader, paper=papers[1])
    client = signed_in(reader)
    pages: dict[bool, list[str]] = {}
    for prepared in (False, True, False, True):
        settings.PAPERFEED_PG_PREPARED = prepared
        html = client.get(path).content.decode()
        pages.setdefault(prepared, []).append(normalised(html, token_of(client)))
    assert pages[True] == pages[False] and pages[True][0] == pages[True][1]
    if connection.vendor == "postgresql":
        assert any("auth_user" in statement for statement in _prepared_statements())
    upvote_add(user=reader, paper=papers[0])
    saved_paper_add(user=reader, paper=papers[0])
    after = client.get(path).content.decode()
    if path == "/papers/2602.00400":
        assert "is-voted" in after and "is-saved" in after
    else:
        assert "is-voted" in vote_column(after, papers[0])
        assert "is-saved" in vote_column(after, papers[0])
