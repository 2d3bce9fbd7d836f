"""The early path for members (paperfeed/core/memberpath.py): a member's page filled from a
fresh kept body is the full stack's answer (status, every header, cookies and body but the CSRF
token's mask), with either session engine; whatever is not certain goes to the full stack."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.client import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from paperfeed.community.services import comment_create, upvote_add
from paperfeed.library.models import Collection
from paperfeed.library.services import saved_paper_add
from paperfeed.papers.models import Featured
from tests.core.test_readerslots import _caches, normalised, papers, token_of
from tests.factories import UserFactory
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

# The shared-body tests' fixtures, used here by name: their page caches (autouse) and papers.
__all__ = ["_caches", "papers"]

LISTS = (
    "/papers",
    "/papers/new",
    "/papers/trending",
    "/papers/week/2026-W06",
    "/papers/month/2026-02",
    "/papers/new?page=1",
)
PAPER = "/papers/2602.00400"
ENGINES = ("paperfeed.accounts.sessions", "django.contrib.sessions.backends.signed_cookies")


@pytest.fixture(autouse=True, params=ENGINES, ids=("database-sessions", "signed-cookies"))
def engine(request, settings):
    settings.SESSION_ENGINE = request.param
    settings.PAPERFEED_MEMBER_PATH = True
    return request.param


def early(response) -> bool:  # type: ignore[no-untyped-def]
    """Whether the answer came from the early path: only the full stack resolves the URL."""
    return response.wsgi_request.resolver_match is None


def cookies(response) -> dict[str, tuple[str, dict[str, str]]]:  # type: ignore[no-untyped-def]
    """Each cookie set: its value and attributes, the expiry date aside (checked to be within
    a few seconds of the other answer's by :func:`assert_same`)."""
    return {
        name: (morsel.value, {k: v for k, v in morsel.items() if k != "expires"})
        for name, morsel in response.cookies.items()
    }


def assert_same(full, answer, secret: str) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == full.status_code
    assert list(answer.items()) == list(full.items())
    assert cookies(answer) == cookies(full)
    for name, morsel in answer.cookies.items():
        if morsel["expires"]:
            when = parsedate_to_datetime(morsel["expires"])
            assert abs((when - parsedate_to_datetime(full.cookies[name]["expires"])).seconds) < 5
    assert normalised(answer.content.decode(), secret) == normalised(full.content.decode(), secret)


def full_then_early(client: Client, path: str, **extra):  # type: ignore[no-untyped-def]
    client.get(path, **extra)  # builds the shared body
    full = client.get(path, **extra)  # filled by the full stack, which the early path learns
    answer = client.get(path, **extra)
    assert not early(full) and early(answer), path
    return full, answer


def a_reader(papers, name: str = "early-reader"):  # type: ignore[no-untyped-def]
    reader = UserFactory(username=name)
    upvote_add(user=reader, paper=papers[0])
    saved_paper_add(user=reader, paper=papers[1])
    Collection.objects.create(owner=reader, name="Shelf <i>", slug="shelf")
    comment_create(user=reader, paper=papers[0], body="An early comment.")
    return reader


@pytest.mark.parametrize("path", [*LISTS, PAPER])
def test_the_early_answer_is_the_full_stacks(papers, path):
    client = signed_in(a_reader(papers))
    full, answer = full_then_early(client, path)
    assert_same(full, answer, token_of(client))
    page = answer.content.decode()
    assert "Sign out" in page and "early-reader" in page and "is-voted" in page
    if path == PAPER:
        assert "Shelf &lt;i&gt;" in page and "An early comment." in page
    assert "Cookie" in answer["Vary"] and "csrftoken" in answer.cookies


def test_the_early_path_fills_for_the_member_read_not_a_lazy_stand_in(papers):
    """Once the early path has checked the member, the fill reads the member itself (each read
    through Django's lazy stand-in cost a failed attribute lookup first)."""
    reader = a_reader(papers)
    _, answer = full_then_early(signed_in(reader), PAPER)
    user = answer.wsgi_request.user
    assert type(user) is type(reader) and user.pk == reader.pk


@pytest.mark.parametrize("path", ["/papers", PAPER])
def test_another_member_gets_their_own_page_early(papers, path):
    """What the early path learnt from one member's answer serves another with their state."""
    alice = signed_in(a_reader(papers, "alice-early"))
    full_then_early(alice, path)
    bob_reader = UserFactory(username="bob-early")
    bob = signed_in(bob_reader)
    bob.get(path)  # his CSRF cookie
    answer = bob.get(path)
    assert early(answer)
    page = answer.content.decode()
    menu = page.split('<nav class="user-menu"', 1)[1].split("</nav>", 1)[0]
    assert "bob-early" in menu and "alice-early" not in menu and "is-voted" not in page
    assert "Shelf &lt;i&gt;" not in page and token_of(alice) not in page
    upvote_add(user=bob_reader, paper=papers[0])
    assert "is-voted" in bob.get(path).content.decode()


def test_a_new_csrf_cookie_is_made_as_the_full_stack_makes_it(papers):
    client = signed_in(a_reader(papers))
    full_then_early(client, "/papers")
    del client.cookies["csrftoken"]
    answer = client.get("/papers")
    assert early(answer)
    assert answer.cookies["csrftoken"].value == token_of(client)
    normalised(answer.content.decode(), token_of(client))  # the page's tokens are the new one's


def test_a_changed_password_signs_the_member_out_as_the_full_stack_does(papers):
    reader = a_reader(papers)
    reader.set_password("first secret 123")
    reader.save()
    client = signed_in(reader)
    full_then_early(client, "/papers")
    reader.set_password("second secret 456")  # elsewhere: this session no longer counts
    reader.save()
    answer = client.get("/papers")
    assert not early(answer)
    assert "Sign out" not in answer.content.decode()
    assert answer.cookies["sessionid"].value == ""  # the session is gone, as before
    assert "Sign out" not in client.get("/papers").content.decode()


def test_a_session_from_a_fallback_secret_is_cycled_by_the_full_stack(settings, papers):
    settings.SECRET_KEY = "an-older-secret-" + "o" * 40
    old = signed_in(a_reader(papers, "old-secret"))
    old_session = old.cookies["sessionid"].value
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-current-secret-" + "c" * 40
    full_then_early(signed_in(UserFactory()), "/papers")
    answer = old.get("/papers")
    assert not early(answer)
    assert "old-secret" in answer.content.decode()
    assert answer.cookies["sessionid"].value not in ("", old_session)  # cycled


def test_an_inactive_or_deleted_member_gets_anyones_page(papers):
    readers = [a_reader(papers, "to-deactivate"), UserFactory(username="to-delete")]
    clients = [signed_in(reader) for reader in readers]
    for client in clients:
        full_then_early(client, "/papers") if client is clients[0] else client.get("/papers")
    readers[0].is_active = False
    readers[0].save()
    readers[1].delete()
    for client in clients:
        answer = client.get("/papers")
        assert not early(answer)
        assert "Sign out" not in answer.content.decode()


def test_waiting_messages_go_to_the_full_stack(papers):
    client = signed_in(a_reader(papers))
    full_then_early(client, "/papers")
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies["messages"] = storage._encode([Message(constants.INFO, "Saved, early.")])
    answer = client.get("/papers")
    assert not early(answer)
    assert "Saved, early." in answer.content.decode()
    assert answer.cookies["messages"].value == ""  # used up, as before
    assert early(client.get("/papers"))


def test_a_paper_changed_since_its_body_was_kept_is_built_again(papers):
    """A vote moves the paper's version: the kept body is not filled early, the full stack
    builds it again at once and the new count shows."""
    client = signed_in(a_reader(papers))
    full, _ = full_then_early(client, PAPER)
    upvote_add(user=UserFactory(), paper=papers[0])
    answer = client.get(PAPER)
    assert not early(answer)
    assert answer.content != full.content
    assert early(client.get(PAPER))


def test_a_stale_body_goes_to_the_full_stack(papers, monkeypatch):
    client = signed_in(a_reader(papers))
    full_then_early(client, "/papers")
    cache.clear()
    assert not early(client.get("/papers"))  # the full stack builds it again
    assert early(client.get("/papers"))
    now = __import__("time").time()
    monkeypatch.setattr("paperfeed.core.caching.time.time", lambda: now + 3600)
    answer = client.get("/papers")
    assert not early(answer) and "Sign out" in answer.content.decode()


@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_ACCEPT": "text/html;q=0.9, text/plain"},  # another Accept (Vary: Accept)
        {"HTTP_AUTHORIZATION": "Bearer pf_nothing"},
    ],
)
def test_requests_the_learnt_answer_does_not_cover_go_to_the_full_stack(papers, extra):
    client = signed_in(a_reader(papers))
    full_then_early(client, PAPER)
    assert not early(client.get(PAPER, **extra))


