from django.contrib.staticfiles import finders
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: answers only when the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# Browsers, feed readers and crawlers ask for /favicon.ico whatever the page links; pages link the
# SVG. The file's name is not versioned, so a day's cache lets a new icon show up.
@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> FileResponse:
    path = finders.find("paperfeed/favicon.ico")
    if not isinstance(path, str):
        raise Http404("no favicon")
    return FileResponse(open(path, "rb"), content_type="image/x-icon")
