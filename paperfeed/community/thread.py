"""The paper page's comment section: one thread shared by every member, each reader's controls
written into it.

The thread (who wrote what, when, the replies' order, the verified authors, the claim form's
list of authors) is the same for every member; what differs per reader is the editor (with a
refused comment's draft), and on each comment Reply, Edit (inside the edit window), Delete or
Report, a moderator's Hide and Unhide, and the CSRF token in every form. Those controls are
made here by string formatting, for a page built for one reader alone
(``{% comment_controls %}`` and friends in ``community/_thread.html``) and for a member's page
filled from the kept thread (``community/reader_parts.py``) alike, so both are the same HTML
by construction.

While a shared thread is built (``readerslots.building()``) each control is a slot
("thread:0:paper", "thread:1:comment:author:created", "thread:2:comment"): the comment's author
and creation time (microseconds since 1970) ride in the slot, so a reader's Edit and Delete are
decided per request (the edit window closes on time) without reading the comments again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cached_property
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html

from paperfeed.accounts.roles import page_shows_curate
from paperfeed.community.drafts import draft_take
from paperfeed.community.selectors import comment_editable_since
from paperfeed.core import readerslots
from paperfeed.core.urlpaths import per_url_configuration

FORM, ACTIONS, UNHIDE = 0, 1, 2
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# One reverse() per URL name and URL configuration, not per comment or reader: the URL with
# a marker for the id.
_MARKER = 987654321
_ACTIONS = (
    "community:comment",
    "community:comment_edit",
    "community:comment_delete",
    "community:comment_report",
    "community:comment_hide",
)


@per_url_configuration
def _action_urls() -> dict[str, str]:
    """Each comment action's URL with "{}" for the id (reversed once, not on every page)."""
    return {name: reverse(name, args=[_MARKER]).replace(str(_MARKER), "{}") for name in _ACTIONS}


_SIGN_IN = '<p><a href="{login}?next={next}">Sign in</a> to join the discussion.</p>'
_FORM = (
    '<form class="comment-form{refused_class}" id="comment-form" method="post" action="{action}">'
    "{csrf}\n    {refused}\n"
    '    <label for="comment-body">{label} <small>(Markdown: *emphasis*, **bold**, `code`, links,'
    " lists, $maths$; @name mentions a member)</small></label>\n"
    '    <textarea id="comment-body" name="body" rows="{rows}" maxlength="{max_chars}" required'
    "{described}>{body}</textarea>\n    {parent}\n"
    '    <input type="hidden" name="next" value="{next}">\n'
    '    <button type="submit">Post comment</button>\n  </form>'
)
_REPLY = (
    '\n      <div class="comment-actions">\n'
    "        <details><summary>Reply</summary>\n"
    '          <form method="post" action="{action}">{csrf}\n'
    '            <input type="hidden" name="parent" value="{pk}">\n'
    '            <input type="hidden" name="next" value="{next}">\n'
    '            <textarea name="body" rows="3" maxlength="{max_chars}" required'
    ' aria-label="Your reply"></textarea>\n'
    '            <button type="submit">Post reply</button>\n'
    "          </form>\n        </details>\n"
)
_EDIT = '          <a href="{action}">Edit</a>\n'
_DELETE = (
    '          <form class="inline" method="post" action="{action}">{csrf}<input type="hidden"'
    ' name="next" value="{next}"><button type="submit" class="quiet-danger">Delete</button>'
    "</form>\n"
)
_REPORT = (
    "        <details><summary>Report</summary>\n"
    '          <form method="post" action="{action}">{csrf}\n'
    '            <input type="hidden" name="next" value="{next}">\n'
    '            <input name="reason" maxlength="500" placeholder="What is wrong with it?'
    ' (optional)" aria-label="Reason">\n'
    '            <button type="submit" class="secondary">Report to moderators</button>\n'
    "          </form>\n        </details>\n"
)
_HIDE = (
    '          <form class="inline" method="post" action="{action}">{csrf}<input type="hidden"'
    ' name="next" value="{next}">{unhide}<button type="submit" class="secondary">{label}'
    "</button></form>\n"
)


def micros(moment: datetime) -> int:
    """A moment as whole microseconds since 1970 (exact, unlike a float timestamp): how a
    comment's creation time rides in its slot."""
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


