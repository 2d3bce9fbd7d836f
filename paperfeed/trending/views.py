"""Pages of the trending app: how the score works, and setting a paper's code link."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from paperfeed.accounts.ratelimits import limited, too_many
from paperfeed.papers.models import Paper
from paperfeed.trending import selectors, services
from paperfeed.trending.ranking import WINDOW_DAYS

MAX_URL_INPUT = 2000


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    params = selectors.score_params()
    return render(
        request,
        "trending/about.html",
        {
            "params": params,
            "windows": WINDOW_DAYS,
            "run": selectors.last_run(),
            "refresh_minutes": settings.PAPERFEED_STARS_REFRESH_MINUTES,
            "recompute_minutes": settings.PAPERFEED_TRENDING_RECOMPUTE_MINUTES,
            "budget": settings.PAPERFEED_STARS_BUDGET,
            "authenticated_github": bool(settings.GITHUB_TOKEN),
            "here": "trending",
        },
    )


@require_POST
def code_link(request: HttpRequest, paper_id: int) -> HttpResponse:
    """Set, change or clear a paper's code link (authors, submitters, curators)."""
    paper = get_object_or_404(Paper.objects.visible(), pk=paper_id)
    back = reverse("papers:paper", args=[paper.arxiv_id])
    if not request.user.is_authenticated:
        return redirect(f"{reverse(settings.LOGIN_URL)}?next={back}")
    if limited(request, group="code_link", key="user", rate=settings.PAPERFEED_RATE_CODE_LINK):
        return too_many(request, "code link changes")
    url = request.POST.get("code_url", "")
    if len(url) > MAX_URL_INPUT:
        messages.error(request, "That link is far too long to be a repository address.")
        return redirect(back)
    try:
        services.paper_code_link_set(paper=paper, user=request.user, url=url)
    except services.CodeLinkRefused as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, "Code link saved." if url.strip() else "Code link cleared.")
    return redirect(back)
