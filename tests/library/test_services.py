import pytest

from paperfeed.library import services
from paperfeed.library.importing import scan_bibtex, scan_id_list
from paperfeed.library.models import CollectionItem, SavedPaper, Tag
from tests.factories import CollectionFactory, CollectionItemFactory, PaperFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_save_is_idempotent_and_the_toggle_removes():
    user, paper = UserFactory(), PaperFactory()
    first = services.saved_paper_add(user=user, paper=paper)
    assert services.saved_paper_add(user=user, paper=paper).pk == first.pk
    assert SavedPaper.objects.count() == 1
    assert services.saved_paper_toggle(user=user, paper=paper) is False
    assert not SavedPaper.objects.exists()
    assert services.saved_paper_toggle(user=user, paper=paper) is True


def test_a_hidden_paper_cannot_be_saved_or_collected():
    user, paper = UserFactory(), PaperFactory(hidden=True)
    with pytest.raises(services.LibraryError, match="hidden"):
        services.saved_paper_add(user=user, paper=paper)
    with pytest.raises(services.LibraryError, match="hidden"):
        services.collection_item_add(collection=CollectionFactory(owner=user), paper=paper)


def test_tags_are_normalised_and_unused_tags_disappear():
    assert services.tags_parse("Deep Learning, RL; to-read\nrl, <script>") == [
        "deep-learning",
        "rl",
        "to-read",
        "script",
    ]
    with pytest.raises(services.LibraryError, match="At most"):
        services.tags_parse(",".join(f"t{n}" for n in range(30)))
    user = UserFactory()
    saved = services.saved_paper_add(user=user, paper=PaperFactory())
    services.saved_paper_edit(saved=saved, note="  read §3 ", tags="rl, vision")
    saved.refresh_from_db()
    assert saved.note == "read §3"
    assert sorted(t.name for t in saved.tags.all()) == ["rl", "vision"]
    services.saved_paper_edit(saved=saved, note="", tags="vision")
    assert list(Tag.objects.filter(user=user).values_list("name", flat=True)) == ["vision"]
    with pytest.raises(services.LibraryError, match="Notes"):
        services.saved_paper_edit(saved=saved, note="x" * 10_001, tags="")


def test_collection_slugs_are_unique_per_owner_and_follow_renames():
    ada, bob = UserFactory(), UserFactory()
    first = services.collection_create(owner=ada, name="Reading list")
    second = services.collection_create(owner=ada, name="Reading  list")
    other = services.collection_create(owner=bob, name="Reading list")
    assert (first.slug, second.slug, other.slug) == (
        "reading-list",
        "reading-list-2",
        "reading-list",
    )
    assert first.is_public is False  # private by default
    services.collection_edit(collection=second, name="Diffusion", description="", is_public=True)
    assert second.slug == "diffusion" and second.is_public
    assert services.collection_create(owner=ada, name="★★★").slug == "collection"
    with pytest.raises(services.LibraryError, match="name"):
        services.collection_create(owner=ada, name="   ")


def test_items_keep_their_order_and_move_one_place_at_a_time():
    collection = CollectionFactory()
    papers = [PaperFactory() for _ in range(3)]
    items = [services.collection_item_add(collection=collection, paper=p) for p in papers]
    assert services.collection_item_add(collection=collection, paper=papers[0]).pk == items[0].pk

    def order():
        return list(
            CollectionItem.objects.filter(collection=collection).values_list("paper_id", flat=True)
        )

    assert order() == [p.pk for p in papers]
    services.collection_item_move(item=items[2], offset=-1)
    assert order() == [papers[0].pk, papers[2].pk, papers[1].pk]
    services.collection_item_move(item=items[0], offset=-1)  # already first: stays
    assert order()[0] == papers[0].pk
    services.collection_item_remove(item=items[2])
    assert order() == [papers[0].pk, papers[1].pk]


def test_import_saves_what_the_catalogue_holds_and_reports_every_other_id():
    user = UserFactory()
    held = PaperFactory(arxiv_id="2401.00001")
    already = PaperFactory(arxiv_id="2401.00002")
    PaperFactory(arxiv_id="2401.00003", hidden=True)
    services.saved_paper_add(user=user, paper=already)
    collection = CollectionFactory(owner=user)

    report = services.library_import(
        user=user,
        scan=scan_id_list("2401.00001 2401.00002 2401.00003 2401.09999 nonsense"),
        collection=collection,
    )

    assert report.saved == ["2401.00001"]
    assert report.already == ["2401.00002"]
    assert report.missing == ["2401.00003", "2401.09999"]
    assert report.skipped == [("nonsense", "not an arXiv id")]
    assert SavedPaper.objects.filter(user=user).count() == 2
    assert list(collection.items.values_list("paper_id", flat=True)) == [held.pk, already.pk]


def test_import_from_bibtex():
    user = UserFactory()
    PaperFactory(arxiv_id="1706.03762")
    report = services.library_import(
        user=user, scan=scan_bibtex("@article{v, journal={arXiv preprint arXiv:1706.03762}}")
    )
    assert report.saved == ["1706.03762"]


def test_collection_items_of_others_are_independent():
    item = CollectionItemFactory()
    services.collection_item_edit(item=item, note="Start here.")
    item.refresh_from_db()
    assert item.note == "Start here."
