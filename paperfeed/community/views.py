"""Community pages and form endpoints. Every write is a POST behind CSRF, sign-in and a rate
limit; the work itself is done by :mod:`paperfeed.community.services`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Concatenate, ParamSpec, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from paperfeed.accounts.roles import is_curator
from paperfeed.community import selectors, services
from paperfeed.community.drafts import MAX_KEPT_CHARS, draft_keep
from paperfeed.community.models import AuthorClaim, Comment, CommentReport
from paperfeed.core.http import MemberRequest
from paperfeed.core.ratelimits import limited, too_many, too_many_message, wants_json
from paperfeed.papers import services as papers_services
from paperfeed.papers.ids import InvalidArxivId, parse_arxiv_id
from paperfeed.papers.models import Author, Featured, Paper

P = ParamSpec("P")


def _next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _login_url(next_url: str) -> str:
    return f"{reverse('accounts:login')}?{urlencode({'next': next_url})}"


def _paper_url(paper: Paper) -> str:
    return reverse("papers:paper", args=[paper.arxiv_id])


def _back(request: HttpRequest, paper: Paper, anchor: str = "") -> HttpResponse:
    return redirect(_next(request, _paper_url(paper)) + anchor)


@require_POST
def upvote(request: HttpRequest, paper_id: int) -> HttpResponse:
    """The upvote button: a first click votes, the second removes the vote."""
    paper = get_object_or_404(Paper, pk=paper_id)
    back = _next(request, _paper_url(paper))
    if not request.user.is_authenticated:
        if wants_json(request):
            return JsonResponse(
                {"error": "Please sign in to upvote.", "login_url": _login_url(back)}, status=401
            )
        messages.info(request, "Please sign in to upvote papers.")
        return redirect(_login_url(back))
    if limited(request, group="upvote", key="user", rate=settings.PAPERFEED_RATE_UPVOTE):
        return too_many(request, "upvotes")
    try:
        voted, count = services.upvote_toggle(user=request.user, paper=paper)
    except services.CommunityError as exc:
        if wants_json(request):
            return JsonResponse({"error": exc.reason}, status=409)
        messages.error(request, exc.reason)
        return redirect(back)
    if wants_json(request):
        return JsonResponse({"upvoted": voted, "count": count})
    return redirect(back)


def _comment_problem(
    request: HttpRequest, paper: Paper, message: str, body: str, parent_id: int | None = None
) -> HttpResponse:
    """Back to the paper page, whose comment editor shows the text with why it was refused."""
    if paper.hidden:
        # No paper page to go back to: the text is shown here instead.
        return render(
            request,
            "community/comment_refused.html",
            {
                "paper": paper,
                "message": message,
                "body": body[:MAX_KEPT_CHARS],
                "next": _paper_url(paper),
            },
            status=400,
        )
    draft_keep(request, paper_id=paper.pk, body=body, reason=message, parent_id=parent_id)
    return redirect(_paper_url(paper) + "#comment-form")


@require_POST
def comment_create(request: HttpRequest, paper_id: int) -> HttpResponse:
    paper = get_object_or_404(Paper, pk=paper_id)
    if not request.user.is_authenticated:
        return redirect(_login_url(_next(request, _paper_url(paper))))
    body = request.POST.get("body", "")
    if limited(request, group="comment", key="user", rate=settings.PAPERFEED_RATE_COMMENT):
        if wants_json(request):
            return too_many(request, "comments")
        return _comment_problem(request, paper, too_many_message("comments"), body)
    parent = None
    parent_id = request.POST.get("parent", "")
    if parent_id:
        if not parent_id.isdigit():
            return _comment_problem(request, paper, "That reply is not to a valid comment.", body)
        parent = Comment.objects.filter(pk=int(parent_id), paper=paper).first()
        if parent is None:
            return _comment_problem(request, paper, "The comment you replied to is gone.", body)
    try:
        comment = services.comment_create(user=request.user, paper=paper, body=body, parent=parent)
    except services.CommunityError as exc:
        return _comment_problem(
            request, paper, exc.reason, body, parent.pk if parent is not None else None
        )
    return _back(request, paper, f"#comment-{comment.pk}")


@login_required
def comment_edit(request: MemberRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    if comment.author_id != request.user.pk:
        return render(
            request,
            "community/message.html",
            {"title": "Not yours", "message": "You can only edit your own comments."},
            status=403,
        )
    error = ""
    body = comment.body
    if request.method == "POST":
        if limited(request, group="comment", key="user", rate=settings.PAPERFEED_RATE_COMMENT):
            return too_many(request, "comments")
        body = request.POST.get("body", "")
        try:
            services.comment_edit(user=request.user, comment=comment, body=body)
        except services.CommunityError as exc:
            error = exc.reason
        else:
            return redirect(_paper_url(comment.paper) + f"#comment-{comment.pk}")
    return render(
        request,
        "community/comment_edit.html",
        {"comment": comment, "body": body[:MAX_KEPT_CHARS], "error": error},
        status=400 if error else 200,
    )


@require_POST
@login_required
def comment_delete(request: MemberRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    try:
        services.comment_delete(user=request.user, comment=comment)
    except services.CommunityError as exc:
        messages.error(request, exc.reason)
    else:
        messages.success(request, "Your comment was deleted.")
    return _back(request, comment.paper, "#comments")


@require_POST
@login_required
def comment_report(request: MemberRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    if limited(request, group="comment", key="user", rate=settings.PAPERFEED_RATE_COMMENT):
        return too_many(request, "reports")
    services.comment_report(
        user=request.user, comment=comment, reason=request.POST.get("reason", "")
    )
    messages.success(request, "Thank you. The moderators will look at this comment.")
    return _back(request, comment.paper, f"#comment-{comment.pk}")


@require_POST
@login_required
def comment_hide(request: MemberRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("paper"), pk=pk)
    hidden = not request.POST.get("unhide")
    try:
        services.comment_hide(moderator=request.user, comment=comment, hidden=hidden)
    except services.CommunityError as exc:
        return render(
            request,
            "community/message.html",
            {"title": "Not allowed", "message": exc.reason},
            status=403,
        )
    messages.success(request, "Comment hidden." if hidden else "Comment shown again.")
    return _back(request, comment.paper, f"#comment-{comment.pk}")


@require_POST
@login_required
def claim(request: MemberRequest, paper_id: int) -> HttpResponse:
    paper = get_object_or_404(Paper, pk=paper_id)
    author_id = request.POST.get("author", "")
    author = Author.objects.filter(pk=int(author_id)).first() if author_id.isdigit() else None
    if author is None:
        messages.error(request, "Choose one of the paper's authors.")
        return _back(request, paper, "#comments")
    try:
        services.claim_create(user=request.user, paper=paper, author=author)
    except services.CommunityError as exc:
        messages.error(request, exc.reason)
    else:
        messages.success(
            request, f"Thank you. A curator will confirm that you are {author.name} soon."
        )
    return _back(request, paper, "#comments")


@login_required
def submit(request: MemberRequest) -> HttpResponse:
    """Submit a paper to today's list by arXiv id or link."""
    error = ""
    value = ""
    if request.method == "POST":
        if limited(request, group="submit", key="user", rate=settings.PAPERFEED_RATE_SUBMIT):
            return too_many(request, "submissions")
        value = request.POST.get("arxiv_id", "")[:300]
        try:
            featured = services.paper_submit(user=request.user, arxiv_id_or_url=value)
        except services.SubmissionRefused as exc:
            error = exc.reason
        else:
            messages.success(
                request, f"Thank you! arXiv:{featured.paper.arxiv_id} is on today's list."
            )
            return redirect(_paper_url(featured.paper))
    return render(
        request,
        "community/submit.html",
        {
            "error": error,
            "value": value,
            "max_age": settings.PAPERFEED_SUBMIT_MAX_AGE_DAYS,
            "per_day": settings.PAPERFEED_SUBMIT_PER_DAY,
        },
        status=400 if error else 200,
    )


