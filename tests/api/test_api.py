"""The API object itself (api/api.py): its OpenAPI document and docs page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_and_docs_page(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/daily_papers" in schema["paths"]
    assert "/api/papers/{paper_id}/upvote" in schema["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_the_api_docs_page_finds_ninjas_templates_and_static_files(client):
    """ninja is no installed app (it cost every command its import): its templates and the
    Swagger UI's files come from the package's folders, and our own docs template still wins."""
    from django.contrib.staticfiles import finders

    assert finders.find("ninja/swagger-ui-bundle.js")
    assert finders.find("ninja/swagger-ui.css")
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b"ninja/swagger-ui-bundle.js" in page.content
    assert b'name="viewport"' in page.content  # templates/ninja/swagger.html, ours
