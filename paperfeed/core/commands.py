"""What the management commands share."""

from __future__ import annotations

from django.core.checks import Tags
from django.core.checks.registry import registry


def checks_without_urls() -> list[str]:
    """Every system check's tag but the URL configuration's, for a command that serves no page.

    Checking the URLs loads them, which imports every view of the site, the API and its schemas
    (about 0.3 s of CPU a start, and the memory of a task worker that never serves a page); a
    command that serves no page gains nothing from it. ``paperfeed web`` and ``paperfeed run``
    keep every check: they serve the pages."""
    return sorted(set(registry.tags_available()) - {Tags.urls})


def checks_without_pages() -> list[str]:
    """:func:`checks_without_urls` without the admin's and the templates' checks either, for a
    command that renders nothing, neither a page nor a mail (``paperfeed ingest``).

    The admin's check of its dependencies starts every template engine and imports every
    template tag library (about 0.2 s of CPU a start, measured for issue #20): what it checks is
    only used to render, and ``paperfeed check``, ``run`` and ``web`` still check it."""
    return sorted(set(checks_without_urls()) - {Tags.admin, Tags.templates})
