"""The reason under a recommended card (recs/cards.py): typeset, escaped, with a working hide
button, and this reader's alone."""

import pytest
from django.test import RequestFactory

from paperfeed.recs import cards, selectors
from paperfeed.recs.models import HiddenPaper
from tests.factories import PaperFactory, SavedPaperFactory, UserFactory
from tests.recs.test_views import similar

pytestmark = pytest.mark.django_db


def test_hostile_titles_are_escaped_and_maths_typeset():
    ada = UserFactory()
    mine = PaperFactory(title='Scaling $O(n^2)$ <script>alert("x")</script> & more')
    near = PaperFactory(title="<img src=x onerror=alert(1)> " + "long " * 30)
    similar(mine, near)
    SavedPaperFactory(user=ada, paper=mine)
    request = RequestFactory().get('/papers/for-you?next="><b>')
    request.user = ada

    [html] = cards.reasons_html(request, selectors.for_you(user=ada).items).values()

    assert html.startswith('<div class="entry-reason"><p class="reason">Because you saved <a ')
    assert f'href="/papers/{mine.arxiv_id}"' in html
    assert 'class="math"' in html and "$O(n^2)$" not in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt; long long" in html
    assert 'value="/papers/for-you?next=' in html and '"><b>' not in html
    assert f'action="/papers/for-you/hide/{near.pk}"' in html


def test_the_hide_button_hides_the_paper(client):
    ada = UserFactory()
    mine, near = PaperFactory(), PaperFactory()
    similar(mine, near)
    SavedPaperFactory(user=ada, paper=mine)
    client.force_login(ada)
    page = client.get("/papers/for-you").content.decode()
    form = page[page.index('<form class="inline-form" method="post" action="') :]
    action = form.split('action="', 1)[1].split('"', 1)[0]

    response = client.post(action, {"next": "/papers/for-you"})

    assert response.status_code == 302
    assert HiddenPaper.objects.filter(user=ada, paper=near).exists()


def test_the_hide_buttons_label_cuts_long_titles_as_truncator_does():
    from django.utils.text import Truncator

    for title in ("x" * 60, "x" * 61, "é" * 59 + "e\u0301" * 3, "short", "y" * 200):
        assert cards._short(title) == Truncator(title).chars(60)
    assert cards._short("x" * 61).endswith("…") and len(cards._short("x" * 61)) == 60
