"""The search box's id forms and the author pages (papers/views.py) through the test client."""

from __future__ import annotations

import pytest

from paperfeed.papers.models import Paper
from tests.factories import UserFactory, catalogue_paper
from tests.papers.test_ids import ID_QUERY_FORMS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]


@pytest.fixture
def id_papers():
    """One paper for each id ID_QUERY_FORMS names, and a decoy whose words match every URL."""
    keys = sorted({key for _, key in ID_QUERY_FORMS})
    for key in keys:
        catalogue_paper(key, title=f"Paper {key}")
    catalogue_paper("2603.00001", title="Papers on arxiv org abs pdf https www huggingface co doi")
    return keys


@pytest.mark.parametrize(("query", "key"), ID_QUERY_FORMS)
def test_search_box_goes_straight_to_the_paper(client, id_papers, query, key):
    response = client.get("/search", {"q": query})
    assert response.status_code == 302
    assert response["Location"] == f"/papers/{key}"


def test_search_for_an_unknown_id_says_so_and_links_to_arxiv(client, id_papers):
    for query in ("2501.00042v2", "https://arxiv.org/abs/2501.00042"):
        response = client.get("/search", {"q": query})
        assert response.status_code == 200
        html = response.content.decode()
        assert "arXiv:2501.00042 is not in this catalogue yet" in html
        assert 'href="https://arxiv.org/abs/2501.00042"' in html
        # Never a list of unrelated papers, and the submit form only for members.
        assert "paper-entry" not in html
        assert 'href="/submit"' not in html
    client.force_login(UserFactory())
    html = client.get("/search", {"q": "2501.00042"}).content.decode()
    assert 'href="/submit"' in html


def test_search_for_a_hidden_paper_does_not_reveal_it(client, id_papers):
    Paper.objects.filter(arxiv_id="2603.04379").update(hidden=True)
    response = client.get("/search", {"q": "2603.04379"})
    assert response.status_code == 200
    assert "not in this catalogue" in response.content.decode()


def test_an_id_among_words_is_still_a_word_search(client, id_papers):
    response = client.get("/search", {"q": "paper 2603.04379"})
    assert response.status_code == 200


def test_author_page_shows_papers_coauthors_and_the_claimed_member(client):
    from paperfeed.community.models import AuthorClaim
    from paperfeed.papers.models import Author

    first = catalogue_paper("2401.00001", title="Engines", authors=("Ada Lovelace", "Bob B"))
    catalogue_paper("2402.00001", title="Looms", authors=("Ada Lovelace",))
    ada = Author.objects.get(key="ada lovelace")
    member = UserFactory(username="ada")
    AuthorClaim.objects.create(
        user=member, paper=first, author=ada, status=AuthorClaim.Status.APPROVED
    )
    AuthorClaim.objects.create(
        user=UserFactory(username="impostor"), paper=first, author=ada
    )  # pending: not shown

    # Every form of the address lands on one canonical page.
    for path in (f"/authors/{ada.pk}", "/authors/ada-lovelace", f"/authors/{ada.pk}-old-name"):
        response = client.get(path)
        assert (
            response.status_code == 301
            and response["Location"] == f"/authors/{ada.pk}-ada-lovelace"
        )
    html = client.get(f"/authors/{ada.pk}-ada-lovelace").content.decode()
    assert html.index("Looms") < html.index("Engines")
    assert "2 papers here" in html
    assert "Bob B</a>" in html and "Claimed by" in html and "/accounts/u/ada" in html
    assert "impostor" not in html
    # The paper page links each author to their page.
    paper_page = client.get("/papers/2401.00001").content.decode()
    assert f'href="/authors/{ada.pk}-ada-lovelace"' in paper_page


def test_author_page_unknown_or_hostile_addresses_are_404(client):
    for value in ("nobody", "99999999", "9" * 40, "%00", "a" * 500):
        assert client.get(f"/authors/{value}").status_code in (400, 404), value
