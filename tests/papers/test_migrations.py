from __future__ import annotations

import importlib
from datetime import UTC, date, datetime

import pytest
from django.apps import apps

from paperfeed.papers.models import Featured, Paper

pytestmark = pytest.mark.django_db


def test_0010_dates_existing_stubs_by_their_first_featured_day():
    migration = importlib.import_module("paperfeed.papers.migrations.0010_paper_abstract_source")
    month = datetime(2026, 8, 1, tzinfo=UTC)  # the id's month: what stubs used to hold
    stub = Paper.objects.create(
        arxiv_id="2608.01234",
        title="Stub",
        published=month,
        updated=month,
        published_is_estimate=True,
    )
    listed = Paper.objects.create(
        arxiv_id="2608.01235",
        title="Listed",
        published=month,
        updated=month,
        published_is_estimate=True,
        listed_on=date(2026, 8, 1),
    )
    for paper in (stub, listed):
        Featured.objects.create(paper=paper, day=date(2026, 8, 25), source="hf_daily")
        Featured.objects.create(paper=paper, day=date(2026, 8, 22), source="hf_daily")
    migration.stubs_dated_by_featured_day(apps, None)
    stub.refresh_from_db()
    listed.refresh_from_db()
    assert stub.published == datetime(2026, 8, 22, tzinfo=UTC)
    assert stub.updated == stub.published and stub.is_stub
    assert listed.published == month