def test_a_paper_asked_for_as_markdown_is_markdown(papers):
    client = signed_in(a_reader(papers))
    full_then_early(client, PAPER)
    answer = client.get(PAPER, HTTP_ACCEPT="text/markdown")
    assert answer["Content-Type"].startswith("text/markdown")


def test_head_anonymous_and_turned_off_go_to_the_full_stack(settings, papers):
    client = signed_in(a_reader(papers))
    full_then_early(client, "/papers")
    assert not early(client.head("/papers"))
    assert not early(Client().get("/papers"))
    settings.PAPERFEED_MEMBER_PATH = False
    client.get("/papers")
    assert not early(client.get("/papers"))


def test_a_featured_by_member_sees_their_code_link_form_early(papers):
    reader = a_reader(papers, "curator-early")
    Featured.objects.filter(paper=papers[0]).update(featured_by=reader)
    client = signed_in(reader)
    full, answer = full_then_early(client, PAPER)
    assert 'name="code_url"' in answer.content.decode()
    assert_same(full, answer, token_of(client))


def test_a_curators_early_page_shows_the_role_everywhere_as_the_full_stack(papers):
    """The role is asked once a page (accounts.roles.page_shows_curate) by the menu, the
    comment controls and the code-link form: a curator's early page is the full stack's, with
    the Curate link, the moderator's Hide and the form; another member's has none of them."""
    from paperfeed.accounts.roles import curator_grant

    reader = a_reader(papers, "curating-early")
    comment_create(user=UserFactory(), paper=papers[0], body="Someone else's comment.")
    curator_grant(user=reader)
    client = signed_in(reader)
    full, answer = full_then_early(client, PAPER)
    assert_same(full, answer, token_of(client))
    page = answer.content.decode()
    assert ">Curate</a>" in page and ">Hide</button>" in page and 'name="code_url"' in page
    other = signed_in(a_reader(papers, "plain-early"))
    other.get(PAPER)  # their CSRF cookie
    plain = other.get(PAPER)
    assert early(plain)
    page = plain.content.decode()
    assert ">Curate</a>" not in page and ">Hide</button>" not in page
    assert 'name="code_url"' not in page


