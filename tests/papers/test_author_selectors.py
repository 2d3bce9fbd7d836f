from datetime import UTC, datetime

import pytest

from paperfeed.papers.author_selectors import author_lookup, author_page
from paperfeed.papers.models import Author, Paper
from tests.factories import catalogue_paper

pytestmark = pytest.mark.django_db


def _papers():
    catalogue_paper(
        "2401.00001",
        authors=("José Núñez", "Ada Lovelace"),
        categories=("cs.LG", "stat.ML"),
        published=datetime(2024, 1, 5, tzinfo=UTC),
    )
    catalogue_paper(
        "2402.00001",
        authors=("Jose Nunez", "Ada Lovelace", "Alan Turing"),
        categories=("cs.LG",),
        published=datetime(2024, 2, 5, tzinfo=UTC),
    )
    catalogue_paper(
        "2403.00001",
        authors=("Ada Lovelace",),
        published=datetime(2024, 3, 5, tzinfo=UTC),
    )
    return Author.objects.get(key="jose nunez")


def test_lookup_by_id_id_and_slug_or_a_names_slug():
    jose = _papers()
    assert author_lookup(value=str(jose.pk)) == jose
    assert author_lookup(value=f"{jose.pk}-anything") == jose
    assert author_lookup(value="jose-nunez") == jose
    assert author_lookup(value="nobody-here") is None
    assert author_lookup(value="99999999") is None


def test_page_lists_one_identity_newest_first_with_coauthors_and_categories():
    jose = _papers()  # two spellings, one identity
    Paper.objects.filter(arxiv_id="2403.00001").update(hidden=True)
    page = author_page(author=jose, offset=0, limit=1)
    assert page.total == 2
    assert [row.paper.arxiv_id for row in page.rows] == ["2402.00001"]
    assert [(a.name, n) for a, n in page.coauthors] == [("Ada Lovelace", 2), ("Alan Turing", 1)]
    assert page.categories == [("cs.LG", 2), ("stat.ML", 1)]
    assert author_page(author=jose, offset=1, limit=1).rows[0].paper.arxiv_id == "2401.00001"
