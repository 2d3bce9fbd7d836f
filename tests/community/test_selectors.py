"""Shared reads of community data (community/selectors.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from paperfeed.community.selectors import card_state, comment_version
from paperfeed.community.services import comment_create, comment_edit, upvote_add
from paperfeed.library.cards import saved_by
from paperfeed.library.services import saved_paper_add
from tests.factories import PaperFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_card_state_is_each_readers_own_from_one_compiled_query():
    papers = [PaperFactory() for _ in range(4)]
    alice, bob = UserFactory(), UserFactory()
    upvote_add(user=alice, paper=papers[0])
    upvote_add(user=bob, paper=papers[1])
    upvote_add(user=bob, paper=papers[0])
    saved_paper_add(user=alice, paper=papers[2])
    ids = [paper.pk for paper in papers]
    # The same shape (four papers, one other part) for both: the SQL compiled for alice's
    # request serves bob's with his own id.
    with CaptureQueriesContext(connection) as queries:
        mine = card_state(user=alice, paper_ids=ids, mine=[saved_by])
        his = card_state(user=bob, paper_ids=ids, mine=[saved_by])
    assert len(queries) == 2
    assert mine.voted == {papers[0].pk} and mine.mine == [{papers[2].pk}]
    assert his.voted == {papers[0].pk, papers[1].pk} and his.mine == [set()]
    assert (
        mine.counts
        == his.counts
        == {
            papers[0].pk: 2,
            papers[1].pk: 1,
            papers[2].pk: 0,
            papers[3].pk: 0,
        }
    )
    # Another shape, no other parts, a paper that is not there.
    alone = card_state(user=bob, paper_ids=[papers[1].pk, 999_999], mine=[])
    assert alone.voted == {papers[1].pk} and alone.counts == {papers[1].pk: 1}
    assert card_state(user=bob, paper_ids=[], mine=[saved_by]).mine == [set()]


def test_comment_version_moves_with_every_change_to_a_papers_comments():
    paper, other = PaperFactory(), PaperFactory()
    member = UserFactory()
    seen = {comment_version(paper_id=paper.pk)}
    comment = comment_create(user=member, paper=paper, body="One.")
    seen.add(comment_version(paper_id=paper.pk))
    comment_edit(user=member, comment=comment, body="One, edited.")
    seen.add(comment_version(paper_id=paper.pk))
    before = comment_version(paper_id=paper.pk)
    comment_create(user=member, paper=other, body="Elsewhere.")
    assert comment_version(paper_id=paper.pk) == before
    assert len(seen) == 3
