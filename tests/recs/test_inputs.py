"""One member's signalled papers for serving (recs/inputs.reader_papers): every kind, newest
signal first, each paper once with the kind its reason names, visible papers only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from paperfeed.community.models import AuthorClaim, Comment, Upvote
from paperfeed.library.models import SavedPaper
from paperfeed.recs import inputs
from tests.factories import AuthorFactory, CommentFactory, PaperFactory, UserFactory
from tests.helpers import prepared_statements

pytestmark = pytest.mark.django_db


def at(model, hours_ago: float, **lookup) -> None:
    """Backdate a signal (the models stamp their creation time themselves)."""
    field = "created" if model is SavedPaper else "created_at"
    model.objects.filter(**lookup).update(**{field: timezone.now() - timedelta(hours=hours_ago)})


def test_every_kind_newest_first_each_paper_once_named_by_its_first_kind():
    ada, bob = UserFactory(), UserFactory()
    saved, claimed, upvoted, commented, both = (PaperFactory() for _ in range(5))
    hidden, rejected, deleted, bobs = (PaperFactory() for _ in range(4))
    SavedPaper.objects.create(user=ada, paper=saved)
    AuthorClaim.objects.create(user=ada, paper=claimed, author=AuthorFactory())
    Upvote.objects.create(user=ada, paper=upvoted)
    CommentFactory(author=ada, paper=commented)
    # Saved long ago, upvoted just now: named "saved", placed by the upvote.
    SavedPaper.objects.create(user=ada, paper=both)
    Upvote.objects.create(user=ada, paper=both)
    # Left out: a paper a curator hid, a rejected claim, a deleted comment, another member's.
    SavedPaper.objects.create(user=ada, paper=hidden)
    hidden.hidden = True
    hidden.save()
    AuthorClaim.objects.create(
        user=ada, paper=rejected, author=AuthorFactory(), status=AuthorClaim.Status.REJECTED
    )
    CommentFactory(author=ada, paper=deleted, deleted=True)
    SavedPaper.objects.create(user=bob, paper=bobs)
    for hours, (model, paper) in enumerate(
        [
            (Upvote, both),
            (Comment, commented),
            (Upvote, upvoted),
            (AuthorClaim, claimed),
            (SavedPaper, saved),
            (SavedPaper, both),
        ]
    ):
        owner = {"author": ada} if model is Comment else {"user": ada}
        at(model, hours + 1, paper=paper, **owner)

    found = inputs.reader_papers(user_id=ada.pk, limit=50)

    assert [(p.paper_id, p.kind) for p in found] == [
        (both.pk, "saved"),
        (commented.pk, "commented"),
        (upvoted.pk, "upvoted"),
        (claimed.pk, "claimed"),
        (saved.pk, "saved"),
    ]
    assert [p.paper_id for p in inputs.reader_papers(user_id=ada.pk, limit=2)] == [
        both.pk,
        commented.pk,
    ]
    assert inputs.reader_papers(user_id=UserFactory().pk, limit=50) == []


def test_the_newest_signals_win_when_there_are_more_than_the_limit():
    ada = UserFactory()
    papers = [PaperFactory() for _ in range(6)]
    for hours, paper in enumerate(papers):
        SavedPaper.objects.create(user=ada, paper=paper)
        at(SavedPaper, hours + 1, user=ada, paper=paper)
    # Same moment: the higher paper id first.
    tied = PaperFactory()
    Upvote.objects.create(user=ada, paper=tied)
    Upvote.objects.filter(user=ada, paper=tied).update(
        created_at=SavedPaper.objects.get(user=ada, paper=papers[0]).created
    )

    found = [p.paper_id for p in inputs.reader_papers(user_id=ada.pk, limit=3)]

    assert found == [tied.pk, papers[0].pk, papers[1].pk]


def test_on_postgresql_the_signals_statement_is_prepared_with_the_same_answers(settings):
    """Planning the four-kind union cost PostgreSQL more than running it: it is a prepared
    statement of the connection, one for every reader; PAPERFEED_PG_PREPARED off, none."""
    from django.db import connection

    ada, bob = UserFactory(), UserFactory()
    papers = [PaperFactory() for _ in range(3)]
    for hours, paper in enumerate(papers):
        SavedPaper.objects.create(user=ada, paper=paper)
        at(SavedPaper, hours + 1, user=ada, paper=paper)
    Upvote.objects.create(user=bob, paper=papers[1])

    settings.PAPERFEED_PG_PREPARED = False
    off = [(p.paper_id, p.kind) for p in inputs.reader_papers(user_id=ada.pk, limit=50)]
    if connection.vendor == "postgresql":
        assert prepared_statements("%MIN(kind)%") == 0
    settings.PAPERFEED_PG_PREPARED = True
    on = [(p.paper_id, p.kind) for p in inputs.reader_papers(user_id=ada.pk, limit=50)]
    assert on == off == [(paper.pk, "saved") for paper in papers]
    assert [p.paper_id for p in inputs.reader_papers(user_id=bob.pk, limit=2)] == [papers[1].pk]
    if connection.vendor == "postgresql":
        assert prepared_statements("%MIN(kind)%") == 1
