"""core/ratelimits.py: the shared store check and the shared counters."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from paperfeed.core.ratelimits import counter_hit, store_problem

LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "x"}
PLAIN_DB = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "x"}


def test_the_default_store_is_shared():
    assert store_problem() is None


def test_the_redis_store_is_shared(settings, redis_url):
    settings.CACHES = {
        **settings.CACHES,
        "limits": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url},
    }
    assert store_problem() is None


@pytest.mark.parametrize(
    ("backend", "words"), [(LOCMEM, "private to each process"), (PLAIN_DB, "lose counts")]
)
def test_a_store_that_would_not_count_exactly_is_named(settings, backend, words):
    settings.CACHES = {**settings.CACHES, "limits": backend}
    assert words in store_problem()


def test_web_refuses_to_start_when_each_process_would_count_alone(settings):
    settings.CACHES = {**settings.CACHES, "limits": LOCMEM}
    with pytest.raises(CommandError, match="rate limits would not be shared"):
        call_command("web", "--workers", "2")


@pytest.mark.django_db
def test_counter_hit_counts_per_key_in_its_window():
    assert [counter_hit("a@example.org", seconds=60) for _ in range(3)] == [1, 2, 3]
    assert counter_hit("b@example.org", seconds=60) == 1
    # A key from outside may be long and hold any character.
    odd = "x" * 400 + " \x01 é"
    assert [counter_hit(odd, seconds=60) for _ in range(2)] == [1, 2]
