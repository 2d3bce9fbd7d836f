"""Acceptance: the real huggingface_hub client, unchanged, against a live paperfeed server."""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest

os.environ["HF_HUB_OFFLINE"] = "0"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.pop("HF_TOKEN", None)
huggingface_hub = pytest.importorskip("huggingface_hub")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    """Fail loudly if anything tries to leave the machine."""
    real_connect = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("localhost",):
            try:
                if not ipaddress.ip_address(host).is_loopback:
                    raise AssertionError(f"network access to {address!r}")
            except ValueError:
                raise AssertionError(f"network access to {address!r}") from None
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def hf(live_server, catalogue):
    yield huggingface_hub.HfApi(endpoint=live_server.url, token=False)
    # huggingface_hub keeps one HTTP client for the process, whose kept-alive connection held
    # a live-server thread, and that thread's database session, open past the test.
    huggingface_hub.close_session()


def ids(papers):
    return [paper.id for paper in papers]


def test_list_daily_papers_by_date(hf):
    papers = list(hf.list_daily_papers(date="2025-03-11"))
    assert ids(papers) == ["2503.00002", "2503.00001"]
    attention = papers[1]
    assert attention.title == "Attention for everyone"
    assert attention.upvotes == 10
    assert attention.submitted_at.isoformat() == "2025-03-11T00:00:00+00:00"
    assert attention.published_at.isoformat() == "2025-03-10T17:59:30+00:00"
    assert attention.github_repo == "https://github.com/example/attention"
    assert attention.github_stars == 42
    assert attention.project_page == "https://example.org/attention"
    assert [author.name for author in attention.authors] == ["Ada Lovelace", "Alan Turing"]
    assert attention.authors[0].hidden is False
    assert attention.comments == 0
    assert attention.summary == "Abstract of Attention for everyone."


def test_list_daily_papers_by_week_and_month(hf):
    assert ids(hf.list_daily_papers(week="2025-W11")) == ["2503.00003", "2503.00002", "2503.00001"]
    trending = list(hf.list_daily_papers(month="2025-03", sort="trending"))
    assert ids(trending) == ["2503.00002", "2503.00001", "2503.00003"]
    assert [paper.upvotes for paper in trending] == [30, 10, 5]


def test_list_daily_papers_by_submitter(hf):
    papers = list(hf.list_daily_papers(submitter="alice"))
    assert ids(papers) == ["2503.00003", "2503.00001"]


def test_paging_with_p_and_limit(hf):
    pages = [ids(hf.list_daily_papers(p=page, limit=2)) for page in range(3)]
    assert pages == [["2503.00003", "2503.00002"], ["2503.00001", "2502.00004"], []]


def test_paper_info(hf):
    paper = hf.paper_info("2503.00001")
    assert paper.id == "2503.00001"
    assert paper.title == "Attention for everyone"
    assert paper.upvotes == 10
    assert paper.submitted_at.isoformat() == "2025-03-11T00:00:00+00:00"
    assert paper.github_repo == "https://github.com/example/attention"
    assert paper.github_stars == 42
    assert [author.name for author in paper.authors] == ["Ada Lovelace", "Alan Turing"]


def test_paper_info_unknown_id_is_404(hf):
    with pytest.raises(huggingface_hub.errors.HfHubHTTPError) as raised:
        hf.paper_info("2503.99999")
    assert raised.value.response.status_code == 404


def test_list_papers_search(hf):
    found = list(hf.list_papers(query="contrastive cats"))
    assert ids(found)[:1] == ["2503.00003"]
    assert found[0].title == "Contrastive cats"
    assert found[0].authors[0].name == "Edsger Dijkstra"
    assert found[0].submitted_at.isoformat() == "2025-03-12T00:00:00+00:00"


def test_list_papers_by_a_pasted_url(hf):
    found = list(hf.list_papers(query="https://arxiv.org/abs/2503.00003v1"))
    assert ids(found) == ["2503.00003"]
    assert found[0].title == "Contrastive cats"


def test_read_paper(hf):
    text = hf.read_paper("2503.00001")
    assert text.startswith("# Attention for everyone")
    assert "Ada Lovelace, Alan Turing" in text
    assert "https://arxiv.org/pdf/2503.00001" in text
    assert "Abstract of Attention for everyone." in text
