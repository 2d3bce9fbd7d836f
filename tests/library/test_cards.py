"""The save button (library/cards.py): cut once per page where each paper's id goes, the same
text as its template formatted per card (53b7405's way)."""

from __future__ import annotations

import pytest

from paperfeed.core import readerslots
from paperfeed.library import cards
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def reference_box(request, pk: int, is_saved: bool) -> str:  # type: ignore[no-untyped-def]
    return cards._MEMBER.format(
        action=cards._save_action().format(pk),
        token=readerslots.csrf_token(request),
        next=cards.escape(request.get_full_path()),
        saved_class=" is-saved" if is_saved else "",
        pressed="true" if is_saved else "false",
        title="In your library: click to remove" if is_saved else "Save to your library",
        star="★" if is_saved else "☆",
        label="Saved" if is_saved else "Save",
    )


@pytest.mark.parametrize("path", ["/papers/trending", "/search?q=a%00b&x={0}", "/papers/{}?q=é"])
@pytest.mark.parametrize("marked", [False, True])
def test_a_save_button_is_the_template_formatted_for_its_card(rf, monkeypatch, path, marked):
    request = rf.get(path)
    request.user = UserFactory()
    request.COOKIES["csrftoken"] = "a" * 32
    token = readerslots.csrf_token(request)
    # One token for the page, as a fill masks it once for all its parts.
    monkeypatch.setattr(readerslots, "csrf_token", lambda request: token)
    if marked:  # the page's path holds the mark: the template per card
        monkeypatch.setattr(cards, "escape", lambda text: str(text) + readerslots.MARK)
    box = cards.save_boxes(request, [1, 22, 333], {22})
    for pk in (1, 22, 333, 4444):
        assert box(pk) == reference_box(request, pk, pk == 22)