# --- Curation ------------------------------------------------------------------------------


def curator_required(
    view: Callable[Concatenate[MemberRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Curation pages: anonymous readers are sent to sign in, members who are not curators
    get a 403; the view then knows its user is a curator."""

    @wraps(view)
    def checked(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(_login_url(request.get_full_path()))
        if not is_curator(request.user):
            return render(
                request,
                "community/message.html",
                {"title": "Curators only", "message": "Only curators can open this page."},
                status=403,
            )
        # The user is signed in (checked above): the request is a member's.
        return view(cast(MemberRequest, request), *args, **kwargs)

    return checked


@curator_required
def curate(request: MemberRequest) -> HttpResponse:
    return render(
        request,
        "community/curate.html",
        {"reports": selectors.open_reports()[:100], "claims": selectors.pending_claims()[:100]},
    )


def _paper_from_post(request: HttpRequest) -> Paper | None:
    try:
        arxiv_id = parse_arxiv_id(request.POST.get("arxiv_id", "")).id
    except InvalidArxivId:
        return None
    return Paper.objects.filter(arxiv_id=arxiv_id).first()


def _done(request: HttpRequest, message: str, ok: bool = True) -> HttpResponse:
    (messages.success if ok else messages.error)(request, message)
    return redirect(_next(request, reverse("community:curate")))


@require_POST
@curator_required
def curate_featured(request: MemberRequest) -> HttpResponse:
    """Feature, unfeature, pin, unpin, hide or show a paper on one day."""
    paper = _paper_from_post(request)
    if paper is None:
        return _done(request, "No paper in the catalogue has that arXiv id.", ok=False)
    try:
        day = date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        return _done(request, "Give the day as YYYY-MM-DD.", ok=False)
    action = request.POST.get("action", "feature")
    user = request.user
    if action == "feature":
        try:
            papers_services.featured_add(
                curator=user, paper=paper, day=day, comment=request.POST.get("comment", "")
            )
        except papers_services.FeaturedDayOutOfRange as exc:
            return _done(request, f"Not featured: {exc}.", ok=False)
        return _done(request, f"arXiv:{paper.arxiv_id} is featured on {day}.")
    entry = Featured.objects.filter(paper=paper, day=day).first()
    if entry is None:
        return _done(request, f"arXiv:{paper.arxiv_id} is not featured on {day}.", ok=False)
    if action == "unfeature":
        papers_services.featured_remove(curator=user, featured=entry)
    elif action in ("pin", "unpin"):
        papers_services.featured_pin(curator=user, featured=entry, pinned=action == "pin")
    elif action in ("hide", "show"):
        papers_services.featured_hide(curator=user, featured=entry, hidden=action == "hide")
    else:
        return _done(request, "Unknown action.", ok=False)
    return _done(request, f"Done: {action} arXiv:{paper.arxiv_id} on {day}.")


@require_POST
@curator_required
def curate_paper(request: MemberRequest) -> HttpResponse:
    paper = _paper_from_post(request)
    if paper is None:
        return _done(request, "No paper in the catalogue has that arXiv id.", ok=False)
    hidden = request.POST.get("action") != "show"
    papers_services.paper_hide(curator=request.user, paper=paper, hidden=hidden)
    return _done(request, f"arXiv:{paper.arxiv_id} is {'hidden' if hidden else 'shown again'}.")


@require_POST
@curator_required
def curate_authors(request: MemberRequest) -> HttpResponse:
    keep_id = request.POST.get("keep", "")
    duplicate_ids = [v for v in request.POST.get("duplicates", "").replace(",", " ").split()]
    if not keep_id.isdigit() or not duplicate_ids or not all(v.isdigit() for v in duplicate_ids):
        return _done(request, "Give the author id to keep and the duplicate ids.", ok=False)
    keep = Author.objects.filter(pk=int(keep_id)).first()
    duplicates = list(Author.objects.filter(pk__in=[int(v) for v in duplicate_ids]))
    if keep is None or not duplicates:
        return _done(request, "No author has that id.", ok=False)
    moved = papers_services.authors_merge(curator=request.user, keep=keep, duplicates=duplicates)
    return _done(request, f"Merged {len(duplicates)} author(s) into {keep.name}; {moved} links.")


@require_POST
@curator_required
def curate_claim(request: MemberRequest, pk: int) -> HttpResponse:
    claim_obj = get_object_or_404(AuthorClaim, pk=pk)
    approve = request.POST.get("action") == "approve"
    services.claim_decide(curator=request.user, claim=claim_obj, approve=approve)
    return _done(request, "Claim approved." if approve else "Claim rejected.")


@require_POST
@curator_required
def curate_report(request: MemberRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(CommentReport.objects.select_related("comment"), pk=pk)
    if request.POST.get("action") == "hide":
        services.comment_hide(moderator=request.user, comment=report.comment)
        return _done(request, "Comment hidden.")
    services.report_dismiss(moderator=request.user, report=report)
    return _done(request, "Report dismissed.")
