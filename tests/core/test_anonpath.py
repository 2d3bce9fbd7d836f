"""The lean path for an anonymous search GET (paperfeed/core/anonpath.py): its answer is the
full stack's (status, every header in order, cookies and body) for every kind of query, with
the page cache on and off; whatever is not certain goes to the full stack."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from paperfeed.core.anonpath import answered_early
from paperfeed.papers import search_page
from tests.papers.test_search_page import papers

pytestmark = pytest.mark.django_db

# The search page tests' 25 papers ("Sparse attention number N" by "Ada WriterN"), by name.
__all__ = ["papers"]

QUERIES = (
    {"q": "sparse attention"},
    {"q": "sparse attention", "mode": "keyword"},
    {"q": "sparse attention", "page": "2", "mode": "keyword"},
    {"q": "sparse", "sort": "date", "mode": "keyword", "page": "1"},
    {"q": "sparse", "page": "not a number", "sort": "nonsense", "mode": "nonsense"},
    {"q": 'author:"Ada Writer3" year:2026', "mode": "keyword"},
    {"q": "cat:cs.CL transformers"},
    {"q": "sparce atention", "mode": "keyword"},  # did you mean
    {"q": "nothing matches this"},
    {"q": "<script>alert(1)</script> “quotes” & ünïcode"},
    {"q": "2602.00003"},  # a listed id: a redirect
    {"q": "2699.99999"},  # a valid id the catalogue lacks
    {"q": ""},
    {"q": "   "},
    {},
)


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.PAPERFEED_ANON_PATH = True
    cache.clear()
    search_page._frames.clear()


def _same(full, lean) -> None:  # type: ignore[no-untyped-def]
    assert lean.status_code == full.status_code
    assert list(lean.items()) == list(full.items())
    assert lean.cookies.output() == full.cookies.output()
    assert lean.content == full.content


def _full_and_lean(settings, path: str = "/search", params=None, **extra):  # type: ignore[no-untyped-def]
    settings.PAPERFEED_ANON_PATH = False
    full = Client().get(path, params, **extra)
    settings.PAPERFEED_ANON_PATH = True
    lean = Client().get(path, params, **extra)
    assert not answered_early(full.wsgi_request)
    return full, lean


@pytest.mark.parametrize("params", QUERIES, ids=lambda p: repr(p))
@pytest.mark.parametrize("page_cache", [0, 5], ids=("no-page-cache", "page-cache"))
def test_the_lean_answer_is_the_full_stacks(settings, papers, params, page_cache):
    settings.PAPERFEED_PAGE_CACHE_SECONDS = page_cache
    full, lean = _full_and_lean(settings, params=params)
    assert answered_early(lean.wsgi_request)
    _same(full, lean)
    if params.get("mode") == "keyword" and "page" not in params and "sparse" in params["q"]:
        assert b'class="paper-entry"' in lean.content


def test_the_lean_answer_first_is_the_full_stacks_after_it(settings, papers):
    """The page cache's copy made by the lean path is what the full stack serves next."""
    settings.PAPERFEED_PAGE_CACHE_SECONDS = 5
    lean = Client().get("/search", {"q": "sparse"})
    settings.PAPERFEED_ANON_PATH = False
    full = Client().get("/search", {"q": "sparse"})
    assert answered_early(lean.wsgi_request)
    _same(full, lean)


@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_COOKIE": "sessionid=nothing"},
        {"HTTP_COOKIE": "csrftoken=abcdefghijklmnopqrstuvwxyz012345"},
        {"HTTP_AUTHORIZATION": "Bearer pf_nothing"},
        {"CONTENT_LENGTH": "3"},
        {"HTTP_TRANSFER_ENCODING": "chunked"},
    ],
    ids=("session-cookie", "csrf-cookie", "token", "body", "chunked"),
)
def test_a_reader_or_a_body_goes_to_the_full_stack(settings, papers, extra):
    full, lean = _full_and_lean(settings, params={"q": "sparse"}, **extra)
    assert not answered_early(lean.wsgi_request)
    assert lean.status_code == full.status_code == 200


