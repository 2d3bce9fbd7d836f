import pytest
from django.contrib.auth.models import AnonymousUser

from paperfeed.library.selectors import saved_among, saved_pairs, saved_paper_ids
from tests.factories import (
    CollectionFactory,
    CollectionItemFactory,
    PaperFactory,
    SavedPaperFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_saved_paper_ids_lists_one_members_library_newest_first():
    ada, bob = UserFactory(), UserFactory()
    first, second, other = PaperFactory(), PaperFactory(), PaperFactory()
    SavedPaperFactory(user=ada, paper=first)
    SavedPaperFactory(user=ada, paper=second)
    SavedPaperFactory(user=bob, paper=other)

    assert saved_paper_ids(user=ada) == [second.pk, first.pk]
    assert saved_paper_ids(user=AnonymousUser()) == []


def test_saved_among_answers_for_a_page_in_one_query(django_assert_num_queries):
    ada = UserFactory()
    saved, unsaved = PaperFactory(), PaperFactory()
    SavedPaperFactory(user=ada, paper=saved)

    with django_assert_num_queries(1):
        assert saved_among(user=ada, paper_ids=[saved.pk, unsaved.pk]) == {saved.pk}
    with django_assert_num_queries(0):
        assert saved_among(user=ada, paper_ids=[]) == set()
        assert saved_among(user=AnonymousUser(), paper_ids=[saved.pk]) == set()


def test_saved_pairs_yields_library_and_collection_papers_once_each():
    ada, bob = UserFactory(), UserFactory()
    kept, listed, both = PaperFactory(), PaperFactory(), PaperFactory()
    SavedPaperFactory(user=ada, paper=kept)
    SavedPaperFactory(user=ada, paper=both)
    private = CollectionFactory(owner=ada, is_public=False)
    CollectionItemFactory(collection=private, paper=both)
    CollectionItemFactory(collection=CollectionFactory(owner=bob), paper=listed)

    pairs = list(saved_pairs())

    assert sorted(pairs) == sorted([(ada.pk, kept.pk), (ada.pk, both.pk), (bob.pk, listed.pk)])
