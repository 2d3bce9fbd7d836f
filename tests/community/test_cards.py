"""Cards rendered once and shared by every reader (community/cards.py): every change a card shows
gives it a new key, each reader sees their own vote on the same cached card, nothing of a reader
is kept or shown to another, and a signed-in page costs a fixed number of queries."""

from __future__ import annotations

import pickle
import re
from datetime import date

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client

from paperfeed.accounts.roles import curator_grant
from paperfeed.community import cards
from paperfeed.community.selectors import verified_author_names
from paperfeed.community.services import (
    claim_create,
    claim_decide,
    comment_create,
    upvote_add,
)
from paperfeed.papers.models import Author, Featured, Paper
from paperfeed.papers.row_selectors import papers_by_ids, rows_for
from paperfeed.papers.rows import PaperRow
from paperfeed.papers.services import (
    featured_add,
    featured_pin,
    paper_hide,
    papers_code_stars_set,
    thumbnail_save,
)
from tests.factories import UserFactory, catalogue_paper
from tests.helpers import fresh_page_caches, signed_in, webp_image

pytestmark = pytest.mark.django_db

DAY = date(2026, 2, 3)


@pytest.fixture(autouse=True)
def _caches(settings):
    # The anonymous page cache off, so each request builds its page from the cards; the card
    # cache on (its default), emptied for each test.
    fresh_page_caches(settings, page_seconds=0, card_seconds=3600)


@pytest.fixture
def papers():
    return [
        catalogue_paper(
            f"2602.0030{n}",
            title=f"Paper number {n}",
            authors=("Ada Lovelace", "Alan Turing"),
            featured_on=DAY,
            featured_upvotes=10 - n,
        )
        for n in range(3)
    ]


def card_of(html: str, paper: Paper) -> str:
    """One card's markup, vote box included."""
    match = re.search(rf'<li class="paper-entry" id="paper-{paper.pk}">.*?</li>', html, re.S)
    assert match, f"no card for {paper.arxiv_id}"
    return match.group(0)


def vote_box(html: str, paper: Paper) -> str:
    return card_of(html, paper).split('<article class="entry-body"')[0]


def stored_cards() -> list[str]:
    """Every shared part in the (per-process, locmem) card cache."""
    return [pickle.loads(value) for value in caches["cards"]._cache.values()]  # type: ignore[attr-defined]  # noqa: S301


def cached_count() -> int:
    return len(caches["cards"]._cache)  # type: ignore[attr-defined]


def test_cards_are_rendered_once_and_then_served_from_the_cache(client, papers, monkeypatch):
    first = client.get("/papers").content.decode()
    assert cached_count() == 3
    rendered = []
    real = cards.card_html.card

    def counting(row, verified, window=None):
        rendered.append(row.paper.pk)
        return real(row, verified, window)

    monkeypatch.setattr(cards.card_html, "card", counting)
    again = client.get("/papers").content.decode()
    assert rendered == []  # every card came from the cache
    assert again == first


def test_two_readers_see_their_own_vote_on_the_same_cached_card(papers):
    alice, bob = UserFactory(), UserFactory()
    upvote_add(user=alice, paper=papers[1])
    alice_page = signed_in(alice).get("/papers").content.decode()
    bob_page = signed_in(bob).get("/papers").content.decode()
    assert cached_count() == 3  # one shared card per paper, not one per reader
    assert 'class="upvote-button is-voted" aria-pressed="true"' in vote_box(alice_page, papers[1])
    assert "is-voted" not in vote_box(alice_page, papers[0])
    assert "is-voted" not in bob_page and 'aria-pressed="false"' in vote_box(bob_page, papers[1])
    # The one count, the same for both, and the same the API gives.
    assert ">10</span>" in vote_box(alice_page, papers[1])  # 9 at the source + alice's vote
    assert ">10</span>" in vote_box(bob_page, papers[1])
    api = Client().get(f"/api/papers/{papers[1].arxiv_id}").json()
    assert api["upvotes"] == 10
    # Each reader's form carries their own session's token; neither's is in the shared part.
    for page in (alice_page, bob_page):
        assert page.count("csrfmiddlewaretoken") >= 3


def test_nothing_of_a_reader_is_kept_in_the_shared_cards_or_the_anonymous_page(settings, papers):
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 60
    alice = UserFactory(username="alice-private")
    upvote_add(user=alice, paper=papers[0])
    signed_in(alice).get("/papers")
    for html in stored_cards():
        assert "csrfmiddlewaretoken" not in html and "is-voted" not in html
        assert "alice-private" not in html and "upvote" not in html
    anonymous = Client().get("/papers").content.decode()
    assert "is-voted" not in anonymous and "csrfmiddlewaretoken" not in anonymous
    assert "alice-private" not in anonymous
    assert "Sign in to upvote" in vote_box(anonymous, papers[0])
    # The anonymous copy (now in the page cache) is what the next stranger gets.
    assert Client().get("/papers").content.decode() == anonymous


