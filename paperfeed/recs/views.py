"""For you: the reader's recommended papers, hiding one, and the private feed's address.

Every write is a POST behind CSRF, sign-in and a rate limit. The page is private: never cached
for anyone else.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from paperfeed.core.http import MemberRequest
from paperfeed.core.ratelimits import limited, too_many, wants_json
from paperfeed.papers.models import Paper
from paperfeed.papers.row_selectors import papers_by_ids
from paperfeed.recs import cards, selectors, services
from paperfeed.recs.models import HiddenPaper

PAGE_SIZE = 30


def _over_limit(request: MemberRequest) -> bool:
    """Hiding is one click per paper, like an upvote: the same rate."""
    return limited(request, group="recs", key="user", rate=settings.PAPERFEED_RATE_UPVOTE)


def _back(request: MemberRequest) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("recs:for_you")


def _feed_urls(request: MemberRequest) -> dict[str, str]:
    key = selectors.feed_key(user_id=request.user.pk)
    if key is None:
        return {}
    token = services.feed_token(key)
    return {
        "rss": settings.SITE_URL + reverse("recs:feed_rss", args=[token]),
        "atom": settings.SITE_URL + reverse("recs:feed_atom", args=[token]),
    }


@require_safe
@never_cache
@login_required
def for_you(request: MemberRequest) -> HttpResponse:
    found = selectors.for_you(user=request.user, limit=PAGE_SIZE)
    # Each card's reason and hide button are this reader's alone: shown under the shared card,
    # never inside the copy every reader gets (community/cards.py).
    reasons = cards.reasons_html(request, found.items)
    return render(
        request,
        "recs/for_you.html",
        {
            "found": found,
            "rows": [item.row for item in found.items],
            "reasons": reasons,
            "feed_urls": _feed_urls(request),
            "hidden_count": found.hidden
            if found.hidden is not None
            else HiddenPaper.objects.filter(user=request.user).count(),
        },
    )


@require_POST
@login_required
def hide(request: MemberRequest, paper_id: int) -> HttpResponse:
    """Hide a paper from the reader's recommendations for good (or show it again: undo)."""
    paper = get_object_or_404(Paper, pk=paper_id)
    if _over_limit(request):
        return too_many(request, "hides")
    if request.POST.get("action") == "unhide":
        services.paper_unhide(user=request.user, paper_id=paper.pk)
        done = "shown again"
    else:
        services.paper_hide(user=request.user, paper=paper)
        done = "hidden"
    if wants_json(request):
        return JsonResponse({"hidden": done == "hidden"})
    messages.success(request, f"“{paper.title[:120]}” {done}.")
    return redirect(_back(request))


@require_safe
@never_cache
@login_required
def hidden(request: MemberRequest) -> HttpResponse:
    ids = list(
        HiddenPaper.objects.filter(user=request.user).values_list("paper_id", flat=True)[:500]
    )
    return render(request, "recs/hidden.html", {"rows": papers_by_ids(ids=ids)})


@require_POST
@login_required
def feed_key(request: MemberRequest) -> HttpResponse:
    """Make a new private feed address (the old one stops working), or turn the feed off."""
    if _over_limit(request):
        return too_many(request, "feed changes")
    if request.POST.get("action") == "revoke":
        services.feed_key_revoke(user=request.user)
        messages.success(request, "Your private feed is off; its address no longer works.")
    else:
        services.feed_key_rotate(user=request.user)
        messages.success(request, "Your private feed has a new address; any old one is revoked.")
    return redirect(reverse("recs:for_you") + "#private-feed")
