"""The catalogue admin keeps the search index in step and never deletes papers."""

from __future__ import annotations

import pytest

from paperfeed.papers.models import Paper
from paperfeed.papers.search_selectors import search_papers
from tests.factories import catalogue_paper

pytestmark = pytest.mark.django_db


def _change_data(admin_client, paper: Paper) -> dict:
    """What the admin's change form of ``paper`` posts back unchanged, its inline rows too."""
    page = admin_client.get(f"/admin/papers/paper/{paper.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name, value in management.initial.items():
            data[f"{management.prefix}-{name}"] = value
        for inline_form in formset.formset.initial_forms:
            for name, value in inline_form.initial.items():
                data[f"{inline_form.prefix}-{name}"] = getattr(value, "pk", value)
            data[f"{inline_form.prefix}-id"] = inline_form.instance.pk
    data.update(versions="[]", sources='["listing"]')
    for key in ("published", "updated"):
        value = getattr(paper, key)
        data[f"{key}_0"], data[f"{key}_1"] = value.date().isoformat(), value.strftime("%H:%M:%S")
    return data


def test_editing_a_paper_in_the_admin_updates_search(admin_client):
    paper = catalogue_paper("2602.00031", title="Old wording of a title")
    assert search_papers(query="wording").total == 1
    data = _change_data(admin_client, paper)
    data.update(title="Fresh phrasing of a title")
    response = admin_client.post(f"/admin/papers/paper/{paper.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"]
    assert Paper.objects.get(pk=paper.pk).title == "Fresh phrasing of a title"
    assert [row.paper.pk for row in search_papers(query="phrasing").papers] == [paper.pk]
    assert search_papers(query="wording").total == 0


def test_papers_cannot_be_deleted_from_the_admin(admin_client):
    paper = catalogue_paper("2602.00032", title="Kept forever")
    response = admin_client.post(f"/admin/papers/paper/{paper.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Paper.objects.filter(pk=paper.pk).exists()


def test_curation_actions_in_the_admin_are_for_curators_only(client):
    from django.contrib.auth.models import Permission

    from paperfeed.accounts.roles import curator_grant
    from tests.factories import FeaturedFactory, UserFactory

    entry = FeaturedFactory()
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_featured", "change_featured"])
    )
    client.force_login(staff)
    client.post("/admin/papers/featured/", {"action": "pin", "_selected_action": [entry.pk]})
    entry.refresh_from_db()
    assert not entry.pinned
    curator_grant(user=staff)
    client.post("/admin/papers/featured/", {"action": "pin", "_selected_action": [entry.pk]})
    entry.refresh_from_db()
    assert entry.pinned


def test_the_admin_refuses_a_featured_day_out_of_bounds(admin_client):
    paper = catalogue_paper("2602.00032", title="Some paper")
    response = admin_client.post(
        "/admin/papers/featured/add/",
        {"paper": paper.pk, "day": "9999-12-31", "source": "curator", "upvotes": 0},
    )
    assert response.status_code == 200
    assert "between 1991-01-01 and" in response.content.decode()
    assert not paper.featured.exists()


def test_the_admin_refuses_an_author_name_too_long_for_the_index_with_a_reason(admin_client):
    paper = catalogue_paper("2602.00035", title="A paper with authors")
    data = _change_data(admin_client, paper)
    data["authorships-0-name"] = "汉" * 1000  # 1,000 characters, 3,000 bytes
    response = admin_client.post(f"/admin/papers/paper/{paper.pk}/change/", data)
    assert response.status_code == 200
    assert "at most 2,000 bytes" in response.content.decode()
    assert [link.name for link in paper.authorships.all()] == ["Ada Lovelace"]


def test_a_link_typed_without_a_scheme_is_saved_as_https(admin_client):
    paper = catalogue_paper("2602.00032")
    data = _change_data(admin_client, paper)
    data.update(code_url="github.com/ada/engine", project_page="ada.example.org/engine")
    response = admin_client.post(f"/admin/papers/paper/{paper.pk}/change/", data)
    assert response.status_code == 302, response.context["errors"]
    paper.refresh_from_db()
    assert paper.code_url == "https://github.com/ada/engine"
    assert paper.project_page == "https://ada.example.org/engine"
