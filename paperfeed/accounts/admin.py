from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils import timezone

from paperfeed.accounts.models import ApiToken, Profile


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
    def verified(self, user):  # type: ignore[no-untyped-def]
        return bool(getattr(getattr(user, "profile", None), "email_verified", False))

    @admin.action(description="Deactivate (block sign-in and tokens)")
    def deactivate(self, request, queryset):  # type: ignore[no-untyped-def]
        count = queryset.exclude(pk=request.user.pk).update(is_active=False)
        messages.success(request, f"Deactivated {count} account(s).")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    # The digest is useless to a person and the secret is never stored.
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # tokens are made on the settings page or with `paperfeed token create`

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):  # type: ignore[no-untyped-def]
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, f"Revoked {count} token(s).")
