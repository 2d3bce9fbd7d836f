import re

import pytest
from django.test import Client

from paperfeed.library.models import Collection, SavedPaper
from paperfeed.library.services import collection_item_add, saved_paper_edit
from tests.factories import (
    CollectionFactory,
    CollectionItemFactory,
    PaperFactory,
    SavedPaperFactory,
    UserFactory,
    catalogue_paper,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    user = UserFactory(verified=True)
    client.force_login(user)
    return user


def _save_button(html: str, paper_id: int) -> str:
    match = re.search(rf'action="/library/papers/{paper_id}/save".*?</form>', html, re.S)
    assert match, "no save form"
    return match.group(0)


def test_save_works_without_javascript_and_shows_per_reader(client, member):
    paper = catalogue_paper("2401.00001", title="Saved one")
    catalogue_paper("2401.00002", title="Unsaved one")
    response = client.post(f"/library/papers/{paper.pk}/save", {"next": "/papers/new"})
    assert response.status_code == 302 and response["Location"] == "/papers/new"
    assert SavedPaper.objects.filter(user=member, paper=paper).exists()

    html = client.get("/papers/new").content.decode()
    assert "is-saved" in _save_button(html, paper.pk)
    unsaved = re.search(r'/library/papers/(\d+)/save"', html.replace(f"/{paper.pk}/save", ""))
    assert unsaved and "is-saved" not in _save_button(html, int(unsaved.group(1)))

    # Another reader sees their own state, not this one's.
    other_reader = Client()
    other_reader.force_login(UserFactory())
    assert "is-saved" not in _save_button(
        other_reader.get("/papers/new").content.decode(), paper.pk
    )
    # The paper page too, with the collection form.
    page = client.get("/papers/2401.00001").content.decode()
    assert "is-saved" in _save_button(page, paper.pk) and "Add to a collection" in page


def test_saved_state_costs_one_query_per_page(client, member, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    papers = [catalogue_paper(f"2401.0000{n}") for n in range(1, 6)]
    for paper in papers[:3]:
        SavedPaperFactory(user=member, paper=paper)
    with CaptureQueriesContext(connection) as queries:
        client.get("/papers/new")
    library_queries = [q for q in queries.captured_queries if "library_savedpaper" in q["sql"]]
    assert len(library_queries) == 1


def test_save_answers_scripts_in_json_and_anonymous_readers_are_sent_to_sign_in(client):
    paper = PaperFactory()
    response = client.post(f"/library/papers/{paper.pk}/save", HTTP_ACCEPT="application/json")
    assert response.status_code == 401 and "/accounts/login" in response.json()["login_url"]
    response = client.post(f"/library/papers/{paper.pk}/save")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]
    client.force_login(UserFactory())
    response = client.post(f"/library/papers/{paper.pk}/save", HTTP_ACCEPT="application/json")
    assert response.json() == {"saved": True}
    response = client.post(f"/library/papers/{paper.pk}/save", HTTP_ACCEPT="application/json")
    assert response.json() == {"saved": False}
    hidden = PaperFactory(hidden=True)
    response = client.post(f"/library/papers/{hidden.pk}/save", HTTP_ACCEPT="application/json")
    assert response.status_code == 409


def test_save_is_post_only_csrf_protected_and_rate_limited(settings):
    paper, user = PaperFactory(), UserFactory()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.get(f"/library/papers/{paper.pk}/save").status_code == 405
    assert strict.post(f"/library/papers/{paper.pk}/save").status_code == 403
    assert not SavedPaper.objects.exists()

    settings.PAPERFEED_RATE_UPVOTE = "2/m"
    client = Client()
    client.force_login(user)
    codes = [
        client.post(f"/library/papers/{paper.pk}/save", HTTP_ACCEPT="application/json").status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]


def test_library_page_edits_notes_and_tags_and_filters_by_tag(client, member):
    rl = catalogue_paper("2401.00001", title="Policy gradients")
    vision = catalogue_paper("2401.00002", title="Seeing things")
    saved_rl = SavedPaperFactory(user=member, paper=rl)
    SavedPaperFactory(user=member, paper=vision)
    response = client.post(
        f"/library/saved/{saved_rl.pk}", {"note": "Read §3 <b>first</b>", "tags": "RL, to read"}
    )
    assert response.status_code == 302
    html = client.get("/library").content.decode()
    assert "Read §3 &lt;b&gt;first&lt;/b&gt;" in html
    assert "#rl" in html and "#to-read" in html
    filtered = client.get("/library?tag=rl").content.decode()
    assert "Policy gradients" in filtered and "Seeing things" not in filtered
    assert "No paper carries this tag" in client.get("/library?tag=nope").content.decode()
    # Someone else's saved paper cannot be edited.
    other = SavedPaperFactory(paper=vision)
    assert client.post(f"/library/saved/{other.pk}", {"note": "x"}).status_code == 404


def test_library_is_private(client):
    saved = SavedPaperFactory(paper=catalogue_paper("2401.00001", title="Secret reading"))
    saved_paper_edit(saved=saved, note="my private note", tags="secret")
    response = client.get("/library")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]
    client.force_login(UserFactory())
    html = client.get("/library").content.decode()
    assert "Secret reading" not in html and "my private note" not in html
    assert "private" in client.get("/library").headers.get("Cache-Control", "")
    # Nor does it show on the member's public profile or collections page.
    profile = client.get(f"/accounts/u/{saved.user.username}").content.decode()
    assert "Secret reading" not in profile
    assert (
        "Secret reading" not in client.get(f"/collections/{saved.user.username}").content.decode()
    )


