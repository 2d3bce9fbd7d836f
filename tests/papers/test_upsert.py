from __future__ import annotations

import pytest
from django.db import connection, models

from paperfeed.papers import upsert
from paperfeed.papers.merge import PaperState
from paperfeed.papers.models import Paper, PaperAuthor


def test_paper_columns_are_the_models_concrete_fields_minus_the_documented_exclusions():
    concrete = {field.attname for field in Paper._meta.concrete_fields}
    assert concrete >= upsert.PAPER_EXCLUDED  # every exclusion names a real column
    assert set(upsert.PAPER_COLUMNS) == concrete - upsert.PAPER_EXCLUDED
    assert upsert.PAPER_COLUMNS[0] == "arxiv_id"
    assert len(set(upsert.PAPER_COLUMNS)) == len(upsert.PAPER_COLUMNS)


def test_every_written_column_is_held_by_the_merge_state():
    assert set(upsert.PAPER_COLUMNS) <= set(PaperState.__slots__)


def test_a_field_added_to_paper_is_written_without_a_second_list(monkeypatch):
    field = models.CharField(max_length=20, blank=True)
    field.set_attributes_from_name("abstract_origin")
    fields = (*Paper._meta.concrete_fields, field)
    monkeypatch.setitem(Paper._meta.__dict__, "concrete_fields", fields)
    assert upsert.paper_columns()[-1] == "abstract_origin"


@pytest.mark.django_db
def test_postgresql_types_come_from_the_models():
    if connection.vendor != "postgresql":
        pytest.skip("the unnest() array types are only used on PostgreSQL")
    types = dict(
        zip(upsert.PAPER_COLUMNS, upsert.pg_types(Paper, upsert.PAPER_COLUMNS), strict=True)
    )
    assert types["arxiv_id"] == "varchar"  # no length: a cast must never cut a value
    assert types["versions"] == types["sources"] == "jsonb"
    assert types["published"] == "timestamp with time zone"
    assert types["listed_on"] == types["last_seen_on"] == "date"
    assert types["published_is_estimate"] == "boolean"
    assert types["version"] == "smallint"
    columns = ("paper_id", "author_id", "position", "name")
    assert upsert.pg_types(PaperAuthor, columns) == ["bigint", "bigint", "smallint", "varchar"]
