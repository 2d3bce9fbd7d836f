"""Admin for the catalogue. Bulk actions go through the papers services and, like the curation
pages, are for curators only."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from paperfeed.accounts.roles import is_curator
from paperfeed.papers.models import Author, Featured, Paper, PaperAuthor
from paperfeed.papers.periods import featured_day_problem
from paperfeed.papers.records import MAX_AUTHOR_NAME_BYTES, author_name_too_long


class PaperAuthorForm(forms.ModelForm):
    class Meta:
        model = PaperAuthor
        fields = ["author", "position", "name"]

    def clean_name(self) -> str:
        # The import's limit, for the same reason: on PostgreSQL the name sits in an index entry
        # (migration 0021) that cannot pass 2,704 bytes, so a longer one would fail at the
        # database instead of here with a reason.
        name: str = self.cleaned_data["name"]
        if author_name_too_long(name):
            raise forms.ValidationError(
                f"An author name can be at most {MAX_AUTHOR_NAME_BYTES:,} bytes in UTF-8 "
                f"(this one is {len(name.encode()):,})."
            )
        return name


class PaperAuthorInline(admin.TabularInline):
    model = PaperAuthor
    form = PaperAuthorForm
    extra = 0
    raw_id_fields = ["author"]


# The services (with the search index code and tantivy) are imported in the actions that use
# them: django.setup() imports every admin module (autodiscovery), in every process.


def _refused(request: HttpRequest) -> bool:
    """Curation actions are for curators (admin access alone does not make one)."""
    if is_curator(request.user):
        return False
    messages.error(request, "Only curators can do this.")
    return True


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = [
        "arxiv_id",
        "title",
        "primary_category",
        "published",
        "upvote_count",
        "comment_count",
        "hidden",
    ]
    list_filter = ["hidden", "primary_category", "published_is_estimate"]
    search_fields = ["=arxiv_id", "title"]
    date_hierarchy = "published"
    readonly_fields = ["upvote_count", "comment_count", "created_at", "updated_at", "sources"]
    inlines = [PaperAuthorInline]
    actions = ["hide_papers", "show_papers"]
    show_full_result_count = False  # COUNT(*) on the whole catalogue is slow
    # A code or project link typed without a scheme ("github.com/x/y") means https: Django 5.x
    # would add http:// (and warns that 6.0 changes it), which every link here is not.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_delete_permission(self, request, obj=None) -> bool:
        # Papers are hidden, never deleted: deleting would drop votes, comments and featured
        # history, and the search index (a side table) would keep a row for a missing paper.
        return False

    def save_related(self, request, form, formsets, change) -> None:
        from paperfeed.papers import search, services
        from paperfeed.papers.tasks import search_index_update_task

        super().save_related(request, form, formsets, change)
        # The code link's repository key follows the link edited here, as every writer's does.
        services.papers_code_repo_refresh(paper_ids=[form.instance.pk])
        # The importer keeps the index in step on its own writes; edits made here need it too.
        search.reindex_papers(paper_ids=[form.instance.pk])
        # The search engine's index catches up through the worker, as after an import.
        transaction.on_commit(search_index_update_task.enqueue)

    @admin.action(description="Hide the selected papers everywhere")
    def hide_papers(self, request, queryset):
        if _refused(request):
            return
        from paperfeed.papers import services

        for paper in queryset:
            services.paper_hide(curator=request.user, paper=paper, hidden=True)
        messages.success(request, f"Hid {queryset.count()} paper(s).")

    @admin.action(description="Show the selected papers again")
    def show_papers(self, request, queryset):
        if _refused(request):
            return
        from paperfeed.papers import services

        for paper in queryset:
            services.paper_hide(curator=request.user, paper=paper, hidden=False)
        messages.success(request, f"Showed {queryset.count()} paper(s).")


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "key"]
    search_fields = ["name", "key"]
    actions = ["merge_authors"]
    show_full_result_count = False

    @admin.action(description="Merge the selected authors into the oldest one")
    def merge_authors(self, request, queryset):
        authors = list(queryset.order_by("id"))
        if len(authors) < 2:
            messages.error(request, "Select at least two authors to merge.")
            return
        if _refused(request):
            return
        from paperfeed.papers import services

        keep, duplicates = authors[0], authors[1:]
        moved = services.authors_merge(curator=request.user, keep=keep, duplicates=duplicates)
        messages.success(request, f"Merged {len(duplicates)} into {keep.name} ({moved} links).")


class FeaturedForm(forms.ModelForm):
    class Meta:
        model = Featured
        fields = [
            "paper",
            "day",
            "source",
            "featured_by",
            "submitter_name",
            "upvotes",
            "comment",
            "pinned",
            "hidden",
        ]

    def clean_day(self) -> date:
        day: date = self.cleaned_data["day"]
        problem = featured_day_problem(day, today=timezone.localdate())
        if problem is not None:
            raise forms.ValidationError(problem)
        return day


@admin.register(Featured)
class FeaturedAdmin(admin.ModelAdmin):
    form = FeaturedForm
    list_display = ["day", "paper", "source", "submitter_name", "upvotes", "pinned", "hidden"]
    list_filter = ["source", "pinned", "hidden", "day"]
    search_fields = ["=paper__arxiv_id", "paper__title", "submitter_name"]
    date_hierarchy = "day"
    raw_id_fields = ["paper", "featured_by"]
    list_select_related = ["paper"]
    actions = ["pin", "unpin", "hide", "show"]

    def _apply(self, request, queryset, **change):
        if _refused(request):
            return
        from paperfeed.papers import services

        for entry in queryset:
            if "pinned" in change:
                services.featured_pin(curator=request.user, featured=entry, pinned=change["pinned"])
            else:
                services.featured_hide(
                    curator=request.user, featured=entry, hidden=change["hidden"]
                )
        messages.success(request, f"Updated {queryset.count()} entr(y/ies).")

    @admin.action(description="Pin on their day")
    def pin(self, request, queryset):
        self._apply(request, queryset, pinned=True)

    @admin.action(description="Unpin")
    def unpin(self, request, queryset):
        self._apply(request, queryset, pinned=False)

    @admin.action(description="Hide from the list of their day")
    def hide(self, request, queryset):
        self._apply(request, queryset, hidden=True)

    @admin.action(description="Show on the list of their day")
    def show(self, request, queryset):
        self._apply(request, queryset, hidden=False)
