from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from paperfeed.accounts.roles import curator_grant
from paperfeed.community.services import SubmissionRefused, paper_submit
from paperfeed.papers.models import Featured, Paper
from tests.factories import FeaturedFactory, PaperFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return UserFactory(verified=True)


def test_catalogued_paper_is_featured_today(member):
    paper = PaperFactory(arxiv_id="2611.01234")
    entry = paper_submit(user=member, arxiv_id_or_url="https://arxiv.org/abs/2611.01234v2")
    assert entry.paper == paper and entry.day == timezone.localdate()
    assert entry.source == Featured.Source.SUBMISSION and entry.featured_by == member


def test_unknown_paper_is_fetched_from_the_loopback_arxiv(member, arxiv_server):
    arxiv_server.papers["2611.05555"] = ("Fresh results", timezone.now() - timedelta(days=2), "")
    entry = paper_submit(user=member, arxiv_id_or_url="arXiv:2611.05555")
    assert entry.paper.title == "Fresh results"
    assert arxiv_server.requests and "2611.05555" in arxiv_server.requests[0]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("not an id", "not an arXiv id"),
        ("<script>alert(1)</script>", "not an arXiv id"),
        ("2613.01234", "not an arXiv id"),  # month 13
        ("2712.01234", "has not begun yet"),  # a future month
        ("x" * 5000, "not an arXiv id"),
    ],
)
def test_malformed_and_future_ids_are_refused(member, value, words):
    with pytest.raises(SubmissionRefused, match=words):
        paper_submit(user=member, arxiv_id_or_url=value)
    assert not Featured.objects.exists()


def test_unknown_to_arxiv_is_refused(member, arxiv_server):
    with pytest.raises(SubmissionRefused, match="arXiv has no paper"):
        paper_submit(user=member, arxiv_id_or_url="2611.09999")


def test_withdrawn_paper_is_refused(member, arxiv_server):
    arxiv_server.papers["2611.04444"] = (
        "Gone",
        timezone.now() - timedelta(days=1),
        "This paper has been withdrawn by the author due to an error",
    )
    with pytest.raises(SubmissionRefused, match="withdrawn"):
        paper_submit(user=member, arxiv_id_or_url="2611.04444")
    assert not Featured.objects.exists()


def test_guardrails(settings, member):
    settings.PAPERFEED_SUBMIT_PER_DAY = 1
    old = PaperFactory(published=timezone.now() - timedelta(days=30))
    with pytest.raises(SubmissionRefused, match="30 days ago; only papers up to 14"):
        paper_submit(user=member, arxiv_id_or_url=old.arxiv_id)
    first, second = PaperFactory(), PaperFactory()
    paper_submit(user=member, arxiv_id_or_url=first.arxiv_id)
    with pytest.raises(SubmissionRefused, match="already on today's list"):
        paper_submit(user=UserFactory(verified=True), arxiv_id_or_url=first.arxiv_id)
    with pytest.raises(SubmissionRefused, match="daily limit"):
        paper_submit(user=member, arxiv_id_or_url=second.arxiv_id)


def test_unverified_and_new_accounts_are_refused(settings):
    paper = PaperFactory()
    with pytest.raises(SubmissionRefused, match="confirm your email"):
        paper_submit(user=UserFactory(verified=False), arxiv_id_or_url=paper.arxiv_id)
    settings.PAPERFEED_SUBMIT_MIN_ACCOUNT_AGE_HOURS = 48
    with pytest.raises(SubmissionRefused, match="48 hours old"):
        paper_submit(user=UserFactory(verified=True), arxiv_id_or_url=paper.arxiv_id)


def test_curators_are_exempt(settings):
    settings.PAPERFEED_SUBMIT_PER_DAY = 0
    curator = UserFactory(verified=False)
    curator_grant(user=curator)
    old = PaperFactory(published=timezone.now() - timedelta(days=300))
    assert paper_submit(user=curator, arxiv_id_or_url=old.arxiv_id).paper == old


def test_hidden_paper_is_refused(member):
    paper = PaperFactory(hidden=True)
    with pytest.raises(SubmissionRefused, match="hidden"):
        paper_submit(user=member, arxiv_id_or_url=paper.arxiv_id)


def test_submit_page(client, member):
    client.force_login(member)
    paper = PaperFactory()
    response = client.post("/submit", {"arxiv_id": "nonsense"})
    assert response.status_code == 400 and b"not an arXiv id" in response.content
    response = client.post("/submit", {"arxiv_id": paper.arxiv_id})
    assert response.status_code == 302
    assert Featured.objects.filter(paper=paper).exists()
    FeaturedFactory()  # another day's entry does not count against anyone
    assert Paper.objects.count() == 2