@pytest.mark.parametrize(
    "params",
    [{"q": "sparse", "utm_source": "x"}, {"q": "sparse\x01attention"}, {"q\x07": "sparse"}],
    ids=("unknown-parameter", "control-character", "control-character-in-name"),
)
def test_other_parameters_go_to_the_full_stack(settings, papers, params):
    full, lean = _full_and_lean(settings, params=params)
    assert not answered_early(lean.wsgi_request)
    _same(full, lean)


@pytest.mark.parametrize("method", ["head", "post", "options"])
def test_not_a_get_goes_to_the_full_stack(settings, papers, method):
    lean = getattr(Client(), method)("/search?q=sparse")
    assert not answered_early(lean.wsgi_request)


def test_other_paths_go_to_the_full_stack(settings, papers):
    assert not answered_early(Client().get("/papers").wsgi_request)
    assert not answered_early(Client().get("/search/").wsgi_request)


def test_turned_off_or_another_middleware_list_goes_to_the_full_stack(settings, papers):
    settings.PAPERFEED_ANON_PATH = False
    assert not answered_early(Client().get("/search", {"q": "sparse"}).wsgi_request)
    settings.PAPERFEED_ANON_PATH = True
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "clickjacking" not in m]
    answer = Client().get("/search", {"q": "sparse"})
    assert not answered_early(answer.wsgi_request) and "X-Frame-Options" not in answer


def test_atomic_requests_go_to_the_full_stack(settings, papers):
    settings.DATABASES["default"]["ATOMIC_REQUESTS"] = True
    try:
        assert not answered_early(Client().get("/search", {"q": "sparse"}).wsgi_request)
    finally:
        settings.DATABASES["default"]["ATOMIC_REQUESTS"] = False


def test_a_bad_host_is_the_full_stacks_400(settings, papers):
    full, lean = _full_and_lean(settings, params={"q": "sparse"}, HTTP_HOST="evil.example")
    assert not answered_early(lean.wsgi_request)
    assert lean.status_code == full.status_code == 400


def test_a_refused_user_agent_is_the_full_stacks_403(settings, papers):
    import re

    settings.DISALLOWED_USER_AGENTS = [re.compile("BadBot")]
    full, lean = _full_and_lean(settings, params={"q": "sparse"}, HTTP_USER_AGENT="BadBot/1")
    assert not answered_early(lean.wsgi_request)
    assert lean.status_code == full.status_code == 403


def test_an_https_redirect_is_the_full_stacks(settings, papers):
    settings.SECURE_SSL_REDIRECT = True
    full, lean = _full_and_lean(settings, params={"q": "sparse"})
    assert not answered_early(lean.wsgi_request)
    _same(full, lean)
    assert lean.status_code == 301
    settings.SECURE_HSTS_SECONDS = 3600
    full, secure = _full_and_lean(settings, params={"q": "sparse"}, secure=True)
    assert answered_early(secure.wsgi_request) and "Strict-Transport-Security" in secure
    _same(full, secure)


def test_a_database_fault_is_the_full_stacks_503(settings):
    settings.ROOT_URLCONF = "tests.core.anonpath_urls"
    full, lean = _full_and_lean(settings, "/lean-down")
    assert not answered_early(lean.wsgi_request)
    _same(full, lean)
    assert lean.status_code == 503


def test_a_template_response_is_the_full_stacks(settings):
    settings.ROOT_URLCONF = "tests.core.anonpath_urls"
    full, lean = _full_and_lean(settings, "/lean-template")
    assert not answered_early(lean.wsgi_request)
    _same(full, lean)
    assert "From a template." in lean.content.decode()


def test_the_site_mounted_under_a_path_is_answered_lean_there(settings, papers):
    settings.ROOT_URLCONF = "tests.core.urlpaths_urls"
    full, lean = _full_and_lean(settings, "/elsewhere/search", {"q": "sparse"})
    assert answered_early(lean.wsgi_request)
    _same(full, lean)
    assert not answered_early(Client().get("/search", {"q": "sparse"}).wsgi_request)
