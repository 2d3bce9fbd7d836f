"""The write routes (api/handlers/writes.py): upvotes and comments with a token."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from paperfeed.accounts.services import token_create
from paperfeed.community.models import Comment, Upvote
from paperfeed.papers.models import Paper
from tests.api.conftest import auth
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_upvote_needs_a_token(client, catalogue):
    response = client.post("/api/papers/2503.00001/upvote")
    assert response.status_code == 401
    assert response.json()["error"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nonsense",
        "Bearer pf_" + "x" * 40,
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer " + "a" * 5000,
    ],
)
def test_bad_tokens_are_401(client, catalogue, header):
    response = client.post("/api/papers/2503.00001/upvote", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "error" in response.json()


def test_upvote_and_withdraw(client, catalogue, token):
    # One number everywhere: the source's upvotes (10) plus ours, in the answer to a vote as in
    # paper_info.
    first = client.post("/api/papers/2503.00001/upvote", **auth(token))
    assert first.status_code == 200
    assert first.json() == {"upvoted": True, "upvotes": 11}
    again = client.post("/api/papers/2503.00001/upvote", **auth(token))
    assert again.json()["upvotes"] == 11
    assert client.get("/api/papers/2503.00001").json()["upvotes"] == 11
    removed = client.delete("/api/papers/2503.00001/upvote", **auth(token))
    assert removed.json() == {"upvoted": False, "upvotes": 10}
    assert Upvote.objects.count() == 0


def test_upvote_unknown_paper_is_404(client, catalogue, token):
    response = client.post("/api/papers/2503.99999/upvote", **auth(token))
    assert response.status_code == 404


def test_comment_and_reply(client, catalogue, token):
    response = client.post(
        "/api/papers/2503.00001/comment",
        {"comment": "Nice *result*"},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 201, response.content
    comment = response.json()
    assert comment["body"] == "Nice *result*"
    assert "<em>result</em>" in comment["bodyHtml"]
    reply = client.post(
        f"/api/papers/2503.00001/comment/{comment['id']}/reply",
        {"comment": "Agreed"},
        content_type="application/json",
        **auth(token),
    )
    assert reply.status_code == 201
    assert reply.json()["parentId"] == comment["id"]
    listed = client.get("/api/papers/2503.00001/comments").json()
    assert [c["body"] for c in listed] == ["Nice *result*", "Agreed"]
    assert client.get("/api/papers/2503.00001").json()["numComments"] == 2


def test_reply_to_a_comment_of_another_paper_is_404(client, catalogue, token):
    other = client.post(
        "/api/papers/2503.00002/comment",
        {"comment": "elsewhere"},
        content_type="application/json",
        **auth(token),
    ).json()
    response = client.post(
        f"/api/papers/2503.00001/comment/{other['id']}/reply",
        {"comment": "x"},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 404
    assert response.json()["error"].startswith("comment_id:")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('["a", "list"]', "application/json"),
        ('{"comment": 5}', "application/json"),
        ('{"comment": ""}', "application/json"),
        ('{"other": "x"}', "application/json"),
        ("comment=hello", "text/plain"),
        ('{"comment": "<script>alert(1)</script>"}', "application/json"),
    ],
)
def test_bad_comment_bodies_are_400(client, catalogue, token, body, content_type):
    response = client.generic(
        "POST",
        "/api/papers/2503.00001/comment",
        body,
        content_type=content_type,
        **auth(token),
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]
    assert Comment.objects.count() == 0


def test_rate_limit_answers_429_with_retry_after(client, catalogue, settings):
    settings.PAPERFEED_RATE_API_READ_IP = "3/m"
    statuses = [client.get("/api/papers/2503.00001").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/papers/2503.00001")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert response.json()["error"]


@pytest.mark.long
@pytest.mark.django_db(transaction=True)
def test_200_concurrent_upvotes_are_counted_exactly(live_server, catalogue, settings):
    tokens = [token_create(user=UserFactory(verified=True), name="t") for _ in range(200)]
    url = f"{live_server.url}/api/papers/2503.00003/upvote"

    def vote(raw):
        with httpx.Client(timeout=60) as http:
            return http.post(url, headers={"Authorization": f"Bearer {raw}"}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(vote, tokens))
    assert statuses == [200] * 200
    assert Paper.objects.get(arxiv_id="2503.00003").upvote_count == 200
    assert Upvote.objects.filter(paper__arxiv_id="2503.00003").count() == 200
    with httpx.Client() as http:
        assert http.get(f"{live_server.url}/api/papers/2503.00003").json()["upvotes"] == 205


def _comment_statuses(client, comments: list[tuple[str, str]]) -> list[int]:
    """POST each (token, text) as a comment on 2503.00001; the status codes, in order."""
    return [
        client.post(
            "/api/papers/2503.00001/comment",
            {"comment": text},
            content_type="application/json",
            **auth(token),
        ).status_code
        for token, text in comments
    ]


def test_community_comment_rate_applies_per_member(client, catalogue, token, settings):
    settings.PAPERFEED_RATE_COMMENT = "2/m"
    statuses = _comment_statuses(client, [(token, f"note {n}") for n in range(3)])
    assert statuses == [201, 201, 429]


def test_a_member_with_several_tokens_gets_the_comment_rate_once(client, catalogue, settings):
    settings.PAPERFEED_RATE_COMMENT = "3/m"
    member = UserFactory(verified=True)
    tokens = [token_create(user=member, name=f"script {n}") for n in range(3)]
    statuses = _comment_statuses(client, [(tokens[n % 3], f"note {n}") for n in range(6)])
    assert statuses == [201, 201, 201, 429, 429, 429]
    assert Comment.objects.filter(author=member).count() == 3
    # Another member is counted on their own.
    other = token_create(user=UserFactory(verified=True), name="other")
    assert _comment_statuses(client, [(other, "mine")]) == [201]


def test_the_site_and_the_api_count_one_member_together(client, catalogue, settings):
    settings.PAPERFEED_RATE_COMMENT = "2/m"
    member = UserFactory(verified=True)
    client.force_login(member)
    paper = Paper.objects.get(arxiv_id="2503.00001")
    client.post(f"/community/papers/{paper.pk}/comments", {"body": "from the site"})
    assert Comment.objects.filter(author=member).count() == 1
    client.logout()
    statuses = _comment_statuses(
        client,
        [(token_create(user=member, name=f"t{n}"), f"from a script {n}") for n in range(2)],
    )
    assert statuses == [201, 429]


def test_upvote_and_comment_on_an_old_style_id(client, old_paper):
    token = token_create(user=UserFactory(verified=True), name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    vote = client.post("/api/papers/hep-th/9901001/upvote", **auth)
    assert vote.status_code == 200
    assert client.get("/api/papers/hep-th/9901001").json()["upvotes"] == 1
    posted = client.post(
        "/api/papers/hep-th/9901001/comment",
        {"comment": "A classic."},
        content_type="application/json",
        **auth,
    )
    assert posted.status_code in (200, 201), posted.content
    assert [c["body"] for c in client.get("/api/papers/hep-th/9901001/comments").json()] == [
        "A classic."
    ]
