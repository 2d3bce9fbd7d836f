"""Account pages. Writes are POSTs behind CSRF and rate limits; the work is in services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from paperfeed.accounts import services, signin
from paperfeed.accounts.forms import (
    DeleteAccountForm,
    EmailChangeForm,
    ProfileForm,
    QueuedPasswordResetForm,
    SignupForm,
    TokenForm,
)
from paperfeed.accounts.models import ApiToken
from paperfeed.core.http import MemberRequest
from paperfeed.core.ratelimits import limited, too_many


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:settings")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        if limited(request, group="signup", key="ip", rate=settings.PAPERFEED_RATE_SIGNUP):
            return too_many(request, "sign-ups from your network")
        if form.is_valid():
            try:
                services.user_signup(
                    username=form.cleaned_data["username"],
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password1"],
                    display_name=form.cleaned_data["display_name"],
                )
            except services.AccountError as exc:
                form.add_error("username", str(exc))
            else:
                # The same page whether or not the address was already registered.
                return render(
                    request, "accounts/check_inbox.html", {"email": form.cleaned_data["email"]}
                )
    return render(
        request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200
    )


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only the POST confirms, so mail scanners opening links change nothing."""
    if request.method == "POST":
        try:
            services.email_verify(token=token)
        except services.AccountError as exc:
            return render(request, "accounts/verify.html", {"error": str(exc)}, status=400)
        messages.success(request, "Thank you, your email address is confirmed.")
        if request.user.is_authenticated:
            return redirect("accounts:settings")
        return redirect("accounts:login")
    return render(request, "accounts/verify.html", {"token": token})


@require_POST
@login_required
def verify_again(request: MemberRequest) -> HttpResponse:
    if limited(request, group="signup", key="user", rate=settings.PAPERFEED_RATE_SIGNUP):
        return too_many(request, "confirmation mails")
    user = request.user
    if user.email:
        services.verification_send(user=user, email=user.email)
    messages.success(request, "We sent a new confirmation link to your address.")
    return redirect("accounts:settings")


_login_view = auth_views.LoginView.as_view(
    template_name="accounts/login.html", redirect_authenticated_user=True
)


def login(request: HttpRequest) -> HttpResponseBase:
    if request.method != "POST":
        return _login_view(request)
    refusal = signin.signin_refusal(request)
    if refusal is not None:
        return too_many(request, refusal.what, retry_after=refusal.retry_after)
    response = _login_view(request)
    account = signin.account_of(request)
    if request.user.is_authenticated:
        signin.device_remember(response, account=account)
    else:
        signin.signin_failed(account=account)
    return response


_reset_view = auth_views.PasswordResetView.as_view(
    template_name="accounts/reset.html",
    form_class=QueuedPasswordResetForm,
    success_url=reverse_lazy("accounts:password_reset_done"),
)


def password_reset(request: HttpRequest) -> HttpResponseBase:
    # Django's view answers the same for known and unknown addresses: no enumeration.
    if request.method == "POST" and limited(
        request, group="signup", key="ip", rate=settings.PAPERFEED_RATE_SIGNUP
    ):
        return too_many(request, "reset requests from your network")
    return _reset_view(request)


@login_required
def settings_page(request: MemberRequest) -> HttpResponse:
    profile = services.profile_of(request.user)
    return render(
        request,
        "accounts/settings.html",
        {
            "profile": profile,
            "profile_form": ProfileForm(
                initial={"display_name": profile.display_name, "bio": profile.bio}
            ),
            "email_form": EmailChangeForm(),
            "token_form": TokenForm(),
            "delete_form": DeleteAccountForm(),
            "tokens": ApiToken.objects.filter(user=request.user),
            "new_token": request.session.pop("new_token", None),
        },
    )


@require_POST
@login_required
def profile_edit(request: MemberRequest) -> HttpResponse:
    form = ProfileForm(request.POST)
    if form.is_valid():
        services.profile_update(
            user=request.user,
            display_name=form.cleaned_data["display_name"],
            bio=form.cleaned_data["bio"],
        )
        messages.success(request, "Profile saved.")
        return redirect("accounts:settings")
    return render(
        request,
        "accounts/form_errors.html",
        {"form": form, "title": "Profile not saved"},
        status=400,
    )


@require_POST
@login_required
def email_change(request: MemberRequest) -> HttpResponse:
    if limited(request, group="signup", key="user", rate=settings.PAPERFEED_RATE_SIGNUP):
        return too_many(request, "email changes")
    form = EmailChangeForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "accounts/form_errors.html",
            {"form": form, "title": "Email not changed"},
            status=400,
        )
    services.email_change_request(user=request.user, email=form.cleaned_data["email"])
    messages.success(
        request, "We sent a link to the new address. Your address changes once you open it."
    )
    return redirect("accounts:settings")


@require_POST
@login_required
def token_new(request: MemberRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "accounts/form_errors.html",
            {"form": form, "title": "No token created"},
            status=400,
        )
    # Shown once on the next page, then gone: only its digest is stored.
    request.session["new_token"] = services.token_create(
        user=request.user, name=form.cleaned_data["name"]
    )
    return redirect("accounts:settings")


@require_POST
@login_required
def token_revoke(request: MemberRequest, pk: int) -> HttpResponse:
    if services.token_revoke(user=request.user, token_id=pk):
        messages.success(request, "Token revoked.")
    else:
        messages.error(request, "There is no such token, or it was already revoked.")
    return redirect("accounts:settings")
