import sys

from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from paperfeed.core.health import health_report
from paperfeed.core.middleware import database_fault_response


def healthz(request: HttpRequest) -> JsonResponse:
    """The truth for operators and load balancers (see ``paperfeed.core.health``)."""
    status, report = health_report()
    response = JsonResponse(report, status=status)
    response["Cache-Control"] = "no-store"
    return response


# Browsers, feed readers and crawlers ask for /favicon.ico whatever the page links; pages link the
# SVG. The file's name is not versioned, so a day's cache lets a new icon show up.
@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> FileResponse:
    path = finders.find("paperfeed/favicon.ico")
    if not isinstance(path, str):
        raise Http404("no favicon")
    return FileResponse(open(path, "rb"), content_type="image/x-icon")


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 view. A database fault raised outside the view, where the edge middleware
    cannot see it (a session saved after the view on a read-only or full database), still gets
    the 503 "read-only" answer rather than a generic error."""
    error = sys.exc_info()[1]
    if error is not None:
        answer = database_fault_response(request, error)
        if answer is not None:
            return answer
    return render(request, "500.html", status=500)
