from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from paperfeed.accounts.models import ApiToken, Profile
from paperfeed.core.http import MemberRequest


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["display_name", "bio", "email_verified", "pending_email"]


admin.site.unregister(User)


@admin.register(User)
class MemberAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "email", "is_active", "is_staff", "date_joined", "verified"]
    list_filter = [*UserAdmin.list_filter, "profile__email_verified"]
    actions = ["deactivate"]

    @admin.display(boolean=True, description="email verified")
    def verified(self, user: User) -> bool:
        return bool(getattr(getattr(user, "profile", None), "email_verified", False))

    @admin.action(description="Deactivate (block sign-in and tokens)")
    def deactivate(self, request: MemberRequest, queryset: QuerySet[User]) -> None:
        count = queryset.exclude(pk=request.user.pk).update(is_active=False)
        messages.success(request, f"Deactivated {count} account(s).")


# The digest is useless to a person and the secret is never stored.
_TOKEN_FIELDS = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    fields = _TOKEN_FIELDS
    readonly_fields = _TOKEN_FIELDS
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are made on the settings page or with `paperfeed token create`

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, f"Revoked {count} token(s).")
