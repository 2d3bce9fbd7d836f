from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from paperfeed.accounts.services import token_create
from paperfeed.papers import search
from paperfeed.papers.models import Author, PaperCategory
from tests.factories import FeaturedFactory, PaperAuthorFactory, PaperFactory, UserFactory


def make_paper(arxiv_id: str, *, title: str, authors=("Ada Lovelace",), **fields):
    paper = PaperFactory(
        arxiv_id=arxiv_id,
        title=title,
        abstract=fields.pop("abstract", f"Abstract of {title}."),
        published=fields.pop("published", datetime(2025, 3, 10, 17, 59, 30, tzinfo=UTC)),
        primary_category=fields.pop("primary_category", "cs.CL"),
        **fields,
    )
    for position, name in enumerate(authors):
        author, _ = Author.objects.get_or_create(key=name.lower(), defaults={"name": name})
        PaperAuthorFactory(paper=paper, author=author, position=position)
    PaperCategory.objects.create(paper=paper, category=paper.primary_category, position=0)
    # The importer indexes papers as it writes them; factories bypass it, so index here.
    search.index_papers([search.IndexRow(paper.pk, paper.title, paper.abstract, " ".join(authors))])
    return paper


@pytest.fixture
def old_paper(db):
    return make_paper("hep-th/9901001", title="Strings before the millennium")


@pytest.fixture
def catalogue(db):
    """Three featured days in March 2025 (ISO week 11 is 10-16 March) and one unfeatured paper."""
    a = make_paper(
        "2503.00001",
        title="Attention for everyone",
        authors=("Ada Lovelace", "Alan Turing"),
        code_url="https://github.com/example/attention",
        code_stars=42,
        project_page="https://example.org/attention",
    )
    b = make_paper("2503.00002", title="Benchmarks considered harmful", authors=("Grace Hopper",))
    c = make_paper("2503.00003", title="Contrastive cats", authors=("Edsger Dijkstra",))
    d = make_paper("2502.00004", title="December dreams", authors=("Barbara Liskov",))
    unfeatured = make_paper("2503.00005", title="Quiet paper nobody featured")
    FeaturedFactory(paper=a, day=date(2025, 3, 11), upvotes=10, submitter_name="alice")
    FeaturedFactory(paper=b, day=date(2025, 3, 11), upvotes=30, submitter_name="bob")
    FeaturedFactory(paper=c, day=date(2025, 3, 12), upvotes=5, submitter_name="alice")
    FeaturedFactory(paper=d, day=date(2025, 2, 20), upvotes=99, submitter_name="carol")
    return {"a": a, "b": b, "c": c, "d": d, "unfeatured": unfeatured}


@pytest.fixture
def token(db):
    return token_create(user=UserFactory(verified=True), name="test")


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