def _page(client: Client, paper: Paper) -> str:
    return card_of(client.get("/papers").content.decode(), paper)


def test_an_upvote_changes_the_count_and_keeps_every_card_cached(papers):
    reader = signed_in(UserFactory())
    reader.get("/papers")
    keys = set(caches["cards"]._cache)  # type: ignore[attr-defined]
    upvote_add(user=UserFactory(), paper=papers[2])
    assert ">9</span>" in _page(reader, papers[2])  # 8 at the source + 1 here
    assert set(caches["cards"]._cache) == keys  # type: ignore[attr-defined]


def test_each_change_a_card_shows_renews_that_card(settings, tmp_path, papers):
    settings.PAPERFEED_THUMBNAIL_DIR = tmp_path
    reader = signed_in(UserFactory())
    member, curator = UserFactory(verified=True), UserFactory(verified=True)
    curator_grant(user=curator)
    target = papers[0]
    before = _page(reader, target)
    assert "0 comments<" in before

    comment_create(user=member, paper=target, body="Nice result.")
    after = _page(reader, target)
    assert "1 comment<" in after

    Paper.objects.filter(pk=target.pk).update(title="An edited title")
    assert "An edited title" in _page(reader, target)

    papers_code_stars_set(stars={target.pk: 1234})
    Paper.objects.filter(pk=target.pk).update(code_url="https://github.com/example/repo")
    assert "Code ★ 1.2k" in _page(reader, target)

    assert "pf-thumb--placeholder" in _page(reader, target)
    thumbnail_save(paper=target, image=webp_image(), width=320, height=414)
    assert f'src="/thumbs/{target.arxiv_id}.webp?v=' in _page(reader, target)

    assert "verified-badge" not in _page(reader, target)
    ada = Author.objects.get(name="Ada Lovelace")
    claim = claim_create(user=member, paper=target, author=ada)
    claim_decide(curator=curator, claim=claim, approve=True)
    assert "verified-badge" in _page(reader, target)

    entry = Featured.objects.get(paper=papers[2], day=DAY)
    featured_pin(curator=curator, featured=entry)
    assert 'class="pinned"' in _page(reader, papers[2])

    later = catalogue_paper("2602.00399", title="Featured by hand")
    featured_add(curator=curator, paper=later, day=DAY)
    assert f'id="paper-{later.pk}"' in reader.get("/papers").content.decode()

    paper_hide(curator=curator, paper=target)
    assert f'id="paper-{target.pk}"' not in reader.get("/papers").content.decode()


def test_a_new_day_renews_relative_dates(papers, monkeypatch):
    # "yesterday" is true for a day: the key carries the day, so tomorrow's page renders anew.
    row = PaperRow(paper=papers[0])
    today = cards.card_key(row, ())
    monkeypatch.setattr(cards.timezone, "localdate", lambda: date(2030, 1, 1))
    assert cards.card_key(row, ()) != today


@pytest.mark.parametrize("count", [3, 30])
def test_a_signed_in_page_costs_the_same_queries_however_many_cards(
    count, django_assert_num_queries
):
    for n in range(count):
        catalogue_paper(f"2602.{n + 400:05d}", featured_on=DAY, featured_upvotes=n)
    reader = UserFactory()
    upvote_add(user=reader, paper=Paper.objects.first())
    client = signed_in(reader)
    client.get("/papers/new")  # the cards are cached now
    # /papers/new: session, user, the page and its count, the authors, categories, source
    # counts and verified authors (one query), the reader's votes, the reader's saved papers
    # (the library's part of the card): 7, whether 3 or 30 cards (the menu's curator check is
    # remembered); /papers also finds the latest day and its neighbours, and has the source
    # counts from its own ranking query (on PostgreSQL its papers and their authors,
    # categories and verified authors are one query, papers.row_selectors.papers_by_ids).
    papers_page = 10 if connection.vendor == "postgresql" else 11
    for path, queries in (("/papers/new", 7), ("/papers", papers_page)):
        with django_assert_num_queries(queries):
            html = client.get(path).content.decode()
        assert html.count('class="paper-entry"') == count
        assert html.count("is-voted") == 1
        assert html.count('<form class="save"') == count


def test_the_card_cache_off_renders_the_same_page(settings, papers):
    reader = signed_in(UserFactory())
    cached = reader.get("/papers").content.decode()
    settings.PAPERFEED_CARD_CACHE_SECONDS = 0
    caches["cards"].clear()
    fresh = reader.get("/papers").content.decode()
    strip = re.compile(r'value="[A-Za-z0-9]{64}"')
    assert strip.sub("", fresh) == strip.sub("", cached)
    assert cached_count() == 0


