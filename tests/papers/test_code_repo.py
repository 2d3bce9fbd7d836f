"""Code links: every writer stores the repository key, and the backfill keys every link."""

from __future__ import annotations

import pytest

from paperfeed.papers.models import Paper
from paperfeed.papers.services import papers_upsert
from tests.factories import listing_record as rec

pytestmark = pytest.mark.django_db


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
