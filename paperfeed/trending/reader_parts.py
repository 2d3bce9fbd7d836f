"""The paper page's code-link form in a member's page served from a shared body
(core/readerslots.py): whether this reader may set the link (the submitter, an author, a
curator) is theirs, so the form is rendered per request from the same template."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.template.loader import render_to_string

from paperfeed.papers.models import Paper


def code_link_form_filler(request: HttpRequest, args: list[str]) -> Callable[[str], str]:
    """Slot "codelink:id": the form for the readers who may use it, else nothing."""
    papers = Paper.objects.in_bulk([int(arg) for arg in args])
    html = {
        arg: render_to_string(
            "trending/_code_link_form.html", {"paper": papers[int(arg)]}, request=request
        )
        if int(arg) in papers
        else ""
        for arg in args
    }
    return html.__getitem__
