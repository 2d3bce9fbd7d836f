"""The edge, through the test client: control characters, oversized bodies, database faults.

Every case runs on SQLite and on PostgreSQL (DATABASE_URL), which refuses NUL in text."""

from __future__ import annotations

import json

import pytest
from defusedxml import ElementTree
from django.db import connection

from paperfeed.accounts.roles import curator_grant
from paperfeed.accounts.services import token_create
from paperfeed.community.models import Comment, CommentReport
from paperfeed.papers.models import Featured
from tests.factories import CommentFactory, FeaturedFactory, PaperFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTROL = ["%00", "%01", "%0b", "%1f", "%7f"]


@pytest.mark.parametrize("char", CONTROL)
@pytest.mark.parametrize("feed", ["rss", "atom"])
def test_feed_search_with_control_characters_is_a_valid_feed(client, char, feed):
    FeaturedFactory(paper__title="Attention")
    response = client.get(f"/feeds/search.{feed}?q=a{char}ttention")
    assert response.status_code == 200
    document = ElementTree.fromstring(response.content)  # well-formed XML 1.0
    assert "attention" in ElementTree.tostring(document, encoding="unicode").lower()


@pytest.mark.parametrize("char", CONTROL)
@pytest.mark.parametrize(
    "url",
    [
        "/api/daily_papers?submitter=ann{c}",
        "/api/papers/search?q=a{c}b",
        "/api/daily_papers?date=2026-01-01{c}",
        "/search?q=a{c}b",
        "/papers/new?page=1{c}",
        "/papers/trending?as_of=2026-01-01{c}",
        "/digest/subscribe?email=a{c}@example.org",
    ],
)
def test_query_parameters_with_control_characters_never_give_a_500(client, url, char):
    FeaturedFactory()
    response = client.get(url.format(c=char))
    assert response.status_code < 500


def test_query_parameters_are_cleaned_not_dropped(client):
    member = UserFactory(username="ann")
    FeaturedFactory(featured_by=member, submitter_name="ann", paper__title="Kept")
    response = client.get("/api/daily_papers?submitter=a%00nn")
    assert response.status_code == 200
    assert [item["title"] for item in response.json()] == ["Kept"]


