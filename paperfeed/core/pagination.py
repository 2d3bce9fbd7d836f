"""Page numbers from the query string and the navigation a numbered list shows."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

# Deeper pages are refused by clamping: a reader never needs them, a crawler loop would.
MAX_PAGE = 500


def page_number(request: HttpRequest) -> int:
    """The ``page`` parameter, 1 to MAX_PAGE; anything else reads as page 1."""
    try:
        return max(1, min(int(request.GET.get("page", "1")), MAX_PAGE))
    except ValueError:
        return 1


def page_links(page: int, total: int, size: int) -> dict[str, Any]:
    """What the pagination include needs: this page, the last, previous and next, the total."""
    last = max(1, -(-total // size))
    return {
        "page": page,
        "last_page": last,
        "prev_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if page < last and page < MAX_PAGE else None,
        "total": total,
    }
