"""Upvote snapshots (paperfeed/trending/services.py), as the importer records them."""

from __future__ import annotations

from datetime import date

import pytest

from paperfeed.trending.models import Repository, UpvoteSnapshot
from tests.factories import catalogue_paper

pytestmark = pytest.mark.django_db


def _repo(key: str, **fields) -> Repository:
    host, full = key.split("/", 1)
    return Repository.objects.create(key=key, host=host, full_name=full, **fields)


def test_upvote_snapshots_recorded_by_the_importer():
    paper = catalogue_paper("2604.00001", featured_on=date(2026, 4, 2), featured_upvotes=12)
    snap = UpvoteSnapshot.objects.get(paper=paper)
    assert snap.count == 12 and snap.source == "hf"
