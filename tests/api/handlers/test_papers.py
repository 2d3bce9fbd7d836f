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
