"""The Markdown URL of a paper (api/markdown.py)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_markdown_of_an_old_style_id(client, old_paper):
    response = client.get("/papers/hep-th/9901001.md")
    assert response.status_code == 200
    assert response.content.decode().startswith("# Strings before the millennium")


def test_md_url_returns_markdown(client, catalogue):
    response = client.get("/papers/2503.00001.md")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("# Attention for everyone\n")
    assert "**Authors:** Ada Lovelace, Alan Turing" in text
    assert "[Code](https://github.com/example/attention)" in text
    assert "## Abstract\n\nAbstract of Attention for everyone." in text
    assert response["Access-Control-Allow-Origin"] == "*"


def test_md_unknown_is_404(client, catalogue):
    assert client.get("/papers/2503.99999.md").status_code == 404
    assert client.get("/papers/nonsense.md").status_code == 404
