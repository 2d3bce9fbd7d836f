"""Writes with a bearer token: upvotes and comments."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Status

from paperfeed.api import shapes
from paperfeed.api.api import api
from paperfeed.api.auth import BearerToken
from paperfeed.api.handlers.common import (
    WRITE_ERRORS,
    operation_id,
    paper_or_404,
    refused,
    token_user,
)
from paperfeed.api.schemas import CommentIn, CommentOut, UpvoteOut
from paperfeed.api.throttles import write_limits
from paperfeed.community import services
from paperfeed.community.models import Comment


@api.post(
    "/papers/{arxiv_id:paper_id}/upvote",
    response={200: UpvoteOut, **WRITE_ERRORS},
    auth=BearerToken(),
    throttle=write_limits("upvote", community_rate="PAPERFEED_RATE_UPVOTE"),
    tags=["community"],
    summary="Upvote a paper (idempotent)",
    operation_id=operation_id("upvote_add"),
)
def upvote_add(request: HttpRequest, paper_id: str):
    return _vote(request, paper_id, upvoted=True)


@api.delete(
    "/papers/{arxiv_id:paper_id}/upvote",
    response={200: UpvoteOut, **WRITE_ERRORS},
    auth=BearerToken(),
    throttle=write_limits("upvote", community_rate="PAPERFEED_RATE_UPVOTE"),
    tags=["community"],
    summary="Withdraw an upvote (idempotent)",
    operation_id=operation_id("upvote_remove"),
)
def upvote_remove(request: HttpRequest, paper_id: str):
    return _vote(request, paper_id, upvoted=False)


def _vote(request: HttpRequest, paper_id: str, *, upvoted: bool) -> dict[str, Any]:
    """The answer carries the paper's one upvote count (source + local), as paper_info does."""

    row = paper_or_404(paper_id)
    action = services.upvote_add if upvoted else services.upvote_remove
    try:
        count = action(user=token_user(request), paper=row.paper)
    except services.CommunityError as exc:
        raise refused(exc) from None
    return {"upvoted": upvoted, "upvotes": count}


def _comment(request: HttpRequest, paper_id: str, text: str, parent_id: int | None) -> Any:
    paper = paper_or_404(paper_id).paper
    parent = None
    if parent_id is not None:
        parent = Comment.objects.filter(pk=parent_id, paper=paper).first()
        if parent is None:
            raise Http404(f"comment_id: no comment {parent_id} on this paper")
    try:
        comment = services.comment_create(
            user=token_user(request), paper=paper, body=text, parent=parent
        )
    except services.CommentRefused as exc:
        raise refused(f"comment: {exc}", 400) from None
    except services.CommunityError as exc:
        raise refused(exc) from None
    return Status(201, shapes.comment_dict(comment))


@api.post(
    "/papers/{arxiv_id:paper_id}/comment",
    response={201: CommentOut, **WRITE_ERRORS},
    by_alias=True,
    exclude_none=True,
    auth=BearerToken(),
    throttle=write_limits("comment", community_rate="PAPERFEED_RATE_COMMENT"),
    tags=["community"],
    summary="Comment on a paper (Markdown)",
    operation_id=operation_id("comment_create"),
)
def comment_create(request: HttpRequest, paper_id: str, payload: CommentIn):
    return _comment(request, paper_id, payload.comment, None)


@api.post(
    "/papers/{arxiv_id:paper_id}/comment/{comment_id}/reply",
    response={201: CommentOut, **WRITE_ERRORS},
    by_alias=True,
    exclude_none=True,
    auth=BearerToken(),
    throttle=write_limits("comment", community_rate="PAPERFEED_RATE_COMMENT"),
    tags=["community"],
    summary="Reply to a comment",
    operation_id=operation_id("comment_reply"),
)
def comment_reply(
    request: HttpRequest,
    paper_id: str,
    comment_id: int,
    payload: CommentIn,
):
    if not 1 <= comment_id <= 2**62:
        raise Http404(f"comment_id: no comment {comment_id} on this paper")
    return _comment(request, paper_id, payload.comment, comment_id)
