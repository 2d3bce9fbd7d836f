from __future__ import annotations

import pytest

from paperfeed.papers.models import Paper
from tests.factories import catalogue_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def papers():
    return (
        catalogue_paper("2603.04379", title="A new-style paper"),
        catalogue_paper("hep-th/9901001", title="An old-style paper"),
    )


@pytest.mark.parametrize(
    ("path", "page"),
    [
        ("/abs/2603.04379", "/papers/2603.04379"),
        ("/abs/2603.04379v2", "/papers/2603.04379"),
        ("/abs/2603.04379/", "/papers/2603.04379"),
        ("/abs/hep-th/9901001", "/papers/hep-th/9901001"),
        ("/abs/hep-th/9901001v1", "/papers/hep-th/9901001"),
    ],
)
def test_abs_lands_on_the_paper_page(client, papers, path, page):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == page
    title = "An old-style paper" if "hep-th" in path else "A new-style paper"
    assert title in client.get(path, follow=True).content.decode()


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/pdf/2603.04379", "https://arxiv.org/pdf/2603.04379"),
        ("/pdf/2603.04379v2", "https://arxiv.org/pdf/2603.04379v2"),
        ("/pdf/2603.04379.pdf", "https://arxiv.org/pdf/2603.04379"),
        ("/pdf/2603.04379v3.pdf", "https://arxiv.org/pdf/2603.04379v3"),
        ("/pdf/hep-th/9901001", "https://arxiv.org/pdf/hep-th/9901001"),
        ("/pdf/hep-th/9901001v1.pdf", "https://arxiv.org/pdf/hep-th/9901001v1"),
        # Not in the catalogue: arXiv still has the PDF.
        ("/pdf/2401.01234v1", "https://arxiv.org/pdf/2401.01234v1"),
    ],
)
def test_pdf_goes_to_arxivs_pdf(client, papers, path, target):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == target


def test_unknown_valid_id_is_a_404_that_links_to_arxiv(client, papers):
    response = client.get("/abs/2401.01234v2")
    assert response.status_code == 404
    html = response.content.decode()
    assert "arXiv:2401.01234v2 is not in this catalogue yet" in html
    assert 'href="https://arxiv.org/abs/2401.01234v2"' in html


def test_hidden_paper_is_not_shown(client, papers):
    Paper.objects.filter(arxiv_id="2603.04379").update(hidden=True)
    assert client.get("/abs/2603.04379").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/abs/2401.99999999",
        "/abs/1234.5678",
        "/abs/not-an-id",
        "/abs/%00",
        "/abs/%E2%80%AE2401.01234",
        "/abs/" + "9" * 5000,
        "/pdf/2401.01234v0",
        "/pdf/../../etc/passwd",
        "/pdf/2401.01234.exe",
        "/pdf/%3Cscript%3E",
    ],
)
def test_what_is_not_an_id_is_a_clear_404(client, papers, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert "is not an arXiv id" in html
    assert "<script>" not in html.split("</head>")[-1]


def test_only_safe_methods(client, papers):
    assert client.post("/abs/2603.04379").status_code == 405
    assert client.post("/pdf/2603.04379").status_code == 405
