"""/papers/for-you: cold start by content, reasons, collaboration after training, hiding,
privacy, and the private feed."""

import pytest
from django.urls import reverse

from paperfeed.community.models import Upvote
from paperfeed.papers.similar.models import SimilarPaper
from paperfeed.recs import selectors, services
from paperfeed.recs.models import HiddenPaper, TrainingRun
from tests.factories import PaperFactory, SavedPaperFactory, UserFactory

pytestmark = pytest.mark.django_db

FOR_YOU = "/papers/for-you"


def similar(paper, *neighbours) -> None:
    for rank, neighbour in enumerate(neighbours):
        SimilarPaper.objects.create(
            paper=paper, neighbour=neighbour, rank=rank, score=0.9 - rank / 10
        )


def signed_in(client, user):
    client.force_login(user)
    return client


def test_signed_out_readers_are_sent_to_sign_in(client):
    response = client.get(FOR_YOU)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_reason_typesets_the_saved_papers_title_and_sits_outside_the_shared_card(client):
    ada = UserFactory()
    mine = PaperFactory(title="Scaling $O(n^2)$ attention")
    near = PaperFactory()
    similar(mine, near)
    SavedPaperFactory(user=ada, paper=mine)

    page = signed_in(client, ada).get(FOR_YOU).content.decode()

    reason = page[page.index('<div class="entry-reason">') :]
    reason = reason[: reason.index("</div>")]
    assert "Because you saved" in reason and "$O(n^2)$" not in reason
    assert 'class="math"' in reason
    # The reason follows the shared part (</article> and the thumbnail), never inside it.
    assert page.index("</article>") < page.index('<div class="entry-reason">')


def test_no_signal_yet_says_how_to_start(client):
    response = signed_in(client, UserFactory()).get(FOR_YOU)
    assert response.status_code == 200
    assert "Save, upvote or comment on a few papers" in response.content.decode()
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )


def test_first_signal_with_no_community_recommends_by_content(client):
    """One saved paper, no other member, no trained model: the neighbour index alone."""
    ada = UserFactory()
    mine = PaperFactory(title="Diffusion models for graphs")
    near, nearer, unrelated = (
        PaperFactory(),
        PaperFactory(title="Graph diffusion, again"),
        PaperFactory(),
    )
    similar(mine, nearer, near)
    SavedPaperFactory(user=ada, paper=mine)

    page = signed_in(client, ada).get(FOR_YOU).content.decode()

    assert page.index(nearer.title) < page.index(near.title)
    assert unrelated.title not in page
    assert "Because you saved" in page and "Diffusion models for graphs" in page
    found = selectors.for_you(user=ada)
    assert [item.row.paper for item in found.items] == [nearer, near]
    assert found.items[0].reason == "Because you saved “Diffusion models for graphs”"
    assert not found.trained


def test_reasons_name_the_kind_of_signal(client):
    ada = UserFactory()
    voted = PaperFactory(title="A voted paper")
    Upvote.objects.create(user=ada, paper=voted)
    target = PaperFactory()
    similar(voted, target)

    [item] = selectors.for_you(user=ada).items
    assert item.row.paper == target
    assert item.reason == "Because you upvoted “A voted paper”"


def test_papers_the_reader_already_has_and_old_papers_are_not_recommended(settings):
    from datetime import timedelta

    from django.utils import timezone

    ada = UserFactory()
    mine, also_mine = PaperFactory(), PaperFactory()
    old = PaperFactory(published=timezone.now() - timedelta(days=800))
    similar(mine, also_mine, old)
    SavedPaperFactory(user=ada, paper=mine)
    SavedPaperFactory(user=ada, paper=also_mine)

    assert selectors.for_you(user=ada).items == []
    settings.PAPERFEED_RECS_MAX_AGE_DAYS = 0
    assert [i.row.paper for i in selectors.for_you(user=ada).items] == [old]


def community(shared, extra, readers: int):
    """``readers`` members who each saved both ``shared`` and ``extra``."""
    for _ in range(readers):
        member = UserFactory()
        SavedPaperFactory(user=member, paper=shared)
        SavedPaperFactory(user=member, paper=extra)


def test_training_brings_collaboration_with_an_aggregate_reason(client):
    ada = UserFactory()
    mine = PaperFactory(title="Attention is a paper")
    theirs = PaperFactory(title="What the others keep")
    community(mine, theirs, readers=3)
    SavedPaperFactory(user=ada, paper=mine)
    assert selectors.for_you(user=ada).items == []  # no model, no content neighbours

    run = services.model_train()

    assert (run.readers, run.papers) == (4, 2)
    [item] = selectors.for_you(user=ada).items
    assert item.row.paper == theirs
    assert item.via == "collaborative"
    assert item.reason == "Popular with readers who saved “Attention is a paper”"
    page = signed_in(client, ada).get(FOR_YOU).content.decode()
    assert "Popular with readers who saved" in page and theirs.title in page


