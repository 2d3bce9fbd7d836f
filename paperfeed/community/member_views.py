"""A member's public profile page, and deleting one's own account with its activity.

They live in community, not accounts, because both need the member's votes, comments, claims
and submissions; accounts stays below community and knows nothing of them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from paperfeed.accounts.forms import DeleteAccountForm
from paperfeed.accounts.models import Profile
from paperfeed.community import selectors, services
from paperfeed.core.http import MemberRequest


def profile(request: HttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User, username=username, is_active=True)
    return render(
        request,
        "community/profile.html",
        {
            "member": member,
            "profile": Profile.objects.filter(user=member).first() or Profile(user=member),
            **selectors.member_activity(user=member),
        },
    )


@require_POST
@login_required
def account_delete(request: MemberRequest) -> HttpResponse:
    user = request.user
    form = DeleteAccountForm(request.POST)
    if not form.is_valid() or not user.check_password(form.cleaned_data["password"]):
        messages.error(request, "That password is not right; your account was not deleted.")
        return redirect("accounts:settings")
    logout(request)
    services.account_delete(user=user)
    return render(request, "community/account_deleted.html")
