"""The digest's optional "For you" section, from the recommender."""

import pytest

from paperfeed.digests import emails
from paperfeed.papers.similar.models import SimilarPaper
from tests.factories import PaperFactory, SavedPaperFactory, SubscriberFactory, UserFactory

pytestmark = pytest.mark.django_db

PERIOD = "daily:2026-11-27"


def sections(subscriber) -> list[tuple[str, list[str]]]:
    _, found = emails.DigestBuilder().sections(subscriber, "daily")
    return [(title, [card.paper.title for card in cards]) for title, cards in found]


def test_for_you_section_comes_first_from_this_periods_papers_and_none_twice(catalogue):
    ada = UserFactory(email="ada@example.org")
    mine = PaperFactory(title="Self-supervised speech")
    SavedPaperFactory(user=ada, paper=mine)
    speech, graphs = catalogue[0], catalogue[2]
    # The featured speech paper lists Ada's paper among its neighbours (a paper newer than her
    # paper's own index row); an older, unfeatured neighbour is not this period's and stays out.
    SimilarPaper.objects.create(paper=speech, neighbour=mine, rank=0, score=0.8)
    SimilarPaper.objects.create(paper=mine, neighbour=PaperFactory(), rank=0, score=0.9)
    subscriber = SubscriberFactory(email=ada.email, user=ada, for_you=True, paper_count=4)

    found = sections(subscriber)

    assert found[0] == ("For you", [speech.title])
    titles = [t for _, cards in found for t in cards]
    assert len(titles) == len(set(titles)) == 4  # none twice, and the count is kept
    assert graphs.title in titles
    rendered = emails.DigestBuilder().render(subscriber=subscriber, period=PERIOD)
    assert rendered is not None and "For you" in rendered.text


def test_without_the_option_or_an_account_there_is_no_for_you_section(catalogue):
    ada = UserFactory()
    SavedPaperFactory(user=ada, paper=PaperFactory())
    off = SubscriberFactory(user=ada, for_you=False)
    no_account = SubscriberFactory(for_you=True)

    assert "For you" not in [title for title, _ in sections(off)]
    assert "For you" not in [title for title, _ in sections(no_account)]
    # With the option and nothing to recommend, the digest is the usual one.
    empty = SubscriberFactory(user=UserFactory(), for_you=True)
    assert sections(empty) == sections(off)


def test_the_preferences_form_offers_the_section(client):
    from paperfeed.digests import tokens

    subscriber = SubscriberFactory()
    token = tokens.make_token(subscriber=subscriber, purpose=tokens.PREFERENCES)
    page = client.get(f"/digest/preferences/{token}")
    assert page.status_code == 200 and "Start with papers for you" in page.content.decode()