@pytest.mark.parametrize(
    "path",
    ["/accounts/u/%00", "/accounts/u/ann%01", "/papers/2601.%0001", "/api/papers/2601.%0001"],
)
def test_a_path_with_control_characters_is_not_found(client, path):
    UserFactory(username="ann")
    response = client.get(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert "no paper" in response.json()["error"]


def test_a_comment_body_with_control_characters_is_stored_clean(client):
    paper = PaperFactory()
    client.force_login(UserFactory(verified=True))
    response = client.post(
        f"/community/papers/{paper.pk}/comments", {"body": "nul\x00 and\x01 bell\x07 kept\ttab"}
    )
    assert response.status_code == 302
    assert Comment.objects.get().body == "nul and bell kept\ttab"


def test_a_report_reason_with_control_characters_is_stored_clean(client):
    comment = CommentFactory()
    client.force_login(UserFactory(verified=True))
    response = client.post(f"/community/comments/{comment.pk}/report", {"reason": "spam\x00\x1f!"})
    assert response.status_code < 400
    assert CommentReport.objects.get().reason == "spam!"


def test_a_curator_note_with_control_characters_is_stored_clean(client):
    curator = UserFactory(verified=True)
    curator_grant(user=curator)
    paper = PaperFactory()
    client.force_login(curator)
    client.post(
        "/curate/featured",
        {"arxiv_id": paper.arxiv_id, "day": "2026-01-05", "comment": "great\x00 read\x0b"},
    )
    assert Featured.objects.get(paper=paper).comment == "great read"


def _api_commenter(client):
    """A function that POSTs a JSON body as a comment on one new paper, with one new member's
    token."""
    paper = PaperFactory()
    token = token_create(user=UserFactory(verified=True), name="t")

    def post(body: str | bytes):
        return client.post(
            f"/api/papers/{paper.arxiv_id}/comment",
            data=body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return post


def test_a_json_body_with_control_characters_is_refused_with_a_json_error(client):
    comment = _api_commenter(client)
    response = comment(json.dumps({"comment": "hi\u0000there"}))
    assert response.status_code == 400
    assert "control characters" in response.json()["error"]
    assert not Comment.objects.exists()
    # The same comment without them goes through.
    response = comment(json.dumps({"comment": "hi there\n"}))
    assert response.status_code == 201


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(client):
    response = _api_commenter(client)(json.dumps({"comment": "write \\u0000 in JSON"}))
    assert response.status_code == 201


TEN_MB = b"x" * (10 * 1024 * 1024)


def test_a_ten_megabyte_api_body_gets_413_with_a_json_error(client, settings):
    response = _api_commenter(client)(TEN_MB)
    assert response.status_code == 413
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in response.json()["error"]


def test_a_ten_megabyte_form_gets_a_413_page(client):
    paper = PaperFactory()
    client.force_login(UserFactory(verified=True))
    response = client.post(
        f"/community/papers/{paper.pk}/comments",
        data=b"body=" + TEN_MB,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert b"too large" in response.content
    assert not Comment.objects.exists()


def test_a_body_just_under_the_limit_is_read(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    paper = PaperFactory()
    client.force_login(UserFactory(verified=True))
    response = client.post(f"/community/papers/{paper.pk}/comments", {"body": "y" * 1900})
    assert response.status_code == 302
    assert Comment.objects.get().body == "y" * 1900


# --- a database that takes no writes ---------------------------------------------------------


@pytest.fixture
def read_only_database():
    """Call it to make the database refuse writes the way each engine really does: SQLite's
    query_only (the same "attempt to write a readonly database" as a read-only file) and a
    PostgreSQL session whose transactions are read-only (as on a standby server)."""

    def make() -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA query_only = ON")
            else:
                cursor.execute("SET default_transaction_read_only = on")

    yield make
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA query_only = OFF")
        else:
            cursor.execute("SET default_transaction_read_only = off")


@pytest.mark.django_db(transaction=True)
def test_a_write_to_a_read_only_database_gets_the_503_read_only_page(client, read_only_database):
    paper = PaperFactory()
    client.force_login(UserFactory(verified=True))
    read_only_database()
    response = client.post(f"/community/papers/{paper.pk}/comments", {"body": "hello"})
    assert response.status_code == 503
    assert b"Read-only for a while" in response.content
    assert response["Retry-After"].isdigit()


@pytest.mark.django_db(transaction=True)
def test_an_api_write_to_a_read_only_database_gets_a_json_503(client, read_only_database):
    paper = PaperFactory()
    token = token_create(user=UserFactory(verified=True), name="t")
    read_only_database()
    response = client.post(
        f"/api/papers/{paper.arxiv_id}/upvote", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 503
    assert response.json()["reason"] == "read-only"


@pytest.mark.django_db(transaction=True)
def test_the_database_cache_on_a_read_only_database_gives_503_not_429(
    client, settings, read_only_database
):
    from django.core.management import call_command

    call_command("createcachetable", "paperfeed_cache", verbosity=0)
    # Pages and rate-limit counters both in the (read-only) database, as on PostgreSQL
    # without Redis.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "paperfeed_cache",
        },
        "limits": {
            "BACKEND": "paperfeed.core.cachebackends.CounterDatabaseCache",
            "LOCATION": "paperfeed_limits",
        },
    }
    paper = PaperFactory()
    client.force_login(UserFactory(verified=True))
    read_only_database()
    response = client.post(f"/community/papers/{paper.pk}/comments", {"body": "hello"})
    assert response.status_code == 503
    assert client.get("/api/daily_papers").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_reads_still_work_on_a_read_only_database(client, read_only_database):
    FeaturedFactory(paper__title="Still readable")
    read_only_database()
    assert b"Still readable" in client.get("/papers").content


@pytest.mark.django_db(transaction=True)
def test_a_full_database_gets_the_503_read_only_page(client):
    """SQLite's own "database or disk is full" (SQLITE_FULL), made real by capping the file at
    the pages it has: the next write that needs a page fails as on a full disk."""
    if connection.vendor != "sqlite":
        pytest.skip("max_page_count is SQLite's; PostgreSQL's disk-full is its SQLSTATE 53100")
    paper = PaperFactory()
    client.force_login(UserFactory(verified=True))
    with connection.cursor() as cursor:
        # Pages freed by earlier tests would take the write: fill them first (rolled back with
        # the test's transaction), so that the write needs a page the cap refuses.
        cursor.execute("PRAGMA freelist_count")
        (free,) = cursor.fetchone()
        if free:
            cursor.execute("PRAGMA page_size")
            (page_size,) = cursor.fetchone()
            cursor.execute("CREATE TABLE test_filler (b BLOB)")
            cursor.execute("INSERT INTO test_filler VALUES (zeroblob(%s))", [free * page_size])
        cursor.execute("PRAGMA page_count")
        (pages,) = cursor.fetchone()
        cursor.execute(f"PRAGMA max_page_count = {pages}")
    try:
        response = client.post(f"/community/papers/{paper.pk}/comments", {"body": "x" * 9000})
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA max_page_count = 1073741823")
    assert response.status_code == 503
    assert b"Read-only for a while" in response.content


def test_a_database_fault_while_the_session_is_saved_after_the_view_is_a_503(client, monkeypatch):
    """The view ran (a refused comment keeps its text in the session); SessionMiddleware then
    saves the session on a database that takes no writes. Django's 500 view sees the fault and
    answers like the edge does, not with a generic error."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import OperationalError

    paper = PaperFactory()
    client.force_login(UserFactory(verified=True))

    def read_only(self, must_create=False):
        raise OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(SessionStore, "save", read_only)
    client.raise_request_exception = False
    page = client.post(f"/community/papers/{paper.pk}/comments", {"body": "   "})
    assert page.status_code == 503 and page["Retry-After"]
    assert "read-only" in page.content.decode()


def test_a_json_body_is_decoded_once_for_the_edge_and_the_api(client, monkeypatch):
    body = json.dumps({"comment": "decoded once"}).encode()
    decoded: list[bytes] = []
    loads = json.loads

    def counting_loads(text, *args, **kwargs):  # type: ignore[no-untyped-def]
        decoded.append(text)
        return loads(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", counting_loads)
    response = _api_commenter(client)(body)
    assert response.status_code == 201
    assert decoded.count(body) == 1
    assert Comment.objects.get().body == "decoded once"


@pytest.mark.parametrize("body", [b'{"comment": "unterminated', b"\xff\xfe{", b"[1, 2"])
def test_a_malformed_json_body_is_a_clear_400(client, body):
    response = _api_commenter(client)(body)
    assert response.status_code == 400
    assert response.json() == {"error": "Cannot parse request body"}
    assert not Comment.objects.exists()
