from django.http import HttpRequest, JsonResponse

from paperfeed.core.health import health_report


def healthz(request: HttpRequest) -> JsonResponse:
    """The truth for operators and load balancers (see ``paperfeed.core.health``)."""
    status, report = health_report()
    response = JsonResponse(report, status=status)
    response["Cache-Control"] = "no-store"
    return response
