"""Paper.code_stars following the repositories' counts (paperfeed/trending/codestars.py)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from paperfeed.papers.models import Paper
from paperfeed.papers.services import papers_code_stars_set, papers_links_found
from paperfeed.trending.codestars import code_stars_sync, code_stars_sync_papers
from paperfeed.trending.links import code_links_find
from paperfeed.trending.models import Repository
from tests.factories import PaperFactory, catalogue_paper

pytestmark = pytest.mark.django_db

A, B = "https://github.com/acme/rocket", "https://github.com/acme/sled"


def _repo(url: str, stars: int | None) -> Repository:
    key = url.removeprefix("https://")
    return Repository.objects.create(
        key=key, host="github.com", full_name=key.split("/", 1)[1], stars=stars
    )


def _stars(*papers: Paper) -> list[int | None]:
    return [Paper.objects.get(pk=paper.pk).code_stars for paper in papers]


def test_only_the_papers_of_repositories_whose_count_changed_are_read_and_written():
    rocket, sled = _repo(A, 10), _repo(B, 20)
    a, b, c = PaperFactory(code_url=A), PaperFactory(code_url=B), PaperFactory(code_url=A + "/")
    PaperFactory(code_url="")
    assert code_stars_sync() == 3
    assert _stars(a, b, c) == [10, 20, 10]
    assert code_stars_sync() == 0  # nothing changed since

    Repository.objects.filter(pk=rocket.pk).update(stars=11)
    with CaptureQueriesContext(connection) as queries:
        assert code_stars_sync() == 2
    assert _stars(a, b, c) == [11, 20, 11]
    read = " ".join(q["sql"] for q in queries.captured_queries if "papers_paper" in q["sql"])
    assert rocket.key in read and sled.key not in read  # the unchanged repository: not read

    # A count set by anything else stays until the repository's count moves again.
    papers_code_stars_set(stars={b.pk: 999})
    assert code_stars_sync() == 0 and _stars(b) == [999]
    Repository.objects.filter(pk=sled.pk).update(stars=21)
    assert code_stars_sync() == 1 and _stars(b) == [21]


def test_a_paper_whose_link_moved_to_another_repository_gets_that_ones_count():
    _repo(A, 10), _repo(B, 20)
    paper = PaperFactory(code_url=A)
    code_stars_sync()
    assert _stars(paper) == [10]
    # As the link finder writes a new repository: the old count is cleared with it.
    papers_links_found(changes={paper.pk: {"code_url": B, "code_stars": None}})
    assert Paper.objects.get(pk=paper.pk).code_repo == "github.com/acme/sled"
    assert code_stars_sync() == 1
    assert _stars(paper) == [20]


def test_a_repository_without_a_count_leaves_its_papers_without_one():
    _repo(A, None)
    paper = PaperFactory(code_url=A)
    assert code_stars_sync() == 0
    assert _stars(paper) == [None]
    Repository.objects.update(stars=5)
    assert code_stars_sync() == 1 and _stars(paper) == [5]


def test_imported_papers_take_their_repositorys_count_over_the_one_their_source_gave():
    _repo(A, 10)
    code_stars_sync()
    # Named by HF with its count, older than the repository's.
    paper = catalogue_paper("2604.00077", code_url=A, code_stars=3, featured_on=date(2026, 4, 1))
    assert _stars(paper) == [3]
    code_links_find(paper_ids=[paper.pk])
    assert _stars(paper) == [10]
    assert code_stars_sync_papers(paper_ids=[paper.pk]) == 0