def test_a_pairing_in_too_few_libraries_never_reaches_another_reader(client):
    """Privacy: bob and carol keep a paper privately beside one ada has; two libraries are
    below PAPERFEED_RECS_MIN_READERS (3), so it is never recommended to ada, and no page or
    feed of hers names it or them."""
    ada, bob, carol = UserFactory(), UserFactory(), UserFactory()
    shared = PaperFactory(title="Everyone reads this")
    private = PaperFactory(title="Bob and Carol's private reading")
    for member in (ada, bob, carol):
        SavedPaperFactory(user=member, paper=shared)
    SavedPaperFactory(user=bob, paper=private)
    SavedPaperFactory(user=carol, paper=private)
    # Bob also saved a paper that is a content neighbour of his private one.
    similar(private, PaperFactory())
    services.model_train()

    assert selectors.for_you(user=ada).items == []
    signed_in(client, ada)
    page = client.get(FOR_YOU).content.decode()
    assert private.title not in page and bob.username not in page
    client.post(reverse("recs:feed_key"), {"action": "rotate"})
    key = selectors.feed_key(user_id=ada.pk)
    feed = client.get(reverse("recs:feed_rss", args=[services.feed_token(key)])).content.decode()
    assert private.title not in feed and bob.username not in feed


def test_every_reason_names_only_the_readers_own_papers():
    ada, bob = UserFactory(), UserFactory()
    mine, bobs = PaperFactory(), PaperFactory(title="Bob's secret")
    target = PaperFactory()
    similar(mine, target)
    similar(bobs, target)
    SavedPaperFactory(user=ada, paper=mine)
    SavedPaperFactory(user=bob, paper=bobs)

    [item] = selectors.for_you(user=ada).items
    assert item.because_id == mine.pk and "Bob's secret" not in item.reason


def test_a_hidden_paper_is_never_recommended_again(client):
    ada = UserFactory()
    mine, unwanted, wanted = PaperFactory(), PaperFactory(title="Not for me"), PaperFactory()
    similar(mine, unwanted, wanted)
    SavedPaperFactory(user=ada, paper=mine)
    signed_in(client, ada)

    response = client.post(reverse("recs:hide", args=[unwanted.pk]), {"next": FOR_YOU})

    assert response.status_code == 302 and response["Location"] == FOR_YOU
    assert HiddenPaper.objects.filter(user=ada, paper=unwanted).exists()
    page = client.get(FOR_YOU).content.decode()
    assert "Not for me" not in page.split('class="paper-list"')[1] and wanted.title in page
    # Not after retraining, not through the collaborative model either.
    community(mine, unwanted, readers=3)
    services.model_train()
    assert unwanted not in [i.row.paper for i in selectors.for_you(user=ada).items]
    # The hidden list shows it, and "show again" lets it back in.
    assert "Not for me" in client.get(reverse("recs:hidden")).content.decode()
    client.post(reverse("recs:hide", args=[unwanted.pk]), {"action": "unhide"})
    assert unwanted in [i.row.paper for i in selectors.for_you(user=ada).items]


def test_hiding_needs_sign_in_and_post(client):
    paper = PaperFactory()
    assert client.post(reverse("recs:hide", args=[paper.pk])).status_code == 302
    assert not HiddenPaper.objects.exists()
    signed_in(client, UserFactory())
    assert client.get(reverse("recs:hide", args=[paper.pk])).status_code == 405
    assert client.post(reverse("recs:hide", args=[999999])).status_code == 404


def test_private_feed_by_token_and_revocable(client):
    ada = UserFactory()
    mine, target = PaperFactory(title="Mine"), PaperFactory(title="Recommended to Ada")
    similar(mine, target)
    SavedPaperFactory(user=ada, paper=mine)
    signed_in(client, ada)
    assert "Make a private feed address" in client.get(FOR_YOU).content.decode()

    client.post(reverse("recs:feed_key"), {"action": "rotate"})
    first = services.feed_token(selectors.feed_key(user_id=ada.pk))
    page = client.get(FOR_YOU).content.decode()
    assert first in page
    client.logout()  # a feed reader carries no session
    rss = client.get(reverse("recs:feed_rss", args=[first]))
    atom = client.get(reverse("recs:feed_atom", args=[first]))
    assert rss.status_code == 200 and atom.status_code == 200
    assert "Recommended to Ada" in rss.content.decode()
    assert "Because you saved" in atom.content.decode()
    assert rss["Cache-Control"] == "private, no-store"

    signed_in(client, ada)
    client.post(reverse("recs:feed_key"), {"action": "rotate"})
    second = services.feed_token(selectors.feed_key(user_id=ada.pk))
    assert second != first
    assert client.get(reverse("recs:feed_rss", args=[first])).status_code == 404
    assert client.get(reverse("recs:feed_rss", args=[second])).status_code == 200
    client.post(reverse("recs:feed_key"), {"action": "revoke"})
    assert client.get(reverse("recs:feed_rss", args=[second])).status_code == 404
    forged = f"{ada.pk}-1.{'A' * 27}"
    assert client.get(reverse("recs:feed_rss", args=[forged])).status_code == 404
    assert client.get(f"/feeds/for-you/{ada.pk}-1.x.rss").status_code == 404


