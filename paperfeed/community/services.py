"""Writes of the research community: upvotes, comments, submissions, curation and claims.

Every function takes keyword-only arguments and raises a :class:`CommunityError` subclass whose
message can be shown to the member as it is.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from paperfeed.accounts.roles import is_curator
from paperfeed.accounts.services import profile_of
from paperfeed.community import markdown, selectors
from paperfeed.community.models import AuthorClaim, Comment, CommentReport, Upvote
from paperfeed.ingest.sources import papers_fetch_by_ids
from paperfeed.papers.ids import InvalidArxivId, parse_arxiv_id
from paperfeed.papers.models import Author, Featured, Paper, PaperAuthor
from paperfeed.papers.selectors import paper_upvotes
from paperfeed.papers.services import featured_submit, paper_counters_add

_WITHDRAWN = re.compile(
    r"\b(?:this (?:paper|submission|article) (?:has been|was|is) withdrawn|"
    r"withdrawn by (?:the )?authors?)\b",
    re.IGNORECASE,
)


AnyUser = User | AnonymousUser


class CommunityError(Exception):
    """A refused community action; ``str(error)`` is the message for the member."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class VoteRefused(CommunityError):
    pass


class CommentRefused(CommunityError):
    pass


class SubmissionRefused(CommunityError):
    pass


class NotAllowed(CommunityError):
    pass


def _require_curator(user: AnyUser) -> None:
    if not is_curator(user):
        raise NotAllowed("Only curators can do this.")


def _require_member(user: AnyUser) -> None:
    if not (user.is_authenticated and user.is_active):
        raise NotAllowed("Please sign in first.")


# --- Upvotes -------------------------------------------------------------------------------


def _upvote_count(paper_id: int) -> int:
    # The one number every surface shows (source + local), so the button changes to it at once.
    return paper_upvotes(paper_id=paper_id)


def upvote_add(*, user: User, paper: Paper) -> int:
    """Vote for a paper; voting twice is a no-op. Returns the paper's new upvote count (the
    source's plus the local votes, as everywhere).

    The unique (user, paper) constraint decides who voted; the counter moves with F() in the
    same transaction as the vote row, so concurrent votes are neither lost nor doubled.
    """
    _require_member(user)
    if paper.hidden:
        raise VoteRefused("This paper has been hidden by the curators and cannot be upvoted.")
    try:
        with transaction.atomic():
            Upvote.objects.create(user=user, paper=paper)
            paper_counters_add(paper_id=paper.pk, upvotes=1)
            return _upvote_count(paper.pk)
    except IntegrityError:
        return _upvote_count(paper.pk)


def upvote_remove(*, user: User, paper: Paper) -> int:
    """Withdraw a vote; withdrawing one that is not there is a no-op. Returns the new count."""
    _require_member(user)
    with transaction.atomic():
        deleted, _ = Upvote.objects.filter(user=user, paper=paper).delete()
        if deleted:
            paper_counters_add(paper_id=paper.pk, upvotes=-1)
        return _upvote_count(paper.pk)


def upvote_toggle(*, user: User, paper: Paper) -> tuple[bool, int]:
    """The button: a first click votes, a second removes the vote. (voted now, new count)."""
    if Upvote.objects.filter(user=user, paper=paper).exists():
        return False, upvote_remove(user=user, paper=paper)
    return True, upvote_add(user=user, paper=paper)


def account_delete(*, user: User) -> None:
    """Delete a member and their personal data; their comments stay, signed by nobody.

    Upvotes are withdrawn through upvote_remove so the paper counters stay exact. Their library
    (saved papers, notes, tags) and collections go with the user row (their foreign keys
    cascade), in the same transaction.
    """
    with transaction.atomic():
        account_forget(user=user)
        user.delete()


# --- Comments ------------------------------------------------------------------------------


def _profile_url(username: str) -> str:
    return reverse("community:profile", args=[username])


def _render_body(body: str) -> str:
    """Check a comment body and render it; CommentRefused says what is wrong with it."""
    if not isinstance(body, str):
        raise CommentRefused("A comment must be text.")
    body = body.replace("\r\n", "\n").replace("\x00", "").strip()
    if not body:
        raise CommentRefused("The comment is empty.")
    limit = settings.PAPERFEED_COMMENT_MAX_CHARS
    if len(body) > limit:
        raise CommentRefused(
            f"The comment is {len(body):,} characters long; the limit is {limit:,}."
        )
    tag = markdown.find_html(body)
    if tag:
        raise CommentRefused(
            f"Comments are written in Markdown, not HTML; please remove {tag[:40]!r}. "
            "To show code, put it between `backticks`."
        )
    names = markdown.find_mentions(body)
    found = {
        name.lower(): name
        for name in User.objects.filter(username__in=names).values_list("username", flat=True)
    }
    missing = [name for name in names if name.lower() not in found]
    if missing:
        listed = ", ".join(f"@{name}" for name in missing[:5])
        raise CommentRefused(f"No member is called {listed}. Check the spelling of the mention.")
    return markdown.render(body, {name: _profile_url(name) for name in names})


