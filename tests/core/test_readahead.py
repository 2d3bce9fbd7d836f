"""A member's own reads on a page filled from a shared body, in one statement
(core/readahead.read_ahead, core/compiled.rows_together): how many queries a page costs,
each reader's state theirs alone, and the member checked as Django checks them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from paperfeed.community.selectors import comment_version, comment_version_query
from paperfeed.community.services import comment_create, upvote_add
from paperfeed.core.compiled import rows_together
from paperfeed.library.models import Collection
from paperfeed.library.selectors import collection_choices_query
from paperfeed.library.services import saved_paper_add
from paperfeed.papers.models import Featured, Paper
from tests.core.test_readerslots import _caches, normalised, papers, token_of, vote_column
from tests.factories import UserFactory
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

LISTS = ("/papers", "/papers/new", "/papers/week/2026-W06", "/papers/month/2026-02")
# The shared-body tests' fixtures, used here by name: their page caches (autouse) and papers.
__all__ = ["_caches", "papers"]


def _queries(client, path: str) -> list[str]:
    client.get(path)  # builds the shared body (and the comment thread)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def _statements(reads: int) -> int:
    """How many statements a member's ``reads`` take: one on PostgreSQL (the round trips are
    what they cost), each its own on SQLite (no round trip, and their union cost it more)."""
    return 1 if connection.vendor == "postgresql" else reads


@pytest.mark.parametrize("path", LISTS)
def test_a_members_list_page_is_the_session_and_one_query(papers, path):
    """The member's row and their state on the page's cards (votes, saves, live counts) are
    one statement on PostgreSQL: with the session's, two queries a filled list page (three
    before)."""
    reader = UserFactory()
    upvote_add(user=reader, paper=papers[0])
    queries = _queries(signed_in(reader), path)
    assert len(queries) == 1 + _statements(2), queries
    assert "django_session" in queries[0]
    assert "auth_user" in queries[1] and "community_upvote" in queries[-1]


def test_a_members_paper_page_is_the_session_and_one_query(papers):
    """The session, and one statement on PostgreSQL for the paper's version (whether the kept
    body is still what the page shows), the member, their vote and save, whether they may set
    the code link, their collections and the comment thread's version (seven queries
    before)."""
    reader = UserFactory()
    Collection.objects.create(owner=reader, name="Reading", slug="reading")
    comment_create(user=UserFactory(), paper=papers[0], body="A first comment.")
    queries = _queries(signed_in(reader), f"/papers/{papers[0].arxiv_id}")
    assert len(queries) == 1 + _statements(6), queries
    together = " ".join(queries[1:])
    for table in ("papers_featured", "auth_user", "community_upvote", "library_collection"):
        assert table in together


def test_each_readers_state_on_a_paper_page_is_their_own(papers):
    paper = papers[0]
    path = f"/papers/{paper.arxiv_id}"
    alice, bob = UserFactory(username="alice-reads"), UserFactory(username="bob-reads")
    upvote_add(user=alice, paper=paper)
    saved_paper_add(user=alice, paper=paper)
    Collection.objects.create(owner=alice, name="Alice's shelf", slug="alices-shelf")
    Featured.objects.filter(paper=paper).update(featured_by=alice)
    as_alice, as_bob = signed_in(alice), signed_in(bob)
    as_alice.get(path)  # alice builds the shared body
    for _ in range(2):  # bob is served from it, and again from his own reads ahead
        bob_page = as_bob.get(path).content.decode()
        assert "is-voted" not in bob_page and "is-saved" not in bob_page
        assert "Alice&#x27;s shelf" not in bob_page and "alice-reads" not in bob_page
        assert 'name="code_url"' not in bob_page  # the code-link form is alice's (featured it)
        assert token_of(as_alice) not in bob_page
    alice_page = as_alice.get(path).content.decode()
    assert "is-voted" in alice_page and "is-saved" in alice_page
    assert "Alice&#x27;s shelf" in alice_page and 'name="code_url"' in alice_page


@pytest.mark.parametrize("path", [*LISTS, "/papers/2602.00400"])
def test_the_page_filled_from_reads_ahead_is_the_page_built_for_the_reader_alone(
    settings, papers, path
):
    reader = UserFactory(username="reader-ahead")
    upvote_add(user=reader, paper=papers[0])
    saved_paper_add(user=reader, paper=papers[2])
    Collection.objects.create(owner=reader, name="Mine <b>", slug="mine")
    comment_create(user=reader, paper=papers[0], body="My comment.")
    client = signed_in(reader)
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    alone = client.get(path).content.decode()
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 60
    client.get(path)
    filled = client.get(path).content.decode()
    secret = token_of(client)
    assert normalised(filled, secret) == normalised(alone, secret)
    if path in LISTS:
        assert "is-voted" in vote_column(filled, papers[0])
        assert "is-saved" in vote_column(filled, papers[2])
    else:
        assert "is-voted" in filled and "Mine &lt;b&gt;" in filled and "My comment." in filled


def test_a_session_naming_no_member_any_more_gets_anyones_page(papers):
    reader = UserFactory(username="gone-reader")
    reader.set_password("first secret 123")
    reader.save()
    client = signed_in(reader)
    client.get("/papers")
    assert "gone-reader" in client.get("/papers").content.decode()
    reader.set_password("second secret 456")  # elsewhere: this session no longer counts
    reader.save()
    page = client.get("/papers").content.decode()
    assert "Sign out" not in page and "gone-reader" not in page
    assert "<!--pf:" not in page and 'class="upvote-button"' in page


def test_rows_together_are_each_querys_own_rows(papers):
    """Reads of different shapes (ints, text, booleans, times, none found) in one statement
    give each query the rows it gives alone, on either database."""
    reader = UserFactory()
    Collection.objects.create(owner=reader, name="Zeta", slug="zeta", is_public=False)
    Collection.objects.create(owner=reader, name="Alpha", slug="alpha")
    comment_create(user=reader, paper=papers[1], body="Something.")
    reads = [
        collection_choices_query(owner_id=reader.pk),
        comment_version_query(paper_id=papers[1].pk),
        comment_version_query(paper_id=papers[2].pk),
        collection_choices_query(owner_id=reader.pk + 1000),
    ]
    together = rows_together(reads)
    alone = [query.rows(values) for query, values in reads]
    assert [[tuple(row) for row in rows] for rows in alone] == together
    assert rows_together(reads[:2]) == together[:2]  # two parts: typed without a first part
    assert [name for _, name, _ in together[0]] == ["Alpha", "Zeta"]
    assert tuple(together[1][0]) == comment_version(paper_id=papers[1].pk)
    assert together[3] == []


def test_a_change_to_the_paper_shows_at_once_on_its_kept_page(papers):
    """The paper's version is read with the member's reads; a kept body built from another
    version of the paper is built afresh at once, for every member."""
    paper = papers[0]
    path = f"/papers/{paper.arxiv_id}"
    alice, bob = signed_in(UserFactory()), signed_in(UserFactory())
    alice.get(path)
    assert 'class="upvote-total">10 (' in bob.get(path).content.decode()
    upvote_add(user=UserFactory(), paper=paper)
    assert 'class="upvote-total">11 (' in alice.get(path).content.decode()
    Paper.objects.filter(pk=paper.pk).update(title="A title changed by an import")
    with CaptureQueriesContext(connection) as queries:
        page = bob.get(path).content.decode()
    assert "A title changed by an import" in page and 'class="upvote-total">11 (' in page
    assert len(queries) > 1 + _statements(6)  # built again
    # And kept again: answered early, the session's row read with the member's (PostgreSQL).
    assert len(_queries(bob, path)) == (1 if connection.vendor == "postgresql" else 1 + 6)


def test_a_members_body_built_by_another_process_is_served_and_a_change_shows_at_once(papers):
    """A process without its own copy of a member's body takes the one another process built
    (the host's shared file) instead of building it, the same page; and a change to the paper
    still shows at once on it."""
    from django.core.cache import cache

    paper = papers[0]
    path = f"/papers/{paper.arxiv_id}"
    alice, bob = signed_in(UserFactory()), signed_in(UserFactory())
    first = alice.get(path).content.decode()
    cache.clear()  # another process: none of this one's copies
    with CaptureQueriesContext(connection) as queries:
        assert bob.get(path).status_code == 200
    # Nothing built, neither body nor thread: the session, the reads, and the curators' ids
    # (the menu's, kept a minute by each process).
    assert len(queries) == 1 + _statements(6) + 1
    assert normalised(alice.get(path).content.decode(), token_of(alice)) == normalised(
        first, token_of(alice)
    )
    Paper.objects.filter(pk=paper.pk).update(title="A title changed by an import")
    cache.clear()
    assert "A title changed by an import" in bob.get(path).content.decode()
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        page = alice.get(path).content.decode()
    assert len(queries) == 1 + _statements(6) + 1  # the new body, from the file
    assert "A title changed by an import" in page


def test_after_a_change_a_process_takes_the_body_another_built_from_the_new_version(
    papers, monkeypatch, settings
):
    """A vote or an edit changes the paper's version: the first process to serve the page
    builds it again, and another process holding the old body takes that one from the host's
    shared file instead of building it too."""
    # The full stack's reads alone: the early path (core/memberpath.py) would find the version
    # moved first, with a session read and a statement of its own, and hand over.
    settings.PAPERFEED_MEMBER_PATH = False
    from django.core.cache.backends.locmem import LocMemCache

    from paperfeed.core import caching

    paper = papers[0]
    path = f"/papers/{paper.arxiv_id}"
    alice, bob = signed_in(UserFactory()), signed_in(UserFactory())
    workers = [LocMemCache("worker-0", {}), LocMemCache("worker-1", {})]
    for worker, client in ((0, alice), (1, bob)):
        monkeypatch.setattr(caching, "cache", workers[worker])
        client.get(path)
        client.get(path)  # each process holds the body (and the curators' ids) of its own
    Paper.objects.filter(pk=paper.pk).update(title="A title changed by an import")
    monkeypatch.setattr(caching, "cache", workers[0])
    assert "A title changed by an import" in alice.get(path).content.decode()  # built again
    monkeypatch.setattr(caching, "cache", workers[1])
    with CaptureQueriesContext(connection) as queries:
        page = bob.get(path).content.decode()
    assert "A title changed by an import" in page
    assert len(queries) == 1 + _statements(6)  # taken, not built
