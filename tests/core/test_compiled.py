"""ORM queries compiled once and run with each call's values (core/compiled.py)."""

from __future__ import annotations

import pytest
from django.db.models import Q

from paperfeed.core.compiled import compile_query, numbered
from paperfeed.papers.models import Paper
from tests.factories import PaperFactory
from tests.helpers import prepared_statements

pytestmark = pytest.mark.django_db


def test_a_compiled_query_answers_for_each_calls_values():
    papers = [PaperFactory(title=f"Title {n}") for n in range(3)]
    query = Paper.objects.filter(Q(pk=-1) | Q(arxiv_id="~b"), hidden=False).values_list("title")
    compiled = compile_query(query.order_by("title"), [-1, "~b"])
    assert compiled.rows([papers[0].pk, papers[2].arxiv_id]) == [("Title 0",), ("Title 2",)]
    assert compiled.rows([papers[1].pk, "nothing"]) == [("Title 1",)]
    # The query's own constant (hidden=False) stays: a hidden paper is not found.
    Paper.objects.filter(pk=papers[1].pk).update(hidden=True)
    assert compiled.rows([papers[1].pk, "nothing"]) == []


def test_a_sentinel_the_query_does_not_carry_is_refused():
    query = Paper.objects.filter(pk=-1).values_list("pk")
    with pytest.raises(RuntimeError):
        compile_query(query, [-1, -2])
    with pytest.raises(ValueError):
        compile_query(query, [-1, -1])


def _row_of(paper: Paper, attnames: list[str]) -> list[object]:
    return [getattr(paper, name) for name in attnames]


@pytest.mark.parametrize("only", [None, ("id", "arxiv_id", "title", "published")])
def test_an_instance_from_a_row_is_the_one_from_db_builds(only):
    """The plain build (no __init__ walk) gives what Model.from_db gives: the same loaded
    values, the same deferred fields (read on access), saved state and database."""
    from django.db import connection

    from paperfeed.core.compiled import _plain, instance_from_row

    paper = PaperFactory(title="Kept")
    attnames = [f.attname for f in Paper._meta.concrete_fields if only is None or f.attname in only]
    values = _row_of(paper, attnames)
    assert _plain(Paper)
    built = instance_from_row(Paper, attnames, (), values, connection)
    expected = Paper.from_db(connection.alias, attnames, values)
    assert type(built) is Paper
    assert {k: v for k, v in vars(built).items() if k != "_state"} == {
        k: v for k, v in vars(expected).items() if k != "_state"
    }
    assert built.get_deferred_fields() == expected.get_deferred_fields()
    assert (built._state.adding, built._state.db) == (False, connection.alias)
    assert built.pk == paper.pk and built == expected
    if only is not None:
        assert built.abstract == paper.abstract  # deferred: read from the database on access
        built.title = "Changed"
        built.save(update_fields=["title"])
        assert Paper.objects.get(pk=paper.pk).title == "Changed"


def test_a_model_someone_listens_to_is_built_by_from_db():
    """A pre_init / post_init receiver (a GenericForeignKey's, an app's) must see every
    instance: such a model is built through Model.from_db."""
    from django.db import connection
    from django.db.models.signals import post_init

    from paperfeed.core.compiled import _plain, instance_from_row

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    paper = PaperFactory()
    attnames = [f.attname for f in Paper._meta.concrete_fields]
    post_init.connect(receiver, sender=Paper)
    try:
        assert not _plain(Paper)
        built = instance_from_row(Paper, attnames, (), _row_of(paper, attnames), connection)
    finally:
        post_init.disconnect(receiver, sender=Paper)
    assert seen == [built]


def test_a_compiled_query_is_prepared_on_postgresql_and_logged_while_queries_are(settings):
    """On PostgreSQL a compiled query runs as a prepared statement of the connection (unless
    PAPERFEED_PG_PREPARED is off), with the same rows; while Django logs queries it runs on
    the connection's own cursor, so the log has its SQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    papers = [PaperFactory(title=f"Prepared {n}") for n in range(2)]

    def prepared() -> int:
        if connection.vendor != "postgresql":
            return 0
        return prepared_statements("%papers_paper%title%")

    settings.PAPERFEED_PG_PREPARED = False
    plain = compile_query(Paper.objects.filter(pk=-1).values_list("title"), [-1])
    assert plain.rows([papers[0].pk]) == [("Prepared 0",)]
    assert prepared() == 0
    settings.PAPERFEED_PG_PREPARED = True
    compiled = compile_query(Paper.objects.filter(pk=-1).values_list("title", "pk"), [-1])
    for paper in papers:
        assert compiled.rows([paper.pk]) == [(paper.title, paper.pk)]
    assert compiled.rows([-5]) == []
    assert prepared() == (1 if connection.vendor == "postgresql" else 0)
    with CaptureQueriesContext(connection) as logged:
        assert compiled.rows([papers[1].pk]) == [("Prepared 1", papers[1].pk)]
    assert len(logged) == 1 and "papers_paper" in logged[0]["sql"]


def test_a_statement_is_numbered_as_psycopg_numbers_it():
    """The prepared cursor sends each statement with ``$n`` placeholders, numbered once per
    process (psycopg does it on every execute for a statement over 4 KB)."""
    sql = "SELECT %s, 'a%%b' || %s FROM t WHERE x = %s"
    assert numbered(sql) == b"SELECT $1, 'a%b' || $2 FROM t WHERE x = $3"
    assert numbered(sql) is numbered(sql)  # kept: made once
    for other in ("SELECT %(name)s", "SELECT 5 %", "SELECT %d"):
        with pytest.raises(ValueError, match="placeholders"):
            numbered(other)


def test_a_long_statement_runs_numbered_with_each_querys_values(settings):
    """A statement over psycopg's 4 KB bound, with a literal ``%``, prepared: the same rows as
    the connection's own cursor gives."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from paperfeed.core.compiled import prepared_cursor

    papers = [PaperFactory(title=f"Long {n}% done") for n in range(3)]
    ids = ", ".join(["%s"] * 3)
    sql = (
        "SELECT title, title LIKE '%%done' FROM papers_paper WHERE id IN ("
        + ids
        + ") AND title <> %s /* "
        + "x" * 4200
        + " */ ORDER BY id"
    )
    values = [paper.pk for paper in papers] + ["none"]
    settings.PAPERFEED_PG_PREPARED = True
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, values)
        prepared = [tuple(row) for row in cursor.fetchall()]
    with CaptureQueriesContext(connection), prepared_cursor(connection) as cursor:
        cursor.execute(sql, values)  # logged: the connection's own cursor, psycopg numbering
        plain = [tuple(row) for row in cursor.fetchall()]
    assert prepared == plain == [(f"Long {n}% done", True) for n in range(3)]
