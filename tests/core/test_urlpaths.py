"""Paths reversed once per URL configuration and script prefix (core/urlpaths.py)."""

from __future__ import annotations

from django.urls import clear_script_prefix, reverse, set_script_prefix

from paperfeed.core.urlpaths import per_url_configuration


def test_built_once_per_configuration_and_prefix(settings):
    calls: list[str] = []

    @per_url_configuration
    def search_path() -> str:
        calls.append("built")
        return reverse("papers:search")

    try:
        assert search_path() == search_path() == "/search"
        assert calls == ["built"]
        set_script_prefix("/lab/")
        assert search_path() == "/lab/search"  # another prefix: built again, not the first
        assert search_path() == "/lab/search"
        assert calls == ["built", "built"]
    finally:
        clear_script_prefix()
    settings.ROOT_URLCONF = "tests.core.urlpaths_urls"
    assert search_path() == "/elsewhere/search"  # another configuration
    assert len(calls) == 3
