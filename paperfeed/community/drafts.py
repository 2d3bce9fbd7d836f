"""A refused comment's text, kept in the reader's session until the paper page shows it again.

A refused comment (too long, empty, HTML, an unknown @mention, too many comments at once) goes
back to the paper page (post/redirect/get: reloading does not post again), where the thread
shows the text in its editor with the reason, so nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

SESSION_KEY = "community:comment_draft"
# Enough for any comment the limit allows and then some; a megabyte pasted by mistake is cut
# (also where a refused or edited text is shown again outside the session: community.views).
MAX_KEPT_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Draft:
    body: str
    reason: str
    # The comment it replied to, when it was a reply.
    parent_id: int | None = None


def draft_keep(
    request: HttpRequest, *, paper_id: int, body: str, reason: str, parent_id: int | None
) -> None:
    request.session[SESSION_KEY] = {
        "paper": paper_id,
        "body": str(body)[:MAX_KEPT_CHARS],
        "reason": reason,
        "parent": parent_id,
    }


def draft_take(request: HttpRequest | None, *, paper_id: int) -> Draft | None:
    """The draft kept for this paper, removed from the session (shown once), or None."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    kept = session.get(SESSION_KEY)
    if not isinstance(kept, dict) or kept.get("paper") != paper_id:
        return None
    del session[SESSION_KEY]
    parent = kept.get("parent")
    return Draft(
        body=str(kept.get("body", "")),
        reason=str(kept.get("reason", "")),
        parent_id=parent if isinstance(parent, int) else None,
    )