def test_search_results_share_one_cached_card_per_paper_and_fill_in_their_highlights(
    settings, client, papers
):
    from paperfeed.papers import textindex_build

    textindex_build.textindex_rebuild()
    # A search nobody asked before neither reads nor keeps cards (see the test below); asked
    # again (its ids from the result cache), its cards are kept.
    new = client.get("/search", {"q": "paper number", "mode": "keyword"}).content.decode()
    assert cached_count() == 0
    first = client.get("/search", {"q": "paper number", "mode": "keyword"}).content.decode()
    assert first == new
    assert cached_count() == 3
    client.get("/search", {"q": "number", "mode": "keyword"})
    again = client.get("/search", {"q": "number", "mode": "keyword"}).content.decode()
    # The same three shared parts, with each query's own highlighting put in their slots.
    assert cached_count() == 3
    assert "<mark>Paper</mark> <mark>number</mark> 1" in card_of(first, papers[1])
    assert "Paper <mark>number</mark> 1" in card_of(again, papers[1])
    assert "<mark>Paper</mark>" not in again
    assert cards.TITLE_SLOT not in again and cards.SNIPPET_SLOT not in again
    # A list's card (no highlighting) is not the search one.
    listed = client.get("/papers").content.decode()
    assert cached_count() == 6
    assert "<mark>" not in card_of(listed, papers[1])
    # With the card cache off, the same search page.
    settings.PAPERFEED_CARD_CACHE_SECONDS = 0
    assert client.get("/search", {"q": "number", "mode": "keyword"}).content.decode() == again


def test_a_card_slot_cannot_be_forged_by_a_paper_text(client):
    from paperfeed.papers import textindex_build

    catalogue_paper(
        "2602.00401",
        title=f"Slots {cards.SNIPPET_SLOT} in titles",
        abstract=f"An abstract that mentions {cards.TITLE_SLOT} slots.",
        authors=(f"Eve {cards.TITLE_SLOT}",),
    )
    textindex_build.textindex_rebuild()
    html = client.get("/search", {"q": "slots", "mode": "keyword"}).content.decode()
    assert cards.TITLE_SLOT not in html and cards.SNIPPET_SLOT not in html
    assert "&lt;!--pf:snippet--&gt;" in html and "<mark>Slots</mark>" in html


def test_a_new_search_renders_its_cards_without_the_card_cache_and_the_same_page(client, papers):
    from paperfeed.papers import textindex_build

    textindex_build.textindex_rebuild()
    query = {"q": "paper number", "mode": "hybrid"}
    new = client.get("/search", query).content.decode()
    assert cached_count() == 0  # no key, no read, no write for a search asked the first time
    assert client.get("/search", query).content.decode() == new
    kept = cached_count()
    assert kept >= 3
    assert client.get("/search", query).content.decode() == new  # now served from the cache
    assert cached_count() == kept
    assert cards.TITLE_SLOT not in new and cards.SNIPPET_SLOT not in new


def test_the_rows_bring_their_verified_authors_and_the_cards_ask_no_query_for_them(
    django_assert_num_queries,
):
    """papers_by_ids and rows_for read each paper's verified authors in their own statement
    (community's SQL, registered with papers' row selectors): the names of approved claims
    only, as verified_author_names gives them; a list of cards built from those rows asks
    nothing more for them, and rows built without them are still asked about."""
    member, curator = UserFactory(verified=True), UserFactory(verified=True)
    curator_grant(user=curator)
    both = catalogue_paper("2602.00501", authors=("Ada Lovelace", "Alan Turing", "Kurt Gödel"))
    pending = catalogue_paper("2602.00502", authors=("Alan Turing",))
    plain = catalogue_paper("2602.00503", authors=("Ada Lovelace",))
    for name in ("Ada Lovelace", "Kurt Gödel"):
        claim = claim_create(user=member, paper=both, author=Author.objects.get(name=name))
        claim_decide(curator=curator, claim=claim, approve=True)
    claim_create(user=member, paper=pending, author=Author.objects.get(name="Alan Turing"))
    ids = [both.pk, pending.pk, plain.pk]

    rows = papers_by_ids(ids=ids, card_only=True)
    expected = verified_author_names(paper_ids=ids)
    assert expected == {both.pk: {"Ada Lovelace", "Kurt Gödel"}}
    assert [row.verified_authors for row in rows] == [{"Ada Lovelace", "Kurt Gödel"}, set(), set()]
    assert [
        row.verified_authors
        for row in rows_for(list(Paper.objects.filter(pk__in=ids).order_by("pk")))
    ] == [expected.get(pk, set()) for pk in sorted(ids)]

    with django_assert_num_queries(0):
        html = cards.cards_html(None, rows, keep=False)
    assert html.count("verified-badge") == 2
    # Rows made elsewhere without them (PaperRow's default): one query, the same badges.
    bare = [PaperRow(paper=row.paper, authors=row.authors) for row in rows]
    with django_assert_num_queries(1):
        assert cards.cards_html(None, bare, keep=False).count("verified-badge") == 2