def test_collections_public_for_all_private_404_for_others(client, member):
    paper = catalogue_paper("2401.00001", title="Collected paper")
    public = CollectionFactory(owner=member, name="Open list", slug="open", is_public=True)
    private = CollectionFactory(owner=member, name="Hidden list", slug="hidden")
    collection_item_add(collection=public, paper=paper, note="Start here")
    collection_item_add(collection=private, paper=paper)

    assert "Start here" in client.get(f"/collections/{member.username}/open").content.decode()
    assert client.get(f"/collections/{member.username}/hidden").status_code == 200
    listing = client.get(f"/collections/{member.username}").content.decode()
    assert "Open list" in listing and "Hidden list" in listing

    anonymous = Client()
    stranger = Client()
    stranger.force_login(UserFactory())
    for reader in (anonymous, stranger):
        assert reader.get(f"/collections/{member.username}/open").status_code == 200
        for suffix in ("", ".atom", ".rss", ".bib", ".csv"):
            path = f"/collections/{member.username}/hidden{suffix}"
            assert reader.get(path).status_code == 404, path
        listing = reader.get(f"/collections/{member.username}").content.decode()
        assert "Open list" in listing and "Hidden list" not in listing
    # The owner's own private collection has no feed either: a feed's address travels.
    assert client.get(f"/collections/{member.username}/hidden.atom").status_code == 404


def test_owner_creates_edits_orders_and_deletes_a_collection(client, member):
    first, second = catalogue_paper("2401.00001"), catalogue_paper("2401.00002")
    response = client.post(
        "/library/collections/new",
        {"name": "Diffusion reading", "visibility": "public", "paper": first.pk, "next": "/x"},
    )
    collection = Collection.objects.get(owner=member)
    assert collection.is_public and collection.slug == "diffusion-reading"
    assert response["Location"] == "/x"
    client.post("/library/collections/add", {"collection": collection.pk, "paper": second.pk})
    assert list(collection.items.values_list("paper_id", flat=True)) == [first.pk, second.pk]
    item = collection.items.get(paper=second)
    client.post(f"/library/items/{item.pk}", {"action": "up"})
    assert list(collection.items.values_list("paper_id", flat=True)) == [second.pk, first.pk]
    client.post(f"/library/items/{item.pk}", {"note": "The clearest intro."})
    page = client.get(f"/collections/{member.username}/diffusion-reading").content.decode()
    assert "The clearest intro." in page and "Edit this collection" in page
    client.post(
        f"/library/collections/{collection.pk}",
        {"name": "Diffusion", "description": "Start here", "visibility": "private"},
    )
    collection.refresh_from_db()
    assert (collection.slug, collection.is_public) == ("diffusion", False)
    # Someone else can neither edit nor add to it.
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.post(f"/library/collections/{collection.pk}", {"name": "x"}).status_code == 404
    assert stranger.post(f"/library/items/{item.pk}", {"action": "remove"}).status_code == 404
    assert (
        stranger.post(
            "/library/collections/add", {"collection": collection.pk, "paper": first.pk}
        ).status_code
        == 404
    )
    client.post(f"/library/collections/{collection.pk}", {"action": "delete"})
    assert not Collection.objects.exists()


