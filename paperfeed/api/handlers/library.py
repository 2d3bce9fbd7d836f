"""Collections and libraries: public collections for anyone; a member's own library (and their
private collections) with their token, never anyone else's."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Schema
from pydantic import Field

from paperfeed.accounts.services import token_authenticate
from paperfeed.api import shapes
from paperfeed.api.api import api
from paperfeed.api.auth import BearerToken
from paperfeed.api.handlers.common import (
    ERRORS,
    NOT_FOUND,
    WRITE_ERRORS,
    base_url,
    next_link,
    operation_id,
    paper_or_404,
    refused,
    token_user,
)
from paperfeed.api.schemas import (
    CollectionOut,
    CollectionPageOut,
    LibraryEntryOut,
    SavedOut,
)
from paperfeed.api.throttles import read_limits, write_limits
from paperfeed.library import selectors, services
from paperfeed.library.models import Collection


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=100_000)


def _collection_dict(collection: Collection, *, root: str) -> dict[str, Any]:
    path = f"/collections/{collection.owner.username}/{collection.slug}"
    return {
        "owner": collection.owner.username,
        "slug": collection.slug,
        "name": collection.name,
        "description": collection.description,
        "public": collection.is_public,
        "size": getattr(collection, "size", None),
        "updatedAt": shapes.iso_z(collection.updated),
        "url": root + path,
        "feedUrl": root + path + ".atom" if collection.is_public else None,
    }


def _viewer(request: HttpRequest) -> Any:
    """The member a bearer token names, if the request carries a valid one; reads work without."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() == "bearer" and raw and len(raw) <= 512:
        user = token_authenticate(raw=raw.strip())
        if user is not None and user.is_active:
            return user
    return AnonymousUser()


@api.get(
    "/collections",
    response={200: list[CollectionOut], **ERRORS},
    by_alias=True,
    throttle=read_limits("collections"),
    tags=["library"],
    summary="Public collections, most recently changed first",
    operation_id=operation_id("collections_list"),
)
def collections_list(request: HttpRequest, response: HttpResponse, page: Query[PageQuery]):
    found, total = selectors.public_collections(offset=page.offset, limit=page.limit)
    if page.offset + len(found) < total:
        response["Link"] = next_link(request, offset=page.offset + page.limit)
    root = base_url(request)
    return [_collection_dict(c, root=root) for c in found]


@api.get(
    "/collections/{username}/{slug}",
    response={200: CollectionPageOut, **NOT_FOUND},
    by_alias=True,
    exclude_none=True,
    throttle=read_limits("collections"),
    tags=["library"],
    summary="One collection with its papers in order (a private one only for its owner's token)",
    operation_id=operation_id("collection_get"),
)
def collection_get(request: HttpRequest, username: str, slug: str):
    found = selectors.collection_visible(
        username=username[:150], slug=slug[:80], viewer=_viewer(request)
    )
    if found is None:
        raise Http404("no such collection")
    root = base_url(request)
    entries = selectors.collection_entries(collection=found)
    return {
        **_collection_dict(found, root=root),
        "size": len(entries),
        "papers": [
            {"paper": shapes.paper_dict(e.row, base_url=root), "note": e.note} for e in entries
        ],
    }


@api.get(
    "/library",
    response={200: list[LibraryEntryOut], **WRITE_ERRORS},
    by_alias=True,
    exclude_none=True,
    auth=BearerToken(),
    throttle=read_limits("library"),
    tags=["library"],
    summary="Your library (the token's member only), newest saved first",
    operation_id=operation_id("library_list"),
)
def library_list(request: HttpRequest, response: HttpResponse, page: Query[PageQuery]):
    entries, total = selectors.library_entries(
        user=token_user(request), offset=page.offset, limit=page.limit
    )
    if page.offset + len(entries) < total:
        response["Link"] = next_link(request, offset=page.offset + page.limit)
    root = base_url(request)
    return [
        {
            "paper": shapes.paper_dict(e.row, base_url=root),
            "note": e.note,
            "tags": e.tags,
            "savedAt": shapes.iso_z(e.saved.created) if e.saved else None,
        }
        for e in entries
    ]


def _save(request: HttpRequest, paper_id: str, *, saved: bool) -> dict[str, Any]:
    row = paper_or_404(paper_id)
    try:
        if saved:
            services.saved_paper_add(user=token_user(request), paper=row.paper)
        else:
            services.saved_paper_remove(user=token_user(request), paper=row.paper)
    except services.LibraryError as exc:
        raise refused(exc) from None
    return {"saved": saved}


@api.post(
    "/papers/{arxiv_id:paper_id}/save",
    response={200: SavedOut, **WRITE_ERRORS},
    auth=BearerToken(),
    throttle=write_limits("library", community_rate="PAPERFEED_RATE_UPVOTE"),
    tags=["library"],
    summary="Save a paper to your library (idempotent)",
    operation_id=operation_id("library_save"),
)
def library_save(request: HttpRequest, paper_id: str):
    return _save(request, paper_id, saved=True)


@api.delete(
    "/papers/{arxiv_id:paper_id}/save",
    response={200: SavedOut, **WRITE_ERRORS},
    auth=BearerToken(),
    throttle=write_limits("library", community_rate="PAPERFEED_RATE_UPVOTE"),
    tags=["library"],
    summary="Remove a paper from your library (idempotent)",
    operation_id=operation_id("library_unsave"),
)
def library_unsave(request: HttpRequest, paper_id: str):
    return _save(request, paper_id, saved=False)