def comment_create(
    *, user: User, paper: Paper, body: str, parent: Comment | None = None
) -> Comment:
    _require_member(user)
    if paper.hidden:
        raise CommentRefused("This paper has been hidden by the curators.")
    if parent is not None and (parent.paper_id != paper.pk):
        raise CommentRefused("You can only reply to a comment on the same paper.")
    if parent is not None and parent.hidden:
        raise CommentRefused("That comment has been hidden; it cannot be replied to.")
    html = _render_body(body)
    with transaction.atomic():
        comment = Comment.objects.create(
            paper=paper, author=user, parent=parent, body=body.strip(), body_html=html
        )
        paper_counters_add(paper_id=paper.pk, comments=1)
    return comment


def comment_edit(*, user: User, comment: Comment, body: str) -> Comment:
    _require_member(user)
    if comment.author_id != user.pk:
        raise NotAllowed("You can only edit your own comments.")
    if comment.deleted or comment.hidden:
        raise CommentRefused("This comment can no longer be edited.")
    if not selectors.comment_editable(comment=comment, now=timezone.now()):
        raise CommentRefused(
            f"Comments can be edited for {settings.PAPERFEED_COMMENT_EDIT_MINUTES} minutes "
            "after posting; this one can no longer be changed."
        )
    comment.body_html = _render_body(body)
    comment.body = body.strip()
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


def _set_visibility(comment: Comment, **changes: Any) -> None:
    """Apply deleted/hidden changes, keeping Paper.comment_count = visible comments."""
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        was_visible = locked.visible
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changes))
        delta = int(locked.visible) - int(was_visible)
        if delta:
            paper_counters_add(paper_id=locked.paper_id, comments=delta)
    for name, value in changes.items():
        setattr(comment, name, value)


def comment_delete(*, user: User, comment: Comment) -> None:
    """The author removes the text; the entry stays so replies keep their place."""
    _require_member(user)
    if comment.author_id != user.pk and not is_curator(user):
        raise NotAllowed("You can only delete your own comments.")
    if comment.deleted:
        return
    _set_visibility(comment, deleted=True, body="", body_html="")


def comment_hide(*, moderator: User, comment: Comment, hidden: bool = True) -> None:
    if not (is_curator(moderator) or moderator.has_perm("community.moderate_comment")):
        raise NotAllowed("Only moderators can hide comments.")
    _set_visibility(comment, hidden=hidden, hidden_by=moderator if hidden else None)
    if hidden:
        CommentReport.objects.filter(comment=comment).update(resolved=True)


def comment_report(*, user: User, comment: Comment, reason: str = "") -> bool:
    """Flag a comment for the moderators; False if this member had already reported it."""
    _require_member(user)
    reason = (reason or "").strip()[:500]
    _, created = CommentReport.objects.get_or_create(
        comment=comment, reporter=user, defaults={"reason": reason}
    )
    return created


def report_dismiss(*, moderator: User, report: CommentReport) -> None:
    if not (is_curator(moderator) or moderator.has_perm("community.moderate_comment")):
        raise NotAllowed("Only moderators can handle reports.")
    CommentReport.objects.filter(pk=report.pk).update(resolved=True)


# --- Submissions ---------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()


def _refuse_future(arxiv_id: str) -> None:
    """New-style ids start with YYMM; an id from a month not yet begun cannot exist."""
    if "/" in arxiv_id:
        return
    year, month = 2000 + int(arxiv_id[:2]), int(arxiv_id[2:4])
    today = _today()
    if (year, month) > (today.year, today.month):
        raise SubmissionRefused(
            f"arXiv:{arxiv_id} would be from {year}-{month:02d}, which has not begun yet. "
            "Check the id."
        )


