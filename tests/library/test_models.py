import pytest
from django.db import IntegrityError

from paperfeed.community.services import account_delete
from paperfeed.library.models import Collection, CollectionItem, SavedPaper, Tag
from paperfeed.library.services import saved_paper_edit
from tests.factories import (
    CollectionFactory,
    CollectionItemFactory,
    PaperFactory,
    SavedPaperFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_deleting_an_account_deletes_its_library_and_collections_only():
    ada, bob = UserFactory(), UserFactory()
    paper = PaperFactory()
    saved_paper_edit(saved=SavedPaperFactory(user=ada, paper=paper), note="mine", tags="x")
    CollectionItemFactory(collection=CollectionFactory(owner=ada, is_public=True), paper=paper)
    SavedPaperFactory(user=bob, paper=paper)
    CollectionItemFactory(collection=CollectionFactory(owner=bob), paper=paper)

    account_delete(user=ada)

    assert list(SavedPaper.objects.values_list("user_id", flat=True)) == [bob.pk]
    assert list(Collection.objects.values_list("owner_id", flat=True)) == [bob.pk]
    assert CollectionItem.objects.count() == 1
    assert not Tag.objects.exists()
    paper.refresh_from_db()  # the catalogue is untouched


def test_one_save_per_member_and_paper():
    saved = SavedPaperFactory()
    with pytest.raises(IntegrityError):
        SavedPaperFactory(user=saved.user, paper=saved.paper)
