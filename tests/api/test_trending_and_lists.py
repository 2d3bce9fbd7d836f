from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_trending_lists_scores_and_components(client, catalogue):
    response = client.get("/api/trending", {"window": "month"})
    assert response.status_code == 200
    items = response.json()
    assert [item["paper"]["id"] for item in items][:1] == ["2503.00002"]
    scores = [item["paperfeed_score"] for item in items]
    assert scores == sorted(scores, reverse=True)
    assert all("upvotes" in item["paperfeed_components"] for item in items)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"window": "year"}, "window"),
        ({"category": "cs.CL'--"}, "category"),
        ({"limit": 0}, "limit"),
    ],
)
def test_trending_bad_parameters(client, catalogue, params, name):
    response = client.get("/api/trending", params)
    assert response.status_code == 400
    assert response.json()["error"].startswith(f"{name}:")


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
