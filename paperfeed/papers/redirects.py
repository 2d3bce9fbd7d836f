"""``/abs/<id>`` and ``/pdf/<id>``: swap the host of an arXiv URL for this site's and land here.

Both accept what arXiv's own URLs carry: a version (``2401.01234v2``), an old-style id with its
slash (``hep-th/9901001``) and, for PDFs, a ``.pdf`` suffix. A string that is no arXiv id, or an id
the catalogue lacks, gets a 404 page that says which, with a link to arXiv where there is one.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from paperfeed.papers import selectors
from paperfeed.papers.ids import InvalidArxivId, abs_url, parse_arxiv_id, pdf_url


@require_safe
def abs_page(request: HttpRequest, value: str) -> HttpResponse:
    """The paper's page here, or a 404 that links to it on arXiv."""
    try:
        parsed = parse_arxiv_id(value)
    except InvalidArxivId:
        return _not_an_id(request, value)
    if not selectors.paper_is_listed(arxiv_id=parsed.id):
        return render(
            request,
            "404.html",
            {
                "message": f"arXiv:{parsed.versioned} is not in this catalogue yet.",
                "query": parsed.id,
                "arxiv_url": abs_url(parsed.versioned),
            },
            status=404,
        )
    # Not permanent: a curator may hide the paper, and then this address should go to arXiv.
    return redirect("papers:paper", parsed.id)


@require_safe
def pdf(request: HttpRequest, value: str) -> HttpResponse:
    """arXiv's PDF of the version asked for (the latest when none is), catalogued here or not."""
    try:
        parsed = parse_arxiv_id(value)
    except InvalidArxivId:
        return _not_an_id(request, value)
    return HttpResponseRedirect(pdf_url(parsed.versioned))


def _not_an_id(request: HttpRequest, value: str) -> HttpResponse:
    shown = value[:60].encode("ascii", "backslashreplace").decode()
    return render(
        request,
        "404.html",
        {"message": f"“{shown}” is not an arXiv id.", "query": ""},
        status=404,
    )