def test_exports_of_the_library_and_a_public_collection(client, member):
    paper = catalogue_paper("2401.00001", title="Exported", authors=("Ada Lovelace",))
    saved_paper_edit(saved=SavedPaperFactory(user=member, paper=paper), note="=cmd()", tags="x")
    bib = client.get("/library/export.bib")
    assert bib["Content-Type"].startswith("application/x-bibtex")
    assert "attachment" in bib["Content-Disposition"]
    assert "eprint={2401.00001}" in bib.content.decode()
    assert "no-store" in bib["Cache-Control"]
    csv = client.get("/library/export.csv").content.decode()
    assert "'=cmd()" in csv  # a formula in a note is not run by a spreadsheet
    assert client.get("/library/export.xml").status_code == 404
    public = CollectionFactory(owner=member, slug="pub", is_public=True)
    CollectionItemFactory(collection=public, paper=paper, note="why")
    anonymous = Client()
    assert (
        "eprint={2401.00001}"
        in anonymous.get(f"/collections/{member.username}/pub.bib").content.decode()
    )
    assert "2401.00001" in anonymous.get(f"/collections/{member.username}/pub.csv").content.decode()
    # A list of arXiv ids, as the import reads it back.
    ids = client.get("/library/export.txt")
    assert ids["Content-Type"].startswith("text/plain") and "no-store" in ids["Cache-Control"]
    assert ids.content.decode() == "2401.00001\n"
    listed = anonymous.get(f"/collections/{member.username}/pub.txt")
    assert listed.content.decode() == "2401.00001\n"
    assert 'filename="pub.txt"' in listed["Content-Disposition"]
    assert "/library/export.txt" in client.get("/library").content.decode()
    assert (
        f"/collections/{member.username}/pub.txt"
        in anonymous.get(f"/collections/{member.username}/pub").content.decode()
    )


def test_import_page_reports_and_refuses_bad_input_clearly(client, member):
    catalogue_paper("2401.00001")
    page = client.get("/library/import")
    assert page.status_code == 200
    response = client.post("/library/import", {"kind": "ids", "text": "2401.00001 2401.99999 junk"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 paper saved" in html and "2401.99999" in html and "junk" in html
    response = client.post("/library/import", {"kind": "bibtex", "text": "no entries at all"})
    assert response.status_code == 400 and "No BibTeX entries" in response.content.decode()
    response = client.post("/library/import", {"kind": "ids", "text": ""})
    assert response.status_code == 400
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("refs.bib", b"@misc{a, eprint={2401.00001}}\n\xff\xfe")
    response = client.post("/library/import", {"kind": "bibtex", "file": upload})
    assert response.status_code == 200 and "1 already in your library" in response.content.decode()


def test_hidden_papers_leave_libraries_and_collections(client, member):
    paper = catalogue_paper("2401.00001", title="To be hidden")
    SavedPaperFactory(user=member, paper=paper)
    public = CollectionFactory(owner=member, slug="pub", is_public=True)
    CollectionItemFactory(collection=public, paper=paper)
    paper.hidden = True
    paper.save()
    assert "To be hidden" not in client.get("/library").content.decode()
    assert "To be hidden" not in client.get(f"/collections/{member.username}/pub").content.decode()
    assert (
        "To be hidden"
        not in client.get(f"/collections/{member.username}/pub.atom").content.decode()
    )
