"""The daily-papers and trending routes (api/handlers/daily.py), through the test client."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def ids(response):
    return [item["paper"]["id"] for item in response.json()]


def test_date_lists_that_day_in_hf_shape(client, catalogue):
    response = client.get("/api/daily_papers", {"date": "2025-03-11"})
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    assert ids(response) == ["2503.00002", "2503.00001"]
    item = body[1]
    assert set(item) >= {"paper", "title", "summary", "publishedAt", "numComments", "submittedBy"}
    assert item["title"] == "Attention for everyone"
    assert item["publishedAt"] == "2025-03-11T00:00:00.000Z"
    assert item["submittedBy"]["name"] == "alice"
    paper = item["paper"]
    assert paper["publishedAt"] == "2025-03-10T17:59:30.000Z"
    assert paper["submittedOnDailyAt"] == "2025-03-11T00:00:00.000Z"
    assert paper["submittedOnDailyBy"]["user"] == "alice"
    assert paper["upvotes"] == 10
    assert paper["githubRepo"] == "https://github.com/example/attention"
    assert paper["githubStars"] == 42
    assert paper["projectPage"] == "https://example.org/attention"
    assert [a["name"] for a in paper["authors"]] == ["Ada Lovelace", "Alan Turing"]
    assert all(set(a) >= {"_id", "name", "hidden"} for a in paper["authors"])
    assert paper["discussionId"]
    assert paper["paperfeed_categories"] == ["cs.CL"]


def test_week_month_and_sorts(client, catalogue):
    week = client.get("/api/daily_papers", {"week": "2025-W11"})
    assert ids(week) == ["2503.00003", "2503.00002", "2503.00001"]
    month = client.get("/api/daily_papers", {"month": "2025-03", "sort": "trending"})
    assert ids(month) == ["2503.00002", "2503.00001", "2503.00003"]
    feb = client.get("/api/daily_papers", {"month": "2025-02"})
    assert ids(feb) == ["2502.00004"]


def test_submitter_filter(client, catalogue):
    response = client.get("/api/daily_papers", {"submitter": "alice"})
    assert ids(response) == ["2503.00003", "2503.00001"]


def test_paging_with_link_header(client, catalogue):
    first = client.get("/api/daily_papers", {"limit": 2})
    assert ids(first) == ["2503.00003", "2503.00002"]
    assert 'rel="next"' in first["Link"]
    assert "p=1" in first["Link"]
    second = client.get("/api/daily_papers", {"limit": 2, "p": 1})
    assert ids(second) == ["2503.00001", "2502.00004"]
    assert "Link" not in second


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"date": "2025-13-01"}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"week": "2025-W54"}, "week"),
        ({"month": "2025-00"}, "month"),
        ({"date": "2025-03-11", "week": "2025-W11"}, "week"),
        ({"limit": 0}, "limit"),
        ({"limit": 100000}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"p": -1}, "p"),
        ({"sort": "random"}, "sort"),
        ({"date": "x" * 5000}, "date"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, catalogue, params, name):
    response = client.get("/api/daily_papers", params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"].startswith(f"{name}:")


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


def test_thumbnail_is_the_rendered_first_page_or_absent(client, catalogue, settings, tmp_path):
    from paperfeed.papers.models import Paper
    from paperfeed.papers.services import thumbnail_save
    from tests.helpers import webp_image

    settings.PAPERFEED_THUMBNAIL_DIR = tmp_path
    # A cached answer shows a new image within PAPERFEED_PAGE_CACHE_SECONDS, as any change.
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 0
    before = {
        item["paper"]["id"]: item
        for item in client.get("/api/daily_papers", {"date": "2025-03-11"}).json()
    }
    assert before["2503.00001"].get("thumbnail") is None  # absent, as every empty field
    thumbnail_save(
        paper=Paper.objects.get(arxiv_id="2503.00001"), image=webp_image(), width=320, height=414
    )
    after = {
        item["paper"]["id"]: item
        for item in client.get("/api/daily_papers", {"date": "2025-03-11"}).json()
    }
    url = after["2503.00001"]["thumbnail"]
    assert url.startswith("http://testserver/thumbs/") and "?v=" in url
    assert after["2503.00002"].get("thumbnail") is None
    # The same image the site serves.
    assert client.get(url.removeprefix("http://testserver")).status_code == 200
