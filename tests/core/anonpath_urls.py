"""The site's URL configuration with two more lean views for tests/core/test_anonpath.py: one
whose database fails, one that answers with a template response."""

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import include, path

from paperfeed.core.anonpath import lean_for_anonymous


@lean_for_anonymous("lean-down", params=())
def database_down(request: HttpRequest) -> HttpResponse:
    raise OperationalError("database is locked")


@lean_for_anonymous("lean-template", params=())
def template_answer(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "papers/message.html", {"message": "From a template."})


urlpatterns = [
    path("lean-down", database_down, name="lean-down"),
    path("lean-template", template_answer, name="lean-template"),
    path("", include("paperfeed.urls")),
]