class ReaderControls:
    """One reader's controls on a paper's thread, worked out once per page: who they are,
    whether they moderate (the menu's remembered role, a minute; hiding asks afresh in
    community/services.py), the edit window now, their CSRF token."""

    def __init__(self, request: HttpRequest | None) -> None:
        self.request = request
        user = getattr(request, "user", None)
        self.member = bool(user is not None and user.is_authenticated)
        self.user_id = user.pk if self.member and user is not None else None
        # The page's one answer (the menu asks it too): the role read once a request.
        self.moderator = self.member and request is not None and page_shows_curate(request)
        self.editable_since = micros(comment_editable_since(now=timezone.now()))
        self.path = request.get_full_path() if request is not None else "/"
        self.next = escape(self.path)
        self.max_chars = settings.PAPERFEED_COMMENT_MAX_CHARS
        self._urls = _action_urls()  # looked up once a page, not once per comment

    @cached_property
    def csrf(self) -> str:
        if self.request is None:
            return ""
        return readerslots.csrf_input(readerslots.csrf_token(self.request))

    def _url(self, name: str, pk: int) -> str:
        return self._urls[name].format(pk)

    def form(self, paper_id: int) -> str:
        """The editor for a new comment (with this reader's refused draft, shown once), or a
        sign-in link."""
        if not self.member:
            return _SIGN_IN.format(
                login=escape(reverse("accounts:login")), next=escape(quote(self.path, safe="/"))
            )
        draft = draft_take(self.request, paper_id=paper_id)
        refused = (
            format_html(
                '<p class="comment-refused" id="comment-refused" role="alert">Your comment was'
                " not posted: {}</p>",
                draft.reason,
            )
            if draft
            else ""
        )
        parent = draft.parent_id if draft else None
        return _FORM.format(
            refused_class=" comment-form--refused" if draft else "",
            action=self._url("community:comment", paper_id),
            csrf=self.csrf,
            refused=refused,
            label="Your reply" if parent else "Add a comment",
            rows=10 if draft else 4,
            max_chars=self.max_chars,
            described=' aria-describedby="comment-refused" autofocus' if draft else "",
            body=escape(draft.body) if draft else "",
            parent=format_html('<input type="hidden" name="parent" value="{}">', parent)
            if parent
            else "",
            next=self.next,
        )

    def actions(self, paper_id: int, pk: int, author_id: int, created: int) -> str:
        """A shown comment's Reply, the author's Edit (inside the edit window) and Delete or
        everyone else's Report, a moderator's Hide; nothing for a reader not signed in."""
        if not self.member:
            return ""
        common = {"csrf": self.csrf, "next": self.next}
        html = _REPLY.format(
            action=self._url("community:comment", paper_id),
            pk=pk,
            max_chars=self.max_chars,
            **common,
        )
        if author_id == self.user_id:
            if created >= self.editable_since:
                html += _EDIT.format(action=self._url("community:comment_edit", pk))
            html += _DELETE.format(action=self._url("community:comment_delete", pk), **common)
        else:
            html += _REPORT.format(action=self._url("community:comment_report", pk), **common)
        if self.moderator:
            html += self._hide(pk, unhide=False)
        return html + "      </div>\n"

    def unhide(self, pk: int) -> str:
        """A hidden comment's Unhide, for a moderator."""
        return self._hide(pk, unhide=True) if self.moderator else ""

    def _hide(self, pk: int, *, unhide: bool) -> str:
        return _HIDE.format(
            action=self._url("community:comment_hide", pk),
            csrf=self.csrf,
            next=self.next,
            unhide='<input type="hidden" name="unhide" value="1">' if unhide else "",
            label="Unhide" if unhide else "Hide",
        )

    def slot(self, kind: int, *args: int) -> str:
        """One control by its slot's kind and arguments (see the module's docstring)."""
        if kind == FORM:
            return self.form(*args)
        if kind == ACTIONS:
            return self.actions(*args)
        if kind == UNHIDE:
            return self.unhide(*args)
        return ""


def control(controls: ReaderControls | None, kind: int, *args: int) -> str:
    """The control for this reader, or its slot while a shared thread is built."""
    if readerslots.building() or controls is None:
        return readerslots.slot("thread", kind, *args)
    return controls.slot(kind, *args)
