"""The NinjaAPI object: error handling that always answers ``{"error": "..."}``.

Every error names what was wrong (for a parameter, its name first) and gets the right status;
nothing a client sends may produce a 5xx.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import register_converter
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.openapi.docs import Swagger, _csrf_needed
from ninja.parser import Parser

from paperfeed.core.middleware import body_too_large, database_fault_response, json_body
from paperfeed.papers.ids import ArxivIdConverter
from paperfeed.papers.periods import BadPeriod

# Routes write {arxiv_id:paper_id} so that old-style ids (hep-th/9901001) reach the handlers.
register_converter(ArxivIdConverter, "arxiv_id")

logger = logging.getLogger(__name__)


class BadParameter(ValueError):
    """A query parameter that cannot be used; ``name`` is the parameter at fault."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(f"{name}: {message}")


class _SharedJsonParser(Parser):
    """Bodies as the edge middleware decoded them when it checked them for control characters:
    one decode per request instead of two."""

    def parse_body(self, request: HttpRequest) -> Any:
        return json_body(request)


class _LocalSwagger(Swagger):
    """ninja's Swagger page through Django's templates (templates/ninja/swagger.html, ours) with
    the UI from our own static files. ninja renders its CDN page unless it is an installed app,
    and it is not one (settings: importing it cost every command ~0.4 s)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": _csrf_needed(api),
        }
        return render(request, self.template, context)


api = NinjaAPI(
    parser=_SharedJsonParser(),
    title="paperfeed API",
    version="1",
    description=(
        "Read the paperfeed catalogue and featured lists. The shapes follow the Hugging Face "
        "Papers API, so `huggingface_hub.HfApi(endpoint=...)` works unchanged; fields of our "
        "own are prefixed `paperfeed_`. Reads need no authentication; writes need "
        '`Authorization: Bearer <token>`. Errors are `{"error": "..."}`.'
    ),
    urls_namespace="api",
    docs=_LocalSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_response(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return api.create_response(request, {"error": message}, status=status)


def _describe(error: dict[str, Any]) -> str:
    location = [str(part) for part in error.get("loc", ()) if part not in ("query", "path")]
    # A body error's location starts with the handler's argument name, which means nothing to
    # the client; the field inside it does.
    if location and location[0] == "body":
        location = location[2:] if len(location) > 2 else ["body"]
    name = ".".join(location) or "request"
    message = str(error.get("msg", "is invalid"))
    if error.get("type") == "json_invalid" or ("JSON" in message and name == "body"):
        message = "the body is not valid JSON"
    return f"{name}: {message}"


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    described = "; ".join(_describe(error) for error in exc.errors[:5]) or "invalid request"
    return error_response(request, described, 400)


@api.exception_handler(BadParameter)
def _bad_parameter(request: HttpRequest, exc: BadParameter) -> HttpResponse:
    return error_response(request, str(exc), 400)


@api.exception_handler(BadPeriod)
def _bad_period(request: HttpRequest, exc: BadPeriod) -> HttpResponse:
    return error_response(request, str(exc), 400)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(
        request, "a valid token is required: send Authorization: Bearer <token>", 401
    )
    response["WWW-Authenticate"] = 'Bearer realm="paperfeed"'
    return response


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    # ninja adds Retry-After to this response from the throttle's wait().
    return error_response(request, "too many requests: slow down and retry later", 429)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, str(exc), exc.status_code)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, str(exc) or "not found", 404)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The same answers as the pages get from core's middleware, which never sees these.
    if isinstance(exc, RequestDataTooBig):
        return body_too_large(request)
    fault = database_fault_response(request, exc)
    if fault is not None:
        return fault
    logger.exception("API error on %s %s", request.method, request.path)
    return error_response(request, "internal error", 500)


# Imported for its side effect of registering the routes on ``api``.
from paperfeed.api import handlers  # noqa: E402, F401
