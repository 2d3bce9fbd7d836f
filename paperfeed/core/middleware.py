"""The edge: what every request passes before any view, and the answer to a database fault.

- Control characters (``paperfeed.core.text``) are removed from query and form parameters, a
  JSON body holding one is refused (400), and a path holding one that a lookup chokes on is
  not found (404). A JSON body is decoded once per request (``json_body``): the API's parser
  reads the document the edge checked.
- A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` gets 413, before anything reads it.
- A database that cannot take writes (read-only file, full disk, locked, restarting) gives a
  503 page, or a JSON error for the API, instead of a generic 500.
- After the answer, a worker whose file-backed resident memory passed PAPERFEED_MAPPED_FILES_MB
  gives back its pages of the memory-mapped data files (``paperfeed.core.mapped``).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from weakref import WeakKeyDictionary

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render

from paperfeed.core import health, mapped
from paperfeed.core.ratelimits import wants_json
from paperfeed.core.text import (
    has_control_characters,
    json_has_control_characters,
    without_control_characters,
)

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict

logger = logging.getLogger(__name__)

_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_JSON_PREFIXES = ("/api/",)
# How long clients are asked to wait after a 503.
RETRY_AFTER_SECONDS = 30


# Each request's decoded JSON body, for as long as the request lives.
_json_bodies: WeakKeyDictionary[HttpRequest, Any] = WeakKeyDictionary()


def json_body(request: HttpRequest) -> Any:
    """The request's body decoded as JSON, decoded once per request however many readers ask
    (the edge's check, then the API's parser); ``ValueError`` when it is not JSON."""
    try:
        return _json_bodies[request]
    except KeyError:
        pass
    document = json.loads(request.body)
    _json_bodies[request] = document
    return document


def _wants_json(request: HttpRequest) -> bool:
    # The API's clients get JSON errors whatever they accept; elsewhere, as ratelimits decides.
    return request.path_info.startswith(_JSON_PREFIXES) or wants_json(request)


def _cleaned(query: QueryDict) -> _ImmutableQueryDict | None:
    """A copy of ``query`` without control characters, or None when it has none."""
    pairs = [(key, value) for key, values in query.lists() for value in values]
    if not any(has_control_characters(key + value) for key, value in pairs):
        return None
    encoding = query.encoding
    cleaned = [
        (without_control_characters(key), without_control_characters(value)) for key, value in pairs
    ]
    return QueryDict(urlencode(cleaned, encoding=encoding), encoding=encoding)


def body_too_large(request: HttpRequest) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    message = f"The request body is too large: at most {limit} bytes are accepted."
    if _wants_json(request):
        return JsonResponse({"error": message}, status=413)
    return render(request, "error.html", {"title": "Too large", "message": message}, status=413)


def database_fault_response(request: HttpRequest, exc: BaseException) -> HttpResponse | None:
    """The 503 for a database that cannot serve this request now; None for other errors."""
    fault = health.database_fault(exc)
    if fault is None:
        return None
    logger.error("database %s on %s %s: %s", fault, request.method, request.path, exc)
    if fault in (health.READ_ONLY, health.FULL):
        message = (
            "paperfeed is read-only for a while: the server cannot save changes right now. "
            "Reading works; please try your change again later."
        )
    else:
        message = "paperfeed is busy or restarting. Please try again in a moment."
    if _wants_json(request):
        response: HttpResponse = JsonResponse({"error": message, "reason": fault}, status=503)
    else:
        response = render(
            request, "read_only.html", {"message": message, "reason": fault}, status=503
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class EdgeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = request.META.get("CONTENT_LENGTH") or "0"
        length = length if length.isdigit() else "0"  # Django reads a bad length as none
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and int(length) > limit:
            return body_too_large(request)
        query = _cleaned(request.GET)
        if query is not None:
            request.GET = query
        if request.method not in ("GET", "HEAD", "OPTIONS") and int(length):
            refused = self._clean_body(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def _clean_body(self, request: HttpRequest) -> HttpResponse | None:
        content_type = request.content_type or ""
        if content_type in _FORMS:
            form = _cleaned(request.POST)
            if form is not None:
                request.POST = form
            return None
        if not content_type.endswith("json"):
            return None
        try:
            document = json_body(request)
        except ValueError:
            return None  # the handler says what is wrong with it
        if json_has_control_characters(document):
            return JsonResponse(
                {
                    "error": "body: text may not hold control characters "
                    "(U+0000 to U+001F but tab, line feed and carriage return, and U+007F)"
                },
                status=400,
            )
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return body_too_large(request)
        if isinstance(exception, DatabaseError):
            if has_control_characters(request.path_info):
                # A name in the path that no row can hold (PostgreSQL refuses NUL even in a
                # lookup); views that check their paths first answer with their own 404.
                raise Http404("There is nothing at this address.")
            return database_fault_response(request, exception)
        return None


class MappedFilesMiddleware:
    """Keeps a worker's resident memory bounded while it reads memory-mapped data files.

    The search index's pages stay in every worker that read them (297 MB of a 2.7 M worker's
    432 MB); once the worker's file-backed resident memory (code included) passes
    PAPERFEED_MAPPED_FILES_MB, its pages of the files under the data directory and the search
    index's are given back after the answer. They stay in the page cache, so the next search
    maps them again without a disk read: +11 % CPU per search at 2.7 M with 64 MB, +24 % when
    given back after every search (docs/performance.md, "Worker memory"). 0 turns it off.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        bound = settings.PAPERFEED_MAPPED_FILES_MB
        if bound > 0 and mapped.file_resident_bytes() > bound * 2**20:
            mapped.release(data_file_prefixes())
        return response


def data_file_prefixes() -> list[str]:
    """The folders whose mapped files a worker gives back, as /proc/self/maps names them."""
    folders = [settings.DATA_DIR, settings.PAPERFEED_SEARCH_INDEX_DIR]
    return [os.path.realpath(str(folder)) + os.sep for folder in folders if folder]
