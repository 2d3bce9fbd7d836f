"""Shared factory_boy factories. Append yours; don't rewrite others'."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from paperfeed.papers.models import Author, Featured, Paper, PaperAuthor

# --- papers ---------------------------------------------------------------------------------


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper

    arxiv_id = factory.Sequence(lambda n: f"2601.{n + 10000:05d}")
    title = factory.Sequence(lambda n: f"A study of things, part {n}")
    abstract = "We study things and find results."
    published = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    updated = factory.LazyAttribute(lambda o: o.published)


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
