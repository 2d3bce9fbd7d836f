from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection

from paperfeed.accounts.models import Profile
from paperfeed.community.models import Comment, CommentReport
from paperfeed.core.text import (
    has_control_characters,
    json_has_control_characters,
    json_without_control_characters,
    without_control_characters,
)
from paperfeed.digests.models import Subscriber
from paperfeed.papers.models import Featured
from tests.factories import CommentFactory, FeaturedFactory, SubscriberFactory, UserFactory


@pytest.mark.parametrize("char", [chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127]])
def test_every_c0_control_but_tab_and_newlines_is_removed(char):
    assert has_control_characters(f"a{char}b")
    assert without_control_characters(f"a{char}b") == "ab"


def test_tab_newlines_and_other_scripts_stay():
    text = "tab\there\r\nnew line, été, 漢字, emoji 🙂, math ∑"
    assert not has_control_characters(text)
    assert without_control_characters(text) == text


def test_json_documents_are_searched_and_cleaned_in_keys_and_values():
    document = {"a\x00": ["x\x01", {"deep": "y\x1f"}], "n": 1, "ok": None}
    assert json_has_control_characters(document)
    assert json_without_control_characters(document) == {
        "a": ["x", {"deep": "y"}],
        "n": 1,
        "ok": None,
    }
    assert not json_has_control_characters({"fine": ["text", 2, True]})


def _migration(app: str, name: str):
    return importlib.import_module(f"paperfeed.{app}.migrations.{name}")


@pytest.mark.django_db
def test_the_migrations_clean_what_was_stored_before():
    # PostgreSQL never stored NUL (it refused it with a 500); other controls it did store.
    nul = "\x00" if connection.vendor == "sqlite" else ""
    comment = CommentFactory(body=f"old{nul} body\x01", body_html=f"<p>old{nul} body\x01</p>")
    report = CommentReport.objects.create(
        comment=comment, reporter=UserFactory(), reason=f"why{nul}\x1f"
    )
    featured = FeaturedFactory(comment=f"note\x0b{nul}")
    profile = Profile.objects.get(user=UserFactory())
    Profile.objects.filter(pk=profile.pk).update(display_name="Ann\x07", bio="bio\x7f")
    subscriber = SubscriberFactory(keywords=["dif\x01fusion"], categories=["cs.AI"])
    untouched = CommentFactory(body="clean\ttext\n")
    _migration("community", "0002_clean_control_characters").clean(apps, None)
    _migration("papers", "0014_clean_control_characters").clean(apps, None)
    _migration("accounts", "0002_clean_control_characters").clean(apps, None)
    _migration("digests", "0002_clean_control_characters").clean(apps, None)
    assert Comment.objects.get(pk=comment.pk).body == "old body"
    assert Comment.objects.get(pk=comment.pk).body_html == "<p>old body</p>"
    assert CommentReport.objects.get(pk=report.pk).reason == "why"
    assert Featured.objects.get(pk=featured.pk).comment == "note"
    assert Profile.objects.get(pk=profile.pk).display_name == "Ann"
    assert Profile.objects.get(pk=profile.pk).bio == "bio"
    assert Subscriber.objects.get(pk=subscriber.pk).keywords == ["diffusion"]
    assert Comment.objects.get(pk=untouched.pk).body == "clean\ttext\n"
