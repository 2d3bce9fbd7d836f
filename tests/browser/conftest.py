"""Real Chromium (Debian's package) driven by Playwright, against pytest-django's live_server."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Screenshots are for a person to look at, never checked: .ci/run sets PAPERFEED_TEST_SHOTS=0
# because CI's clone is thrown away, and a full-page PNG cost ~45 % of a design test's time.
SHOTS = os.environ.get("PAPERFEED_TEST_SHOTS", "1") != "0"


def save_screenshot(page, path: Path) -> None:
    """A full-page screenshot at ``path``, unless screenshots are turned off (SHOTS)."""
    if SHOTS:
        page.screenshot(path=str(path), full_page=True)


def _ensure_chromium() -> None:
    """Debian's Chromium, installed with apt-get when missing (as .ci/run does); the browser
    tests skip, saying why, only when there is no way to have one."""
    if Path(CHROMIUM).exists():
        return
    if shutil.which("apt-get") is None:
        pytest.skip(f"no browser: {CHROMIUM} is missing and apt-get is not available to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=False, env=env, capture_output=True)
    result = subprocess.run(
        ["apt-get", "install", "-y", "-q", "chromium"], env=env, capture_output=True, text=True
    )
    if result.returncode != 0 or not Path(CHROMIUM).exists():
        pytest.skip(
            f"no browser: {CHROMIUM} is missing and `apt-get install chromium` failed:\n"
            f"{result.stderr[-2000:]}"
        )


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    def take(name: str) -> None:
        save_screenshot(page, ARTIFACTS / f"{name}.png")

    return take


TITLES = [
    "Scaling $O(n^2)$ attention with sparse transformers: a study of long-context language models",
    "Diffusion policies for dexterous manipulation",
    "A benchmark for multilingual retrieval-augmented generation across 120 languages and dialects",
    "Self-verifying reasoners",
    "Tokenizer-free language modelling at byte level",
    "Video world models that remember",
    "Antidisestablishmentarianism-style supercalifragilisticexpialidocious identifiers in code",
    "Small models, large contexts",
]


def design_catalogue() -> dict[str, object]:
    """A catalogue that exercises every part of a card and page: long titles and author lists,
    maths, code links with stars, project pages, several categories, submitters, comments, a
    verified author, upvote and star history. Returns what the tests need to find it again."""
    from datetime import timedelta

    from django.utils import timezone
    from django.utils.text import slugify

    from paperfeed.accounts.roles import curator_grant
    from paperfeed.community.models import AuthorClaim
    from paperfeed.community.services import claim_create, claim_decide, comment_create
    from paperfeed.digests import tokens
    from paperfeed.papers.models import Author, Featured, Paper
    from paperfeed.trending.models import UpvoteSnapshot
    from tests.factories import SubscriberFactory, UserFactory, catalogue_paper

    now = timezone.now()
    day = timezone.localdate() - timedelta(days=1)
    papers = []
    for number, title in enumerate(TITLES):
        authors = tuple(f"Author {chr(65 + i)}. Surname{number}{i}" for i in range(1 + number * 2))
        papers.append(
            catalogue_paper(
                f"2602.{number + 301:05d}",
                title=title,
                abstract=("We present a long study of $x^2 + y_i$ and more. " * (2 + number * 3))
                + "The end of the abstract.",
                authors=authors,
                categories=("cs.CL", "cs.AI", "cs.LG")[: 1 + number % 3],
                published=now - timedelta(days=2),
                featured_on=day,
                featured_upvotes=40 - number * 4,
                code_url=f"https://github.com/example/repo{number}" if number % 2 == 0 else None,
                code_stars=1200 * number if number % 2 == 0 else None,
            )
        )
    first = papers[0]
    Paper.objects.filter(pk=first.pk).update(project_page="https://example.org/sparse")
    Featured.objects.filter(paper=first).update(submitter_name="akhaliq")
    # History for the paper page's charts: the count rose over a week.
    UpvoteSnapshot.objects.bulk_create(
        UpvoteSnapshot(
            paper=first, taken_at=now - timedelta(days=7 - i), count=20 + i * 3, source="hf_daily"
        )
        for i in range(7)
    )
    member = UserFactory(username="ada", verified=True)
    curator = UserFactory(username="curator", verified=True)
    curator_grant(user=curator)
    author = Author.objects.get(authorships__paper=first, authorships__position=0)
    claim_decide(
        curator=curator, claim=claim_create(user=member, paper=first, author=author), approve=True
    )
    assert AuthorClaim.objects.filter(status=AuthorClaim.Status.APPROVED).count() == 1
    top = comment_create(
        user=member, paper=first, body="Does the **verifier** generalise? See https://example.org/a"
    )
    comment_create(user=curator, paper=first, body="It does, *mostly*.", parent=top)
    # A library and collections: the curator (the member pages' reader) saved papers with
    # notes and tags, and keeps a public collection with per-item notes.
    from paperfeed.library import services as library

    for paper, note, tags in (
        (first, "Read the verifier section twice; compare with the 2023 baseline.", "to-read, rl"),
        (papers[1], "", "vision"),
    ):
        saved = library.saved_paper_add(user=curator, paper=paper)
        library.saved_paper_edit(saved=saved, note=note, tags=tags)
    collection = library.collection_create(
        owner=curator,
        name="Sparse attention, the essential reading",
        description="Where to start on sparse attention, in reading order.",
        is_public=True,
    )
    for paper, note in (
        (first, "Start here: the clearest statement of the idea."),
        (papers[2], ""),
    ):
        library.collection_item_add(collection=collection, paper=paper, note=note)
    # Stored neighbours (what the worker's similar-papers build writes), so the curator's
    # for-you page recommends by content and shows its reasons.
    from paperfeed.papers.similar.models import SimilarPaper

    for source, neighbours in ((first, papers[3:5]), (papers[1], papers[5:6])):
        for rank, neighbour in enumerate(neighbours):
            SimilarPaper.objects.create(
                paper=source, neighbour=neighbour, rank=rank, score=0.9 - rank / 10
            )
    subscriber = SubscriberFactory(email="reader@example.org")
    preferences = tokens.make_token(subscriber=subscriber, purpose=tokens.PREFERENCES)
    return {
        "paper": first.arxiv_id,
        "member": member,
        "curator": curator,
        "day": day,
        "preferences": preferences,
        "author": f"{author.pk}-{slugify(author.name)}",
        "collection": collection.slug,
    }


def pytest_collection_modifyitems(items) -> None:
    # Rendering in a browser is the same on either database; the views' database paths are
    # covered by the view tests, so CI's PostgreSQL phase leaves the browser out.
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.sqlite_only)
