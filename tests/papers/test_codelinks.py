from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperfeed.papers.codelinks import (
    CodeLink,
    Refused,
    extract_code_links,
    normalise_repo_url,
)
from paperfeed.papers.models import Paper
from paperfeed.papers.services import papers_upsert
from tests.factories import listing_record as rec


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://github.com/openai/whisper", "github.com/openai/whisper"),
        ("https://github.com/OpenAI/Whisper.git", "github.com/openai/whisper"),
        ("http://www.github.com/a-b/c_d.e/tree/main/src/x.py", "github.com/a-b/c_d.e"),
        ("github.com/owner/repo).", "github.com/owner/repo"),
        ("https://github.com/owner/repo#readme", "github.com/owner/repo"),
        ("https://github.com/owner/repo?tab=readme", "github.com/owner/repo"),
        ("git@github.com:owner/repo.git", "github.com/owner/repo"),
        ("https://gitlab.com/group/project/-/tree/main", "gitlab.com/group/project"),
        ("https://codeberg.org/forgejo/forgejo", "codeberg.org/forgejo/forgejo"),
        ("https://huggingface.co/spaces/owner/demo", "huggingface.co/spaces/owner/demo"),
        ("https://hf.co/spaces/owner/demo/blob/main/app.py", "huggingface.co/spaces/owner/demo"),
    ],
)
def test_normalises_to_host_owner_repo(url, key):
    link = normalise_repo_url(url)
    assert isinstance(link, CodeLink), link
    assert link.key == key
    assert link.url.startswith("https://")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("javascript:alert(1)//github.com/a/b", "scheme"),
        ("javascript://github.com/a/b", "scheme"),
        ("data:text/html,github.com/a/b", "scheme"),
        ("https://github.com.evil.io/a/b", "not a known code host"),
        ("https://githubusercontent.com/a/b", "not a known code host"),
        ("https://evil-github.com/a/b", "not a known code host"),
        ("https://g\u0456thub.com/a/b", "non-ASCII"),
        ("https://user:pw@github.com/a/b", "user info"),
        ("https://github.com:8443/a/b", "unusual port"),
        ("https://github.com/" + "a" * 400, "longer than"),
        ("https://github.com/onlyowner", "no owner/repository"),
        ("https://github.com/features/copilot", "site page"),
        ("https://huggingface.co/datasets/a/b", "not a Space"),
        ("https://github.com/-bad/repo", "not a valid owner"),
        ("https://github.com/a/..", "repository"),
        ("https://github.com/a/.%2e", "not a valid repository"),
        # Found by the trending link chooser's property test: urlsplit accepts it, .port raises.
        ("https://:<", "not a URL"),
        ("https://github.com:x/a/b", "not a URL"),
    ],
)
def test_refuses_hostile_and_lookalike_urls(url, why):
    outcome = normalise_repo_url(url)
    assert isinstance(outcome, Refused)
    assert why in outcome.reason


def test_extracts_from_text_and_repairs_line_breaks():
    text = (
        "Code and models: https://github.com/some-lab/long-\nproject-name. "
        "Demo at https://huggingface.co/spaces/some-lab/demo, mirror https://gitlab.com/x/y.git; "
        "see also https://github.com/some-lab/\nother and (github.com/Some-Lab/Long-Project-Name)."
    )
    links, refused = extract_code_links(text)
    assert [link.key for link in links] == [
        "github.com/some-lab/long-project-name",
        "huggingface.co/spaces/some-lab/demo",
        "gitlab.com/x/y",
        "github.com/some-lab/other",
    ]
    assert refused == []


def test_extract_reports_hostile_candidates_with_reasons():
    links, refused = extract_code_links(
        "Try javascript://github.com/%0aalert(1) or https://github.com.attacker.net/a/b "
        "or https://example.org/paper.pdf"
    )
    assert links == []
    reasons = " ".join(r.reason for r in refused)
    assert "scheme 'javascript'" in reasons and "github.com.attacker.net" in reasons
    assert len(refused) == 2  # the ordinary example.org link is not noise in the log


@given(st.text(max_size=400))
def test_never_crashes_on_any_text(text):
    links, refused = extract_code_links(text)
    for link in links:
        assert link.key.count("/") >= 2 and len(link.url) <= 300
    assert all(isinstance(item, Refused) for item in refused)


def test_huge_text_is_bounded():
    text = ("https://github.com/a/b " * 20_000) + "x" * 1_000_000
    links, _ = extract_code_links(text)
    assert [link.key for link in links] == ["github.com/a/b"]


def test_repo_key_is_the_normal_key_or_none():
    from paperfeed.papers.codelinks import repo_key

    assert repo_key("https://www.GitHub.com/Acme/Rocket.git") == "github.com/acme/rocket"
    assert repo_key("https://github.com/acme/rocket/tree/main/src") == "github.com/acme/rocket"
    assert repo_key("https://example.org/acme/rocket") is None
    assert repo_key("") is None and repo_key(None) is None


# --- Every writer of a code link stores its repository key (the database side) -----------------


@pytest.mark.django_db
def test_every_writer_of_a_code_link_stores_its_repository_key():
    from paperfeed.papers.services import (
        paper_code_link_user_set,
        papers_code_repo_refresh,
        papers_links_found,
    )

    papers_upsert(records=[rec(code_url="https://github.com/Lab/Model", code_stars=4)])
    paper = Paper.objects.get()
    assert (paper.code_repo, paper.code_stars) == ("github.com/lab/model", 4)
    papers_links_found(changes={paper.pk: {"code_url": "https://gitlab.com/lab/other"}})
    assert Paper.objects.get().code_repo == "gitlab.com/lab/other"
    paper_code_link_user_set(paper_id=paper.pk, url="https://github.com/me/mine")
    assert Paper.objects.get().code_repo == "github.com/me/mine"
    paper_code_link_user_set(paper_id=paper.pk, url="")
    assert Paper.objects.get().code_repo is None
    # An edit of the link alone (the admin's form): the key and the count follow.
    Paper.objects.filter(pk=paper.pk).update(code_url="https://github.com/a/b", code_stars=9)
    assert papers_code_repo_refresh(paper_ids=[paper.pk]) == 1
    assert Paper.objects.filter(code_repo="github.com/a/b", code_stars=None).count() == 1
    assert papers_code_repo_refresh(paper_ids=[paper.pk]) == 0


@pytest.mark.django_db
def test_the_code_repo_backfill_reads_in_batches_and_keys_every_link(monkeypatch):
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("paperfeed.papers.migrations.0017_paper_code_repo")
    links = ["https://github.com/a/one", "", "https://example.org/x", "https://GitLab.com/B/two"]
    papers_upsert(
        records=[rec(arxiv_id=f"2503.1353{n}", code_url=url or None) for n, url in enumerate(links)]
    )
    Paper.objects.update(code_repo=None)
    monkeypatch.setattr(migration, "BATCH", 2)

    class Editor:  # what the migration reads of its schema editor
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.code_repo_backfill(apps, editor)
    keys = dict(Paper.objects.values_list("arxiv_id", "code_repo"))
    assert keys == {
        "2503.13530": "github.com/a/one",
        "2503.13531": None,
        "2503.13532": None,
        "2503.13533": "gitlab.com/b/two",
    }
