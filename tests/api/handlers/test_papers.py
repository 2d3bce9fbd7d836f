"""The paper routes (api/handlers/papers.py): paper info, catalogue, search, similar, submit,
and old-style ids."""

from __future__ import annotations

import pytest

from paperfeed.papers.models import Featured, Paper
from tests.api.conftest import auth

pytestmark = pytest.mark.django_db


def test_submit_an_already_catalogued_paper(client, catalogue, token):
    response = client.post(
        "/api/papers/submit",
        {"paperId": "https://arxiv.org/abs/2503.00005v2"},
        content_type="application/json",
        **auth(token),
    )
    # The factory papers are older than the submission window, so the guardrail refuses...
    assert response.status_code == 403
    assert "days" in response.json()["error"]
    Paper.objects.filter(arxiv_id="2503.00005").update(published=catalogue["a"].created_at)
    accepted = client.post(
        "/api/papers/submit",
        {"paperId": "2503.00005"},
        content_type="application/json",
        **auth(token),
    )
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["paper"]["id"] == "2503.00005"
    assert Featured.objects.filter(paper__arxiv_id="2503.00005").count() == 1


def test_submit_bad_id_is_400_naming_the_field(client, catalogue, token):
    response = client.post(
        "/api/papers/submit",
        {"paperId": "not an id"},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("paperId:")


def test_paper_info_flat(client, catalogue):
    response = client.get("/api/papers/2503.00001")
    assert response.status_code == 200
    paper = response.json()
    assert paper["id"] == "2503.00001"
    assert paper["title"] == "Attention for everyone"
    assert paper["upvotes"] == 10
    assert paper["submittedOnDailyAt"] == "2025-03-11T00:00:00.000Z"
    assert paper["paperfeed_featured_days"] == ["2025-03-11"]
    unfeatured = client.get("/api/papers/2503.00005").json()
    assert "submittedOnDailyAt" not in unfeatured
    assert unfeatured["upvotes"] == 0


@pytest.mark.parametrize("paper_id", ["2503.99999", "not-an-id", "'; DROP TABLE x", "9" * 400])
def test_unknown_ids_are_404(client, catalogue, paper_id):
    response = client.get(f"/api/papers/{paper_id}")
    assert response.status_code == 404
    assert "error" in response.json()


def test_catalogue_walks_every_paper_with_cursors(client, catalogue):
    seen = []
    cursor = None
    for _ in range(10):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/papers", params).json()
        seen += [paper["id"] for paper in page["papers"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert sorted(seen) == sorted(p.arxiv_id for p in catalogue.values())
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("cursor", ["garbage", "!!!", "MjAyNXwx", "x" * 500])
def test_bad_cursor_is_400(client, catalogue, cursor):
    response = client.get("/api/papers", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["error"].startswith("cursor:")


@pytest.mark.parametrize(
    "q",
    [
        "x" * 251,
    ],
)
def test_oversized_query_is_400(client, catalogue, q):
    response = client.get("/api/papers/search", {"q": q})
    assert response.status_code == 400
    assert response.json()["error"].startswith("q:")


@pytest.mark.parametrize(
    "q",
    ['"unbalanced', "NEAR(a b)", "title:* OR ^x", "author:", "cat:'; DROP", "\x00\x01", "🙂" * 60],
)
def test_hostile_queries_never_fail(client, catalogue, q):
    response = client.get("/api/papers/search", {"q": q, "limit": 120})
    assert response.status_code == 200
    assert isinstance(response.json(), list)


def test_search_limit_bounds(client, catalogue):
    assert client.get("/api/papers/search", {"q": "cats", "limit": 121}).status_code == 400
    assert client.get("/api/papers/search", {"q": "cats", "limit": 0}).status_code == 400


def test_similar_exists(client, catalogue):
    assert client.get("/api/papers/2503.00001/similar").status_code == 200
    assert client.get("/api/papers/2503.99999/similar").status_code == 404


@pytest.mark.parametrize(
    "q",
    [
        "2503.00003",
        "2503.00003v2",
        "arXiv:2503.00003",
        "https://arxiv.org/abs/2503.00003v1",
        "https://arxiv.org/pdf/2503.00003.pdf",
        "https://huggingface.co/papers/2503.00003",
        "https://doi.org/10.48550/arXiv.2503.00003",
    ],
)
def test_search_by_id_returns_that_paper_only(client, catalogue, q):
    response = client.get("/api/papers/search", {"q": q})
    assert response.status_code == 200
    assert [hit["paper"]["id"] for hit in response.json()] == ["2503.00003"]


def test_search_by_an_unknown_id_returns_nothing(client, catalogue):
    response = client.get("/api/papers/search", {"q": "https://arxiv.org/abs/2503.09999"})
    assert response.status_code == 200
    assert response.json() == []


def test_paper_info_comments_and_similar(client, old_paper):
    info = client.get("/api/papers/hep-th/9901001")
    assert info.status_code == 200
    assert info.json()["id"] == "hep-th/9901001"
    assert info.json()["title"] == "Strings before the millennium"
    # With a version and with the subject class, as arXiv writes them.
    assert client.get("/api/papers/hep-th/9901001v2").json()["id"] == "hep-th/9901001"
    comments = client.get("/api/papers/hep-th/9901001/comments")
    assert comments.status_code == 200 and comments.json() == []
    assert client.get("/api/papers/hep-th/9901001/similar").status_code == 200
    missing = client.get("/api/papers/hep-th/9901002")
    assert missing.status_code == 404 and "error" in missing.json()
