from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from paperfeed.core.health import health_report


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
