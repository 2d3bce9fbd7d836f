"""The library: the save button, the library page (notes, tags), import and export.

Every write is a POST behind CSRF, sign-in and a rate limit; the work is done by
:mod:`paperfeed.library.services`. Library pages are private: never cached for anyone else.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from paperfeed.core.http import MemberRequest
from paperfeed.core.pagination import page_links, page_number
from paperfeed.core.ratelimits import limited, too_many, wants_json
from paperfeed.library import exports, selectors, services
from paperfeed.library.importing import MAX_IMPORT_CHARS, ImportRefused, scan_bibtex, scan_id_list
from paperfeed.library.models import Collection, SavedPaper
from paperfeed.papers.models import Paper

LIBRARY_PAGE_SIZE = 30


def next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def over_limit(request: HttpRequest) -> bool:
    """Library writes count with upvotes' rate (one click each, the same kind of gesture)."""
    return limited(request, group="library", key="user", rate=settings.PAPERFEED_RATE_UPVOTE)


@require_POST
def save(request: HttpRequest, paper_id: int) -> HttpResponse:
    """The save button: a first click saves the paper to the library, the second removes it."""
    paper = get_object_or_404(Paper, pk=paper_id)
    back = next_url(request, reverse("papers:paper", args=[paper.arxiv_id]))
    if not request.user.is_authenticated:
        login = f"{reverse('accounts:login')}?{urlencode({'next': back})}"
        if wants_json(request):
            return JsonResponse(
                {"error": "Please sign in to save.", "login_url": login}, status=401
            )
        messages.info(request, "Please sign in to save papers to your library.")
        return redirect(login)
    if over_limit(request):
        return too_many(request, "saves")
    try:
        saved = services.saved_paper_toggle(user=request.user, paper=paper)
    except services.LibraryError as exc:
        if wants_json(request):
            return JsonResponse({"error": exc.reason}, status=409)
        messages.error(request, exc.reason)
        return redirect(back)
    if wants_json(request):
        return JsonResponse({"saved": saved})
    return redirect(back)


@require_safe
@never_cache
@login_required
def library(request: MemberRequest) -> HttpResponse:
    tag = request.GET.get("tag", "").strip().lower()[:50]
    page = page_number(request)
    entries, total = selectors.library_entries(
        user=request.user,
        tag=tag,
        offset=(page - 1) * LIBRARY_PAGE_SIZE,
        limit=LIBRARY_PAGE_SIZE,
    )
    return render(
        request,
        "library/library.html",
        {
            "entries": entries,
            "tag": tag,
            "tags": selectors.library_tags(user=request.user),
            "collections": selectors.collections_of(owner=request.user, viewer=request.user),
            **page_links(page, total, LIBRARY_PAGE_SIZE),
        },
    )


@require_POST
@login_required
def saved_edit(request: MemberRequest, pk: int) -> HttpResponse:
    """A saved paper's note and tags (the library page's form)."""
    saved = get_object_or_404(SavedPaper, pk=pk, user=request.user)
    back = next_url(request, reverse("library:library"))
    if over_limit(request):
        return too_many(request, "library changes")
    try:
        services.saved_paper_edit(
            saved=saved, note=request.POST.get("note", ""), tags=request.POST.get("tags", "")
        )
    except services.LibraryError as exc:
        messages.error(request, exc.reason)
    else:
        messages.success(request, "Saved your note and tags.")
    return redirect(f"{back}#saved-{saved.pk}")


def _import_target(request: MemberRequest) -> Collection | None:
    slug = request.POST.get("collection", "")
    if not slug:
        return None
    return Collection.objects.filter(owner=request.user, slug=slug).first()


@never_cache
@login_required
def library_import(request: MemberRequest) -> HttpResponse:
    """Import a list of arXiv ids or a BibTeX file; the report lists what was saved, what was
    there already, what the catalogue does not hold and what could not be read."""
    context: dict[str, object] = {
        "collections": selectors.collections_of(owner=request.user, viewer=request.user),
        "max_chars": MAX_IMPORT_CHARS,
    }
    if request.method == "POST":
        if over_limit(request):
            return too_many(request, "imports")
        kind = request.POST.get("kind", "ids")
        text = request.POST.get("text", "")
        upload = request.FILES.get("file")
        try:
            if upload is not None:
                if upload.size is not None and upload.size > MAX_IMPORT_CHARS:
                    raise ImportRefused("That file is too large to import (at most 512 KB).")
                text = upload.read().decode("utf-8", errors="replace")
            scan = scan_bibtex(text) if kind == "bibtex" else scan_id_list(text)
        except ImportRefused as exc:
            context.update(error=str(exc), text=text[:20_000], kind=kind)
            return render(request, "library/import.html", context, status=400)
        collection = _import_target(request)
        report = services.library_import(user=request.user, scan=scan, collection=collection)
        context.update(report=report, collection=collection, kind=kind)
    return render(request, "library/import.html", context)


@require_safe
@never_cache
@login_required
def library_export(request: MemberRequest, fmt: str) -> HttpResponse:
    entries, _ = selectors.library_entries(user=request.user)
    return exports.download(entries, fmt=fmt, name="library", private=True)
