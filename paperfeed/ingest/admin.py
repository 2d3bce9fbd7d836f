from __future__ import annotations

from django.contrib import admin

from paperfeed.ingest.models import IngestRun


@admin.register(IngestRun)
class IngestRunAdmin(admin.ModelAdmin):
    """Runs are a record of what happened: readable and deletable, never edited."""

    list_display = [
        "id",
        "source",
        "status",
        "started_at",
        "duration_seconds",
        "new",
        "updated",
        "unchanged",
        "rejected",
    ]
    list_filter = ["source", "status"]
    search_fields = ["message", "cursor"]
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
