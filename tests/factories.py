"""Shared factory_boy factories. Append yours; don't rewrite others'."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from paperfeed.papers.codelinks import repo_key
from paperfeed.papers.models import Author, Featured, Paper, PaperAuthor
from paperfeed.papers.records import PaperRecord

# --- papers ---------------------------------------------------------------------------------


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper

    arxiv_id = factory.Sequence(lambda n: f"2601.{n + 10000:05d}")
    title = factory.Sequence(lambda n: f"A study of things, part {n}")
    abstract = "We study things and find results."
    published = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    updated = factory.LazyAttribute(lambda o: o.published)
    code_url = ""
    # As every writer of code_url stores it (papers.services, the importer).
    code_repo = factory.LazyAttribute(lambda o: repo_key(o.code_url))


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Author Number{n}")
    key = factory.LazyAttribute(lambda o: o.name.lower())


class PaperAuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaperAuthor

    paper = factory.SubFactory(PaperFactory)
    author = factory.SubFactory(AuthorFactory)
    position = factory.Sequence(lambda n: n)
    # As the paper writes it; by default the identity's spelling.
    name = factory.LazyAttribute(lambda o: o.author.name)


class FeaturedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Featured

    paper = factory.SubFactory(PaperFactory)
    day = factory.LazyFunction(lambda: timezone.localdate())
    source = Featured.Source.CURATOR


# --- accounts and community -----------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        """UserFactory(verified=True) gives a member with a confirmed email."""
        from paperfeed.accounts.models import Profile

        if not create:
            return
        self.save()
        Profile.objects.get_or_create(user=self, defaults={"email_verified": bool(extracted)})


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "community.Comment"

    paper = factory.SubFactory(PaperFactory)
    author = factory.SubFactory(UserFactory)
    body = "A fine paper."
    body_html = "<p>A fine paper.</p>"


# --- library --------------------------------------------------------------------------------


class SavedPaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "library.SavedPaper"

    user = factory.SubFactory(UserFactory)
    paper = factory.SubFactory(PaperFactory)


class CollectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "library.Collection"

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Reading list {n}")
    slug = factory.Sequence(lambda n: f"reading-list-{n}")


class CollectionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "library.CollectionItem"

    collection = factory.SubFactory(CollectionFactory)
    paper = factory.SubFactory(PaperFactory)
    position = factory.Sequence(lambda n: n)


# --- reading site ---------------------------------------------------------------------------


def catalogue_paper(
    arxiv_id: str,
    *,
    title: str = "A paper",
    abstract: str = "An abstract.",
    authors: tuple[str, ...] = ("Ada Lovelace",),
    categories: tuple[str, ...] = ("cs.CL",),
    published=None,  # type: ignore[no-untyped-def]
    featured_on=None,
    featured_upvotes: int = 0,
    code_url: str | None = None,
    code_stars: int | None = None,
) -> Paper:
    """A paper stored through the real importer (papers_upsert), so it is also in the FTS index."""
    from datetime import UTC, datetime

    from django.test import TestCase

    from paperfeed.papers.records import FeaturedRecord, PaperRecord
    from paperfeed.papers.services import papers_upsert

    when = published or datetime(2026, 2, 2, 12, tzinfo=UTC)
    record = PaperRecord(
        arxiv_id=arxiv_id,
        source="hf_daily" if featured_on else "listing",
        version=1,
        title=title,
        abstract=abstract,
        authors=list(authors),
        categories=list(categories),
        published=when,
        updated=when,
        versions=[(1, when)],
        code_url=code_url,
        code_stars=code_stars,
        featured=FeaturedRecord(day=featured_on, upvotes=featured_upvotes) if featured_on else None,
    )
    # Receivers of papers_imported (trending's upvote history) run once the import commits;
    # a test's transaction never does, so run them here as a committed import would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        summary = papers_upsert(records=[record])
    assert summary.rejected == 0, summary.errors
    return Paper.objects.get(arxiv_id=arxiv_id)


# --- digests --------------------------------------------------------------------------------


class SubscriberFactory(factory.django.DjangoModelFactory):
    """A confirmed digest subscriber (daily, both lists, 10 papers) unless told otherwise."""

    class Meta:
        model = "digests.Subscriber"

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    status = "confirmed"
    confirmed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))


def listing_record(arxiv_id: str = "2503.00001", **overrides: object) -> PaperRecord:
    """A record as the daily-listing parser yields it (no version, a listing day), for the
    importer's tests; ``overrides`` replace any field."""
    values: dict[str, object] = {
        "arxiv_id": arxiv_id,
        "source": "listing",
        "title": f"Paper {arxiv_id} on diffusion transformers",
        "abstract": "We study $\\alpha$-divergences in <b>bold</b> ways.",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "categories": ["cs.LG", "cs.AI"],
        "listed_on": date(2025, 3, 18),
    }
    values.update(overrides)
    return PaperRecord(**values)  # type: ignore[arg-type]
