"""A member's kept trending list (trending/list_shown.py) is renewed, not built again, while
the stored run, its page of scores and what each paper shows hold, and built again within the
interval when a recompute reorders it or a card's paper changes; a replay (``?as_of=``) is
scored on the fly and built again after each interval, as before. On SQLite and PostgreSQL
alike."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from paperfeed.core import bodykeep
from paperfeed.papers.models import Featured, Paper
from paperfeed.trending import scores
from paperfeed.trending import views as trending_views
from tests.factories import UserFactory
from tests.helpers import counted_calls, fresh_page_caches, signed_in

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 11, 12, tzinfo=UTC)
PATH = "/papers/trending?window=week"


@pytest.fixture(autouse=True)
def _caches(settings, monkeypatch, tmp_path):
    fresh_page_caches(settings, page_seconds=1, card_seconds=3600)
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(bodykeep, "_next_midnight", lambda now: now + 86400)


@pytest.fixture
def builds(monkeypatch):
    return counted_calls(monkeypatch, trending_views.selectors, "trending_papers")


def _before(page: str, first: Paper, second: Paper) -> bool:
    return page.index(f'id="paper-{first.pk}"') < page.index(f'id="paper-{second.pk}"')


def test_a_recompute_that_reorders_the_list_and_an_edit_show_within_the_interval(
    scored_catalogue, builds
):
    hot, starry, _stale = scored_catalogue
    scores.trending_scores_recompute(now=NOW)
    reader = signed_in(UserFactory())
    assert _before(reader.get(PATH).content.decode(), starry, hot)
    for _ in range(2):
        time.sleep(1.2)
        assert _before(reader.get(PATH).content.decode(), starry, hot)
    assert builds[0] == 1  # renewed twice
    Featured.objects.filter(paper=hot).update(upvotes=20_000)
    scores.trending_scores_recompute(now=NOW)
    time.sleep(1.2)
    assert _before(reader.get(PATH).content.decode(), hot, starry)
    assert builds[0] == 2
    Paper.objects.filter(pk=hot.pk).update(title="A trending title, edited")
    time.sleep(1.2)
    assert "A trending title, edited" in reader.get(PATH).content.decode()
    assert builds[0] == 3
    time.sleep(1.2)
    reader.get(PATH)
    assert builds[0] == 3


def test_a_replay_is_built_again_after_each_interval(scored_catalogue, builds):
    reader = signed_in(UserFactory())
    path = "/papers/trending?window=month&as_of=2026-03-05"
    assert "Replay:" in reader.get(path).content.decode()
    time.sleep(1.2)
    reader.get(path)
    assert builds[0] == 2
