from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_served_with_a_cache_lifetime(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x01\x00")  # ICO header
    assert "max-age=86400" in response["Cache-Control"]
    assert client.head("/favicon.ico").status_code == 200
    assert client.post("/favicon.ico").status_code == 405


def test_pages_link_the_svg_icon_and_it_is_served(client):
    page = client.get("/accounts/login").content.decode()
    assert '<link rel="icon" href="/static/paperfeed/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/static/paperfeed/favicon.svg")
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content).startswith(b"<svg")
