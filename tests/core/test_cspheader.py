"""The CSP header built once per process (paperfeed/core/cspheader.py) is django-csp's."""

from __future__ import annotations

import pytest
from csp.decorators import csp_update
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from paperfeed.core.cspheader import ConstantCSPMiddleware

pytestmark = pytest.mark.django_db


def both(request_path="/papers", make=lambda: HttpResponse("x"), **extra):
    answers = []
    for middleware in (CSPMiddleware, ConstantCSPMiddleware):
        request = RequestFactory().get(request_path)
        handler = middleware(lambda request: make())
        answers.append(handler(request))
    return answers


def test_the_same_header_as_django_csp(client):
    theirs, ours = both()
    assert ours["Content-Security-Policy"] == theirs["Content-Security-Policy"]
    assert "script-src 'self'" in ours["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in ours
    page = client.get("/papers")
    assert page["Content-Security-Policy"] == theirs["Content-Security-Policy"]


def test_a_changed_policy_and_a_report_only_one_are_followed(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {
        "DIRECTIVES": {"img-src": ["'self'"]},
        "EXCLUDE_URL_PREFIXES": ["/api/"],
    }
    theirs, ours = both()
    assert ours["Content-Security-Policy"] == theirs["Content-Security-Policy"]
    assert ours["Content-Security-Policy"] == "default-src 'none'"
    assert (
        ours["Content-Security-Policy-Report-Only"] == theirs["Content-Security-Policy-Report-Only"]
    )
    assert "img-src 'self'" in ours["Content-Security-Policy-Report-Only"]
    theirs, ours = both("/api/daily_papers")
    assert "Content-Security-Policy-Report-Only" not in ours
    assert "Content-Security-Policy-Report-Only" not in theirs


def test_a_views_own_policy_and_a_nonce_still_get_django_csps_answer():
    @csp_update({"img-src": ["https://example.org"]})
    def view(request):
        return HttpResponse("x")

    request = RequestFactory().get("/")
    answer = ConstantCSPMiddleware(view)(request)
    assert "https://example.org" in answer["Content-Security-Policy"]

    def with_nonce(request):
        str(request.csp_nonce)
        return HttpResponse("x")

    # The site's policy names no nonce, so django-csp writes none either: the same header.
    answer = ConstantCSPMiddleware(with_nonce)(RequestFactory().get("/"))
    theirs = CSPMiddleware(with_nonce)(RequestFactory().get("/"))
    assert answer["Content-Security-Policy"] == theirs["Content-Security-Policy"]
    later = RequestFactory().get("/")
    ConstantCSPMiddleware(lambda request: HttpResponse("x"))(later)
    with pytest.raises(Exception, match="after the CSP header"):
        str(later.csp_nonce)
