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