def _guardrails(user: User) -> None:
    if settings.PAPERFEED_SUBMIT_REQUIRE_VERIFIED and not profile_of(user).email_verified:
        raise SubmissionRefused(
            "Please confirm your email address before submitting papers; "
            "the link is in the mail we sent you (you can ask for a new one in your settings)."
        )
    min_hours = settings.PAPERFEED_SUBMIT_MIN_ACCOUNT_AGE_HOURS
    joined = getattr(user, "date_joined", None)
    if min_hours and joined and timezone.now() - joined < timedelta(hours=min_hours):
        raise SubmissionRefused(
            f"New accounts can submit papers once they are {min_hours} hours old."
        )
    per_day = settings.PAPERFEED_SUBMIT_PER_DAY
    done = Featured.objects.filter(
        featured_by=user, source=Featured.Source.SUBMISSION, day=_today()
    ).count()
    if done >= per_day:
        raise SubmissionRefused(
            f"You have already submitted {done} papers today, the daily limit. "
            "Please come back tomorrow."
        )


def _paper_for(arxiv_id: str) -> Paper:
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is not None:
        return paper

    try:
        papers_fetch_by_ids(arxiv_ids=[arxiv_id])
    except Exception as exc:  # any network or parse failure means "arXiv did not answer"
        raise SubmissionRefused(
            f"arXiv:{arxiv_id} is not in our catalogue yet and arXiv could not be reached "
            "to fetch it. Please try again in a few minutes."
        ) from exc
    paper = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if paper is None:
        raise SubmissionRefused(f"arXiv has no paper with the id {arxiv_id}. Check the id.")
    return paper


def paper_submit(*, user: User, arxiv_id_or_url: str) -> Featured:
    """Feature a paper on today's list on behalf of a member, within the guardrails."""
    _require_member(user)
    try:
        arxiv_id = parse_arxiv_id(arxiv_id_or_url).id
    except InvalidArxivId as exc:
        raise SubmissionRefused(
            "That is not an arXiv id or link. Use a form like 2501.01234 or "
            "https://arxiv.org/abs/2501.01234."
        ) from exc
    _refuse_future(arxiv_id)
    curator = is_curator(user)
    if not curator:
        _guardrails(user)
    today = _today()
    existing = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if existing is not None and Featured.objects.filter(paper=existing, day=today).exists():
        raise SubmissionRefused(f"arXiv:{arxiv_id} is already on today's list.")
    paper = existing or _paper_for(arxiv_id)
    if paper.hidden:
        raise SubmissionRefused(f"arXiv:{arxiv_id} has been hidden by the curators.")
    if _WITHDRAWN.search(paper.comments or "") or _WITHDRAWN.search(paper.abstract[:300]):
        raise SubmissionRefused(f"arXiv:{arxiv_id} has been withdrawn by its authors.")
    max_age = settings.PAPERFEED_SUBMIT_MAX_AGE_DAYS
    age = (timezone.now() - paper.published).days
    if not curator and age > max_age:
        raise SubmissionRefused(
            f"arXiv:{arxiv_id} first appeared {age} days ago; only papers up to "
            f"{max_age} days old can be submitted."
        )
    name = getattr(getattr(user, "profile", None), "shown_name", "") or user.get_username()
    try:
        with transaction.atomic():
            featured = featured_submit(member=user, paper=paper, day=today, submitter_name=name)
    except IntegrityError as exc:
        raise SubmissionRefused(f"arXiv:{arxiv_id} is already on today's list.") from exc
    return featured


# --- Authorship claims ---------------------------------------------------------------------


def claim_create(*, user: User, paper: Paper, author: Author) -> AuthorClaim:
    _require_member(user)
    if not PaperAuthor.objects.filter(paper=paper, author=author).exists():
        raise CommunityError(f"{author.name} is not an author of this paper.")
    if (
        AuthorClaim.objects.filter(paper=paper, author=author, status=AuthorClaim.Status.APPROVED)
        .exclude(user=user)
        .exists()
    ):
        raise CommunityError(f"{author.name} on this paper has already been claimed.")
    claim, _ = AuthorClaim.objects.get_or_create(user=user, paper=paper, author=author)
    return claim


def claim_decide(*, curator: User, claim: AuthorClaim, approve: bool) -> AuthorClaim:
    _require_curator(curator)
    claim.status = AuthorClaim.Status.APPROVED if approve else AuthorClaim.Status.REJECTED
    claim.decided_by = curator
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "decided_by", "decided_at"])
    return claim


# --- Accounts ------------------------------------------------------------------------------


def account_forget(*, user: User) -> None:
    """Before an account is deleted: withdraw its votes (keeping counts exact), keep its
    comments without a name, and drop its reports and claims."""
    for paper in Paper.objects.filter(upvote_set__user=user):
        upvote_remove(user=user, paper=paper)
    Comment.objects.filter(author=user).update(author=None)
    CommentReport.objects.filter(reporter=user).delete()
    AuthorClaim.objects.filter(user=user).delete()
