"""The paper page's "Add to a collection" for a member's page filled from a shared body
(core/readerslots.py, slot "collect:id"), written by string formatting from the reader's
collections (one compiled query) and URLs reversed once per process: byte for byte what
``library/_paper_collect.html`` renders for them (tests/library/test_reader_parts.py), at a
fraction of the template's cost on every member's paper page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from paperfeed.core import readahead, readerslots
from paperfeed.core.urlpaths import per_url_configuration
from paperfeed.library import selectors
from paperfeed.papers.models import Paper

_ADD = (
    '<form class="inline-form" method="post" action="{add}" data-collect>{csrf}\n'
    '    <input type="hidden" name="paper" value="{pk}"><input type="hidden" name="next" '
    'value="{next}">\n'
    '    <label for="collect-{pk}">Collection</label>\n'
    '    <select id="collect-{pk}" name="collection">{options}</select>\n'
    '    <button type="submit" class="secondary">Add</button>\n'
    "  </form>"
)
_PART = (
    '<details class="collect">\n'
    "  <summary>Add to a collection</summary>\n"
    "  {add}\n"
    '  <form class="inline-form" method="post" action="{create}">{csrf}\n'
    '    <input type="hidden" name="paper" value="{pk}"><input type="hidden" name="next" '
    'value="{next}">\n'
    '    <label for="new-collection-{pk}">New collection</label>\n'
    '    <input id="new-collection-{pk}" name="name" maxlength="200" required '
    'placeholder="Name">\n'
    '    <button type="submit" class="secondary">Create and add</button>\n'
    "  </form>\n"
    "</details>\n"
)


@per_url_configuration
def _actions() -> tuple[str, str]:
    return (
        escape(reverse("library:collection_add")),
        escape(reverse("library:collection_create")),
    )


def collect_html(request: HttpRequest, paper_id: int, token: str) -> str:
    """``library/_paper_collect.html`` for the signed-in reader of ``request``."""
    add, create = _actions()
    csrf, next_path = readerslots.csrf_input(token), escape(request.get_full_path())
    ahead = readahead.ahead_rows(request, ("collect",))
    choices = (
        selectors.collection_choices(owner=request.user)  # type: ignore[arg-type]
        if ahead is None
        else selectors.collection_choices_from(ahead)
    )
    options = "".join(
        f'<option value="{pk}">{escape(name)}{"" if public else " (private)"}</option>'
        for pk, name, public in choices
    )
    form = (
        _ADD.format(add=add, csrf=csrf, pk=paper_id, next=next_path, options=options)
        if choices
        else ""
    )
    return _PART.format(add=form, create=create, csrf=csrf, pk=paper_id, next=next_path)


def collect_filler(request: HttpRequest, args: list[str]) -> Callable[[str], str]:
    """Slot "collect:id": written for a member; anyone else gets the template's render."""
    if not request.user.is_authenticated:
        return lambda arg: render_to_string(
            "library/_paper_collect.html", {"paper": Paper(pk=int(arg))}, request=request
        )
    token = readerslots.csrf_token(request)
    return lambda arg: collect_html(request, int(arg), token)


def collect_reads(request: HttpRequest, member_id: int, args: list[str]) -> list[readahead.Read]:
    """The member's collections (slot "collect:id"), read ahead with their other reads."""
    query, values = selectors.collection_choices_query(owner_id=member_id)
    return [readahead.Read(("collect",), query, values)]