def test_a_refused_comments_draft_is_shown_once_after_the_path_learnt_the_page(papers):
    """Filling the thread takes the draft out of the session: whichever path answers, the
    session's own response half writes that down, so the draft shows once."""
    client = signed_in(a_reader(papers))
    full_then_early(client, PAPER)
    client.post(
        f"/community/papers/{papers[0].pk}/comments", {"body": "Hi @no_such_member", "next": PAPER}
    )
    shown = client.get(PAPER)
    assert ">Hi @no_such_member</textarea>" in shown.content.decode()
    again = client.get(PAPER)
    assert early(again)
    assert "no_such_member" not in again.content.decode()


def _session_statements(client: Client, path: str):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path)
    assert early(answer)
    return answer, [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]


@pytest.mark.parametrize("path", ["/papers", PAPER])
def test_a_database_session_is_read_in_the_members_statement_on_postgresql(engine, papers, path):
    """On PostgreSQL the session row is read in the one statement of the member's reads: one
    round trip a page, not two. The page is the full stack's all the same."""
    if engine != "paperfeed.accounts.sessions":
        pytest.skip("signed-cookie sessions have no row")
    client = signed_in(a_reader(papers))
    full, _ = full_then_early(client, path)
    answer, statements = _session_statements(client, path)
    assert_same(full, answer, token_of(client))
    assert len(statements) == 1
    together = "auth_user" in statements[0]
    assert together == (connection.vendor == "postgresql")


def test_a_deleted_or_expired_session_read_with_the_members_goes_to_the_full_stack(engine, papers):
    if engine != "paperfeed.accounts.sessions":
        pytest.skip("a signed cookie is no row")
    readers = [a_reader(papers, "session-deleted"), UserFactory(username="session-expired")]
    clients = [signed_in(reader) for reader in readers]
    full_then_early(clients[0], "/papers")
    for client in clients:
        client.get("/papers")  # the CSRF cookie
        assert early(client.get("/papers"))
    Session.objects.filter(session_key=clients[0].session.session_key).delete()
    Session.objects.filter(session_key=clients[1].session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    for client in clients:
        answer = client.get("/papers")
        assert not early(answer)
        assert "Sign out" not in answer.content.decode()


def test_a_session_that_names_another_member_now_is_their_page(engine, papers):
    """The member a session key named in this process is a guess the session's row decides:
    the same key naming someone else now gets that member's page, never the first one's."""
    if engine != "paperfeed.accounts.sessions":
        pytest.skip("a signed cookie's key is its data")
    alice = signed_in(a_reader(papers, "alice-first"))
    full_then_early(alice, "/papers")
    assert early(alice.get("/papers"))
    bob = signed_in(UserFactory(username="bob-now"))
    bobs = Session.objects.get(session_key=bob.session.session_key)
    Session.objects.filter(session_key=alice.session.session_key).update(
        session_data=bobs.session_data
    )
    answer = alice.get("/papers")
    menu = answer.content.decode().split('<nav class="user-menu"', 1)[1].split("</nav>", 1)[0]
    assert "bob-now" in menu and "alice-first" not in menu
    assert early(alice.get("/papers"))  # learnt again, for bob
