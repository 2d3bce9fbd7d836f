"""Collections: a member's list of them, each collection's page (its order and notes), the
owner's edits, and the public ones' exports.

A private collection exists only for its owner: for anyone else (signed out, another member,
a feed reader, the API) its address is a 404, the same answer as for no collection at all.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from paperfeed.core.http import MemberRequest
from paperfeed.core.ratelimits import too_many
from paperfeed.library import exports, selectors, services
from paperfeed.library.models import Collection, CollectionItem
from paperfeed.library.views import next_url, over_limit
from paperfeed.papers.models import Paper


def _visible_or_404(request: HttpRequest, username: str, slug: str) -> Collection:
    found = selectors.collection_visible(username=username, slug=slug, viewer=request.user)
    if found is None:
        raise Http404("No such collection.")
    return found


def _page_url(collection: Collection) -> str:
    return reverse("library:collection", args=[collection.owner.username, collection.slug])


@require_safe
@never_cache
def member_collections(request: HttpRequest, username: str) -> HttpResponse:
    owner = get_object_or_404(User, username=username, is_active=True)
    return render(
        request,
        "library/member_collections.html",
        {
            "owner": owner,
            "collections": selectors.collections_of(owner=owner, viewer=request.user),
            "is_owner": owner.pk == request.user.pk,
        },
    )


@require_safe
@never_cache
def collection(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    found = _visible_or_404(request, username, slug)
    return render(
        request,
        "library/collection.html",
        {
            "collection": found,
            "entries": selectors.collection_entries(collection=found),
            "is_owner": found.owner_id == request.user.pk,
        },
    )


@require_safe
def collection_export(request: HttpRequest, username: str, slug: str, fmt: str) -> HttpResponse:
    found = _visible_or_404(request, username, slug)
    return exports.download(
        selectors.collection_entries(collection=found),
        fmt=fmt,
        name=found.slug,
        private=not found.is_public,
    )


def _is_public(request: HttpRequest) -> bool:
    return request.POST.get("visibility") == "public"


@require_POST
@login_required
def collection_create(request: MemberRequest) -> HttpResponse:
    if over_limit(request):
        return too_many(request, "library changes")
    try:
        created = services.collection_create(
            owner=request.user,
            name=request.POST.get("name", ""),
            description=request.POST.get("description", ""),
            is_public=_is_public(request),
        )
    except services.LibraryError as exc:
        messages.error(request, exc.reason)
        return redirect(next_url(request, reverse("library:library")))
    paper_id = request.POST.get("paper", "")
    if paper_id.isdigit():
        paper = Paper.objects.filter(pk=int(paper_id)).first()
        if paper is not None and not paper.hidden:
            services.collection_item_add(collection=created, paper=paper)
            messages.success(request, f"Added to your new collection “{created.name}”.")
            return redirect(next_url(request, _page_url(created)))
    return redirect(_page_url(created))


def _owned(request: MemberRequest, pk: int) -> Collection:
    return get_object_or_404(Collection.objects.select_related("owner"), pk=pk, owner=request.user)


@require_POST
@login_required
def collection_edit(request: MemberRequest, pk: int) -> HttpResponse:
    found = _owned(request, pk)
    if over_limit(request):
        return too_many(request, "library changes")
    if request.POST.get("action") == "delete":
        services.collection_delete(collection=found)
        messages.success(request, f"Deleted the collection “{found.name}”.")
        return redirect("library:library")
    try:
        services.collection_edit(
            collection=found,
            name=request.POST.get("name", ""),
            description=request.POST.get("description", ""),
            is_public=_is_public(request),
        )
    except services.LibraryError as exc:
        messages.error(request, exc.reason)
    return redirect(_page_url(found))


@require_POST
@login_required
def collection_add(request: MemberRequest) -> HttpResponse:
    """Add a paper (``paper``: its id) to one of the member's collections (``collection``: its
    id; a form field, so the paper page's select works without JavaScript)."""
    pk = request.POST.get("collection", "")
    found = _owned(request, int(pk) if pk.isdigit() else 0)
    paper_id = request.POST.get("paper", "")
    paper = Paper.objects.filter(pk=int(paper_id)).first() if paper_id.isdigit() else None
    if paper is None:
        raise Http404("No such paper.")
    back = next_url(request, _page_url(found))
    if over_limit(request):
        return too_many(request, "library changes")
    try:
        services.collection_item_add(
            collection=found, paper=paper, note=request.POST.get("note", "")
        )
    except services.LibraryError as exc:
        messages.error(request, exc.reason)
    else:
        messages.success(request, f"Added to “{found.name}”.")
    return redirect(back)


@require_POST
@login_required
def collection_item(request: MemberRequest, pk: int) -> HttpResponse:
    """The owner's edits of one item: its note, a move up or down, or its removal."""
    item = get_object_or_404(
        CollectionItem.objects.select_related("collection__owner"),
        pk=pk,
        collection__owner=request.user,
    )
    if over_limit(request):
        return too_many(request, "library changes")
    action = request.POST.get("action", "")
    try:
        if action == "remove":
            services.collection_item_remove(item=item)
        elif action in ("up", "down"):
            services.collection_item_move(item=item, offset=-1 if action == "up" else 1)
        else:
            services.collection_item_edit(item=item, note=request.POST.get("note", ""))
    except services.LibraryError as exc:
        messages.error(request, exc.reason)
    return redirect(f"{_page_url(item.collection)}#item-{item.paper_id}")
