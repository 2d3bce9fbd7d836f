"""A link between a paper and its authors or categories cannot name a row that is not there.

On PostgreSQL the link tables' references are checked by statement triggers (migration
papers/0020), on SQLite by its foreign keys; both are checked here through committed
transactions, as the importer and the curators' deletions commit them.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import IntegrityError, connection, connections, transaction

from paperfeed.papers.models import Author, Paper, PaperAuthor, PaperCategory
from tests.factories import AuthorFactory, PaperAuthorFactory, PaperFactory

pytestmark = pytest.mark.django_db(transaction=True)

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the statement checks are PostgreSQL's"
)


def _missing_paper_id() -> int:
    return (Paper.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def test_a_link_to_a_missing_paper_or_author_is_refused():
    author = AuthorFactory()
    paper = PaperFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaperAuthor.objects.create(paper_id=_missing_paper_id(), author=author, position=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaperAuthor.objects.create(paper=paper, author_id=author.pk + 1000, position=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaperCategory.objects.create(paper_id=_missing_paper_id(), category="cs.LG", position=0)
    assert not PaperAuthor.objects.exists() and not PaperCategory.objects.exists()


def test_moving_a_link_to_a_missing_author_is_refused():
    link = PaperAuthorFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaperAuthor.objects.filter(pk=link.pk).update(author_id=link.author_id + 1000)
    link.refresh_from_db()
    assert Author.objects.filter(pk=link.author_id).exists()


def test_deleting_a_paper_or_author_still_linked_is_refused_at_commit():
    link = PaperAuthorFactory()
    PaperCategory.objects.create(paper=link.paper, category="cs.LG", position=0)
    for table, pk in (("papers_paper", link.paper_id), ("papers_author", link.author_id)):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    assert Paper.objects.filter(pk=link.paper_id).exists()
    assert Author.objects.filter(pk=link.author_id).exists()


def test_deleting_through_django_takes_the_links_along():
    link = PaperAuthorFactory()
    PaperCategory.objects.create(paper=link.paper, category="cs.LG", position=0)
    link.paper.delete()
    link.author.delete()
    assert not PaperAuthor.objects.exists() and not PaperCategory.objects.exists()


@postgres_only
def test_postgres_checks_a_statement_at_once_and_names_the_missing_row():
    paper, author = PaperFactory(), AuthorFactory()
    missing = author.pk + 1000
    rows = [(paper.pk, author.pk, 0, "A"), (paper.pk, missing, 1, "B"), (paper.pk, author.pk, 2)]
    refused = pytest.raises(IntegrityError, match=f"author_id={missing} is not present")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO papers_paperauthor (paper_id, author_id, position, name) "
            "VALUES (%s, %s, %s, %s), (%s, %s, %s, %s), (%s, %s, %s, 'C')",
            [value for row in rows for value in row],
        )
    with connection.cursor() as cursor:
        # No row-by-row foreign-key triggers left on the links: the import pays none.
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid IN "
            "('papers_paperauthor'::regclass, 'papers_papercategory'::regclass)"
        )
        assert cursor.fetchone() == (0,)


@postgres_only
def test_postgres_a_deletion_waits_for_a_link_written_meanwhile_and_is_refused():
    """The deleter's check at commit waits for the open link writer and then sees its rows."""
    paper, author = PaperFactory(), AuthorFactory()
    linked = threading.Event()
    outcome: list[BaseException | None] = []

    def delete_the_paper() -> None:
        linked.wait(10)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("DELETE FROM papers_paper WHERE id = %s", [paper.pk])
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)
        finally:
            connections.close_all()

    deleter = threading.Thread(target=delete_the_paper)
    deleter.start()
    with transaction.atomic():
        PaperAuthor.objects.create(paper=paper, author=author, position=0)
        linked.set()
        time.sleep(1)  # the deleter reaches its commit and waits for this transaction
        assert not outcome
    deleter.join(20)
    assert len(outcome) == 1 and isinstance(outcome[0], IntegrityError)
    assert PaperAuthor.objects.filter(paper=paper).exists()
