"""Digest pages: subscribe, confirm, preferences, unsubscribe (one-click) and a staff preview.

Links in mail carry signed tokens (see tokens.py), so none of these needs a log-in. GET never
changes anything (mail scanners open links); the changes are POSTs.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from paperfeed.core.ratelimits import limited, too_many
from paperfeed.digests import emails, schedule, services, tokens
from paperfeed.digests.addresses import InputError
from paperfeed.digests.forms import PreferencesForm, SubscribeForm
from paperfeed.digests.models import Subscriber


# No CSRF token: the form sits on list pages that anonymous readers get from the page cache,
# where a token would be someone else's. Nothing here acts for a session; a forged request can
# only mail a confirmation link, which double opt-in and the per-IP and per-address limits cover.
@csrf_exempt
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST or None)
    if request.method == "POST":
        if limited(
            request, group="digest-subscribe", key="ip", rate=settings.PAPERFEED_RATE_SUBSCRIBE_IP
        ):
            return too_many(request, "subscription requests from your network")
        if form.is_valid():
            try:
                services.subscriber_subscribe(email=form.cleaned_data["email"])
            except InputError as exc:
                form.add_error("email", str(exc))
            else:
                # The same answer for new, pending and already subscribed addresses.
                return render(request, "digests/check_inbox.html")
    return render(
        request, "digests/subscribe.html", {"form": form}, status=400 if form.errors else 200
    )


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        try:
            subscriber = services.subscriber_confirm(token=token)
        except tokens.TokenError as exc:
            return render(request, "digests/message.html", {"error": str(exc)}, status=400)
        preferences = tokens.make_token(subscriber=subscriber, purpose=tokens.PREFERENCES)
        messages.success(request, "Thank you, your subscription is confirmed.")
        return redirect("digests:preferences", token=preferences)
    try:
        tokens.read_token(token=token, purpose=tokens.CONFIRM)
    except tokens.TokenError as exc:
        return render(request, "digests/message.html", {"error": str(exc)}, status=400)
    return render(request, "digests/confirm.html", {"token": token})


def _initial(subscriber: Subscriber) -> dict[str, object]:
    return {
        "frequency": subscriber.frequency,
        "weekday": subscriber.weekday,
        "send_time": subscriber.send_time,
        "timezone": subscriber.timezone,
        "content": subscriber.content,
        "categories": " ".join(subscriber.categories),
        "keywords": ", ".join(subscriber.keywords),
        "with_code": subscriber.with_code,
        "only_matching": subscriber.only_matching,
        "paper_count": subscriber.paper_count,
        "for_you": subscriber.for_you,
    }


def preferences(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscriber = tokens.read_token(token=token, purpose=tokens.PREFERENCES)
    except tokens.TokenError as exc:
        return render(request, "digests/message.html", {"error": str(exc)}, status=400)
    form = PreferencesForm(request.POST or None, initial=_initial(subscriber))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.subscriber_update(
                subscriber=subscriber,
                preferences=services.Preferences(
                    frequency=data["frequency"],
                    weekday=data["weekday"],
                    send_time=data["send_time"],
                    timezone=data["timezone"],
                    content=data["content"],
                    categories=data["categories"],
                    keywords=data["keywords"],
                    with_code=data["with_code"],
                    only_matching=data["only_matching"],
                    paper_count=data["paper_count"],
                    for_you=data["for_you"],
                ),
            )
        except InputError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your preferences are saved.")
            return redirect("digests:preferences", token=token)
    unsubscribe = tokens.make_token(subscriber=subscriber, purpose=tokens.UNSUBSCRIBE)
    return render(
        request,
        "digests/preferences.html",
        {
            "form": form,
            "subscriber": subscriber,
            "unsubscribe_token": unsubscribe,
            "time_zones": sorted(schedule.time_zone_names()),
        },
        status=400 if form.errors else 200,
    )


@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks; POST unsubscribes. The POST needs neither log-in nor CSRF token: the signed
    token is the proof, and RFC 8058 one-click mail clients POST with no cookies at all."""
    try:
        subscriber = tokens.read_token(token=token, purpose=tokens.UNSUBSCRIBE)
    except tokens.TokenError as exc:
        return render(request, "digests/message.html", {"error": str(exc)}, status=400)
    if request.method == "POST":
        services.subscriber_unsubscribe(subscriber=subscriber)
        return render(request, "digests/unsubscribed.html", {"subscriber": subscriber})
    return render(request, "digests/unsubscribe.html", {"subscriber": subscriber, "token": token})


@require_POST
@login_required
def account_subscribe(request: HttpRequest) -> HttpResponse:
    """A member subscribes their own address from their settings; a verified address needs no
    second confirmation."""
    user = request.user
    assert isinstance(user, User)  # login_required
    if not user.email:
        messages.error(request, "Add an email address to your account first.")
        return redirect("accounts:settings")
    if limited(
        request, group="digest-subscribe", key="user", rate=settings.PAPERFEED_RATE_SUBSCRIBE_IP
    ):
        return too_many(request, "subscription requests")
    verified = bool(getattr(getattr(user, "profile", None), "email_verified", False))
    try:
        subscriber = services.subscriber_subscribe(
            email=user.email, user=user, confirmed=verified, send_mail=not verified
        )
    except InputError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:settings")
    if not verified:
        messages.success(request, "We sent a confirmation link to your address.")
        return redirect("accounts:settings")
    token = tokens.make_token(subscriber=subscriber, purpose=tokens.PREFERENCES)
    return redirect("digests:preferences", token=token)


@staff_member_required
def preview(request: HttpRequest) -> HttpResponse:
    """Staff: the next digest of any subscriber (by id or address), as it would be mailed."""
    wanted = request.GET.get("subscriber", "").strip()[:320]
    subscriber = None
    if wanted.isdigit():
        subscriber = Subscriber.objects.filter(pk=int(wanted)).first()
    elif wanted:
        subscriber = Subscriber.objects.filter(email__iexact=wanted).first()
    if subscriber is None:
        return render(
            request,
            "digests/preview_pick.html",
            {"wanted": wanted, "recent": Subscriber.objects.order_by("-pk")[:20]},
            status=404 if wanted else 200,
        )
    period = schedule.period_key(
        frequency=subscriber.frequency, tz=subscriber.timezone, now=timezone.now()
    )
    rendered = emails.DigestBuilder().render(subscriber=subscriber, period=period)
    if rendered is None:
        return render(
            request,
            "digests/message.html",
            {"error": f"Nothing to send to {subscriber.email} for {period}: no papers."},
        )
    if request.GET.get("format") == "text":
        return HttpResponse(rendered.text, content_type="text/plain; charset=utf-8")
    response = HttpResponse(rendered.html)
    # The preview is our own mail HTML: keep it from being framed or scripted like any page.
    response["X-Robots-Tag"] = "noindex"
    return response
