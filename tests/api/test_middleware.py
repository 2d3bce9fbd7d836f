"""Accept: text/markdown on the paper page, and CORS for public reads (api/middleware.py)."""

from __future__ import annotations

import pytest

from paperfeed.api.middleware import prefers_markdown

pytestmark = pytest.mark.django_db


def test_accept_markdown_on_the_paper_page(client, catalogue):
    response = client.get("/papers/2503.00001", HTTP_ACCEPT="text/markdown")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    assert response.content.decode().startswith("# Attention for everyone")
    assert "Accept" in response["Vary"]


@pytest.mark.parametrize(
    "accept",
    [
        "text/html",
        "text/html;q=0.9, text/markdown;q=0.5",
        ";;;,,,q=",
        "text/markdown;q=abc",
        "\x00" * 50,
        "a" * 5000,
    ],
)
def test_other_or_malformed_accept_never_breaks_the_page(client, catalogue, accept):
    response = client.get("/papers/2503.00001", HTTP_ACCEPT=accept)
    assert response.status_code < 500
    assert not response["Content-Type"].startswith("text/markdown")


def test_prefers_markdown():
    assert prefers_markdown("text/markdown")
    assert prefers_markdown("text/markdown, text/html;q=0.8")
    assert not prefers_markdown("text/html, text/markdown")
    assert not prefers_markdown("*/*")
    assert not prefers_markdown("text/markdown;q=0, */*")
    assert not prefers_markdown("text/markdown;q=7")


def test_cors_for_reads_only(client, catalogue):
    read = client.get("/api/papers/2503.00001", HTTP_ORIGIN="https://elsewhere.example")
    assert read["Access-Control-Allow-Origin"] == "*"
    assert "Link" in read["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/daily_papers",
        HTTP_ORIGIN="https://elsewhere.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD"
    write_preflight = client.options(
        "/api/papers/2503.00001/upvote",
        HTTP_ORIGIN="https://elsewhere.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert "Access-Control-Allow-Origin" not in write_preflight
    write = client.post("/api/papers/2503.00001/upvote", HTTP_ORIGIN="https://elsewhere.example")
    assert "Access-Control-Allow-Origin" not in write
