"""A reader's vote box (community/voteboxes.py): the template's text cut once per page around
each card's numbers is the template formatted for that card, for members (voted or not) and
anonymous readers, and the template per card when the reader's own text holds the cut's mark."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from paperfeed.community import voteboxes
from paperfeed.core import readerslots
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# The vote box as community/voteboxes.py formatted it per card before its text around the numbers
# was cut once per page (53b7405): the reference the fast box is compared with.
def reference_box(reader: voteboxes.Reader, pk: int, source: int, local: int, voted: bool) -> str:
    count = {"source": source, "local": local, "count": source + local}
    if not reader.member:
        return voteboxes._ANONYMOUS_BOX.format(login=reader.login, **count)
    return voteboxes._MEMBER_BOX.format(
        action=reader.action.format(pk),
        token=reader.token,
        next=reader.next,
        voted_class=" is-voted" if voted else "",
        pressed="true" if voted else "false",
        title="Remove your upvote" if voted else "Upvote",
        **count,
    )


@pytest.mark.parametrize("path", ["/papers/trending", "/search?q=a%00b&x={0}", "/papers/{}?q=é"])
@pytest.mark.parametrize("member", [True, False])
@pytest.mark.parametrize("marked", [False, True])
def test_a_vote_box_is_the_template_formatted_for_its_card(rf, path, member, marked):
    request = rf.get(path)
    request.user = UserFactory() if member else AnonymousUser()
    reader = voteboxes.Reader(request)
    if marked:  # the reader's own text holds the mark: the template per card
        if member:
            reader.next += readerslots.MARK
        else:
            reader.login += readerslots.MARK
    for pk, source, local, voted in [(1, 0, 0, False), (123456, 17, 3, True), (7, 10**6, 2, False)]:
        assert reader.box_of(pk, source, local, voted) == reference_box(
            reader, pk, source, local, voted
        )
        # Asked again (the text around the numbers kept for the page), still the same.
        assert reader.box_of(pk, source, local, voted) == reference_box(
            reader, pk, source, local, voted
        )
