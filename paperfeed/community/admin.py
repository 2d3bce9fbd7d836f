from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from paperfeed.community.models import AuthorClaim, Comment, CommentReport, Upvote
from paperfeed.core.http import MemberRequest


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["id", "paper", "author", "created_at", "deleted", "hidden", "short"]
    list_filter = ["hidden", "deleted", "created_at"]
    search_fields = ["body", "author__username", "=paper__arxiv_id"]
    raw_id_fields = ["paper", "author", "parent", "hidden_by"]
    # Visibility changes go through the actions, which keep Paper.comment_count exact.
    readonly_fields = ["body_html", "created_at", "edited_at", "hidden", "deleted", "hidden_by"]
    list_select_related = ["paper", "author"]
    actions = ["hide", "unhide"]

    def has_delete_permission(self, request: HttpRequest, obj: Comment | None = None) -> bool:
        return False  # hide instead: deleting would break reply threads and the counters

    @admin.display(description="text")
    def short(self, comment: Comment) -> str:
        return comment.body[:80]

    def _visibility(
        self, request: MemberRequest, queryset: QuerySet[Comment], hidden: bool
    ) -> None:
        # The services are imported when an action runs: the admin is imported by every
        # django.setup() (autodiscovery), the services bring the whole community stack.
        from paperfeed.community import services

        for comment in queryset:
            services.comment_hide(moderator=request.user, comment=comment, hidden=hidden)
        messages.success(request, f"Updated {queryset.count()} comment(s).")

    @admin.action(description="Hide the selected comments")
    def hide(self, request: MemberRequest, queryset: QuerySet[Comment]) -> None:
        self._visibility(request, queryset, True)

    @admin.action(description="Show the selected comments again")
    def unhide(self, request: MemberRequest, queryset: QuerySet[Comment]) -> None:
        self._visibility(request, queryset, False)


@admin.register(CommentReport)
class CommentReportAdmin(admin.ModelAdmin):
    list_display = ["id", "comment", "reporter", "reason", "created_at", "resolved"]
    list_filter = ["resolved"]
    search_fields = ["reason", "comment__body"]
    raw_id_fields = ["comment", "reporter"]
    actions = ["hide_comments", "dismiss"]

    @admin.action(description="Hide the reported comments")
    def hide_comments(self, request: MemberRequest, queryset: QuerySet[CommentReport]) -> None:
        from paperfeed.community import services

        for report in queryset.select_related("comment"):
            services.comment_hide(moderator=request.user, comment=report.comment)
        messages.success(request, "Hidden.")

    @admin.action(description="Dismiss the reports")
    def dismiss(self, request: MemberRequest, queryset: QuerySet[CommentReport]) -> None:
        from paperfeed.community import services

        for report in queryset:
            services.report_dismiss(moderator=request.user, report=report)
        messages.success(request, "Dismissed.")


@admin.register(AuthorClaim)
class AuthorClaimAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "author", "paper", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["user__username", "author__name", "=paper__arxiv_id"]
    raw_id_fields = ["user", "paper", "author", "decided_by"]
    actions = ["approve", "reject"]

    def _decide(
        self, request: MemberRequest, queryset: QuerySet[AuthorClaim], approve: bool
    ) -> None:
        from paperfeed.community import services

        for claim in queryset:
            services.claim_decide(curator=request.user, claim=claim, approve=approve)
        messages.success(request, "Approved." if approve else "Rejected.")

    @admin.action(description="Approve the selected claims")
    def approve(self, request: MemberRequest, queryset: QuerySet[AuthorClaim]) -> None:
        self._decide(request, queryset, True)

    @admin.action(description="Reject the selected claims")
    def reject(self, request: MemberRequest, queryset: QuerySet[AuthorClaim]) -> None:
        self._decide(request, queryset, False)


@admin.register(Upvote)
class UpvoteAdmin(admin.ModelAdmin):
    """Read-only: votes change only through the service that keeps the counters exact."""

    list_display = ["user", "paper", "created_at"]
    search_fields = ["user__username", "=paper__arxiv_id"]
    raw_id_fields = ["user", "paper"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Upvote | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Upvote | None = None) -> bool:
        return False
