"""ORM queries compiled once and run with each call's values (core/compiled.py)."""

from __future__ import annotations

import pytest
from django.db.models import Q

from paperfeed.core.compiled import compile_query
from paperfeed.papers.models import Paper
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db


def test_a_compiled_query_answers_for_each_calls_values():
    papers = [PaperFactory(title=f"Title {n}") for n in range(3)]
    query = Paper.objects.filter(Q(pk=-1) | Q(arxiv_id="~b"), hidden=False).values_list("title")
    compiled = compile_query(query.order_by("title"), [-1, "~b"])
    assert compiled.rows([papers[0].pk, papers[2].arxiv_id]) == [("Title 0",), ("Title 2",)]
    assert compiled.rows([papers[1].pk, "nothing"]) == [("Title 1",)]
    # The query's own constant (hidden=False) stays: a hidden paper is not found.
    Paper.objects.filter(pk=papers[1].pk).update(hidden=True)
    assert compiled.rows([papers[1].pk, "nothing"]) == []


def test_a_sentinel_the_query_does_not_carry_is_refused():
    query = Paper.objects.filter(pk=-1).values_list("pk")
    with pytest.raises(RuntimeError):
        compile_query(query, [-1, -2])
    with pytest.raises(ValueError):
        compile_query(query, [-1, -1])