def test_training_task_is_scheduled_and_stores_a_live_model(run_tasks, settings):
    from paperfeed.core.scheduler import scheduled_jobs
    from paperfeed.recs.tasks import recs_train_task

    job = next(j for j in scheduled_jobs() if j.name == "recs-train")
    assert job.task_path == "paperfeed.recs.tasks.recs_train_task"
    shared, extra = PaperFactory(), PaperFactory()
    community(shared, extra, readers=3)

    recs_train_task.enqueue()
    run_tasks()

    run = TrainingRun.objects.get()
    assert run.papers == 2 and run.links == 2 and run.peak_mb > 0
    model = selectors.live_model()
    assert model is not None and model.root.name == run.build
    targets, weights = model.links(shared.pk)
    assert list(targets) == [extra.pk] and weights[0] > 0
    assert (settings.PAPERFEED_RECS_DIR / "CURRENT").read_text() == run.build


def test_the_list_skips_old_hidden_and_stub_papers_beyond_the_first_batch_in_rank_order():
    """The filter is part of the rows' query, read a batch of the best ranked at a time: when
    most of the best are old, hidden by a curator or stubs, later batches fill the list, in
    rank order, up to the limit."""
    from datetime import timedelta

    from django.utils import timezone

    ada = UserFactory()
    mine = PaperFactory()
    long_ago = timezone.now() - timedelta(days=800)
    unlisted = [PaperFactory(published=long_ago) for _ in range(4)]
    unlisted += [PaperFactory(hidden=True) for _ in range(3)]
    unlisted += [PaperFactory(published_is_estimate=True, listed_on=None) for _ in range(3)]
    listed = [PaperFactory() for _ in range(5)]
    # Scores fall with the rank: the ten unlisted papers are the best ranked.
    for rank, neighbour in enumerate([*unlisted, *listed]):
        SimilarPaper.objects.create(
            paper=mine, neighbour=neighbour, rank=rank, score=0.9 - rank / 100
        )
    SavedPaperFactory(user=ada, paper=mine)

    # (The ranking hands over four times the limit: here ten unlisted papers, then listed.)
    found = selectors.for_you(user=ada, limit=4)

    assert [i.row.paper for i in found.items] == listed[:4]
    assert [i.row.paper for i in selectors.for_you(user=ada, limit=5).items] == listed


def test_the_page_counts_the_hidden_papers_with_and_without_a_list(client):
    ada = UserFactory()
    mine, near, other = PaperFactory(), PaperFactory(), PaperFactory()
    similar(mine, near, other)
    signed_in(client, ada)
    HiddenPaper.objects.create(user=ada, paper=other)
    # Nothing to go on yet: no list, the count still shows.
    assert "1 hidden paper</a>" in client.get(FOR_YOU).content.decode()
    SavedPaperFactory(user=ada, paper=mine)
    HiddenPaper.objects.create(user=ada, paper=near)
    page = client.get(FOR_YOU).content.decode()
    assert "2 hidden papers</a>" in page and f'href="{reverse("recs:hidden")}"' in page


def test_the_listed_papers_rows_are_the_cards_rows_read_for_the_chosen_alone(
    django_assert_max_num_queries,
):
    """Which candidates may be listed is read as ids; the rows only for the chosen papers, as
    every list's (papers_by_ids): the same rows, authors included, in rank order."""
    from paperfeed.papers.row_selectors import papers_by_ids

    ada = UserFactory()
    mine = PaperFactory()
    near = [PaperFactory() for _ in range(6)]
    for rank, neighbour in enumerate(near):
        SimilarPaper.objects.create(
            paper=mine, neighbour=neighbour, rank=rank, score=0.9 - rank / 100
        )
    SavedPaperFactory(user=ada, paper=mine)

    with django_assert_max_num_queries(8):
        found = selectors.for_you(user=ada, limit=4)

    expected = papers_by_ids(ids=[paper.pk for paper in near[:4]])
    assert [i.row.paper for i in found.items] == near[:4]
    assert [(i.row.paper.title, i.row.authors) for i in found.items] == [
        (row.paper.title, row.authors) for row in expected
    ]
