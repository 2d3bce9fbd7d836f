"""Middleware for machine clients: Markdown by content negotiation, and CORS for reads."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from paperfeed.api.markdown import paper_markdown_response

# /papers/<id> of the HTML page (not .md, not sub-pages); new-style ids only.
_PAPER_PAGE = re.compile(r"^/papers/(?P<id>\d{4}\.\d{4,5}(?:v\d{1,3})?)/?$", re.ASCII)
_CORS_PREFIXES = ("/api/", "/feeds/")
MAX_ACCEPT = 2000


def prefers_markdown(accept: str) -> bool:
    """True when ``Accept`` ranks text/markdown above text/html (and above */*).

    Any malformed header reads as "no preference", so the HTML page is served as usual.
    """
    if not accept or len(accept) > MAX_ACCEPT:
        return False
    best: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
                if not 0.0 <= quality <= 1.0:
                    quality = 0.0
        media = media.lower()
        best[media] = max(quality, best.get(media, 0.0))
    markdown = best.get("text/markdown", 0.0)
    html = max(best.get("text/html", 0.0), best.get("application/xhtml+xml", 0.0))
    return markdown > 0 and markdown > html and markdown >= best.get("*/*", 0.0)


class MarkdownNegotiationMiddleware:
    """``Accept: text/markdown`` on /papers/<id> answers with the paper as Markdown."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = _PAPER_PAGE.match(request.path_info)
        if match is None:
            return self.get_response(request)
        if request.method in ("GET", "HEAD") and prefers_markdown(
            request.META.get("HTTP_ACCEPT", "")
        ):
            return paper_markdown_response(request, match["id"])
        response = self.get_response(request)
        # Caches must keep the HTML and Markdown answers apart.
        patch_vary_headers(response, ["Accept"])
        return response


def _is_public_read(request: HttpRequest) -> bool:
    path = request.path_info
    return path.startswith(_CORS_PREFIXES) or (path.startswith("/papers/") and path.endswith(".md"))


class ReadCorsMiddleware:
    """Any origin may read the API, feeds and Markdown (GET/HEAD, no credentials); writes are
    not opened to other origins, so a page elsewhere cannot act with a reader's session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _is_public_read(request):
            return self.get_response(request)
        if request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
            response = HttpResponse(status=204)
            if request.META["HTTP_ACCESS_CONTROL_REQUEST_METHOD"].upper() in ("GET", "HEAD"):
                response["Access-Control-Allow-Origin"] = "*"
                response["Access-Control-Allow-Methods"] = "GET, HEAD"
                response["Access-Control-Allow-Headers"] = (
                    "Accept, If-None-Match, If-Modified-Since"
                )
                response["Access-Control-Max-Age"] = "86400"
            return response
        response = self.get_response(request)
        if request.method in ("GET", "HEAD"):
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = "Link, ETag, Last-Modified, Retry-After"
        return response
