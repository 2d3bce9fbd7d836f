"""The pure parts: periods and send moments, personal order, first sentences, input checks."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from paperfeed.digests import addresses, personal, schedule


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class TestSchedule:
    def test_daily_is_due_after_the_local_send_time_on_weekdays(self):
        kwargs = dict(frequency="daily", weekday=0, send_time=time(8), since=None)
        # 2026-11-27 is a Friday. 08:00 in Tokyo is 23:00 UTC the day before.
        assert schedule.due_period(tz="Asia/Tokyo", now=at("2026-11-26T22:59"), **kwargs) is None
        assert (
            schedule.due_period(tz="Asia/Tokyo", now=at("2026-11-26T23:00"), **kwargs)
            == "daily:2026-11-27"
        )
        assert schedule.due_period(tz="UTC", now=at("2026-11-27T07:59"), **kwargs) is None
        assert schedule.due_period(tz="UTC", now=at("2026-11-27T08:00"), **kwargs) == (
            "daily:2026-11-27"
        )
        # Saturday: no daily digest.
        assert schedule.due_period(tz="UTC", now=at("2026-11-28T12:00"), **kwargs) is None

    def test_weekly_is_due_from_the_chosen_day_on_and_names_the_week(self):
        kwargs = dict(frequency="weekly", weekday=2, send_time=time(9), tz="Europe/Paris")
        # Wednesday 2026-11-25 09:00 in Paris is 08:00 UTC.
        assert schedule.due_period(now=at("2026-11-25T07:59"), since=None, **kwargs) is None
        assert schedule.due_period(now=at("2026-11-25T08:00"), since=None, **kwargs) == (
            "weekly:2026-11-23"
        )
        # Later in the same week it is still that week (a missed tick is caught up) ...
        assert schedule.due_period(now=at("2026-11-28T08:00"), since=None, **kwargs) == (
            "weekly:2026-11-23"
        )
        # ... but not for someone who subscribed after this week's send moment.
        assert (
            schedule.due_period(now=at("2026-11-28T08:00"), since=at("2026-11-26T00:00"), **kwargs)
            is None
        )

    def test_unknown_zone_falls_back_to_utc_and_bad_periods_are_refused(self):
        assert schedule.zone("Mars/Olympus").key == "UTC"
        with pytest.raises(ValueError):
            schedule.period_bounds("hourly:2026-01-01")

    def test_backoff_doubles_and_is_capped(self):
        assert [schedule.retry_delay(attempts=n) for n in (1, 2, 3)] == [60, 120, 240]
        assert schedule.retry_delay(attempts=40) == 6 * 3600


class TestPersonal:
    def test_first_sentence_skips_abbreviations(self):
        assert personal.first_sentence("Diffusion, e.g. for proteins, works. Next.") == (
            "Diffusion, e.g. for proteins, works."
        )
        assert personal.first_sentence("We use  GPT-4.\nIt is big.") == "We use GPT-4."
        assert personal.first_sentence("") == ""
        long = "word " * 200
        assert len(personal.first_sentence(long)) <= personal.MAX_SENTENCE

    def test_matching_items_come_first_and_keep_their_order(self):
        items = ["a1", "b2", "a3", "b4", "a5"]
        ordered = personal.personal_order(
            items, matches=lambda s: s.startswith("a"), only_matching=False, limit=4
        )
        assert ordered == ["a1", "a3", "a5", "b2"]
        only = personal.personal_order(
            items, matches=lambda s: s.startswith("b"), only_matching=True, limit=10
        )
        assert only == ["b2", "b4"]

    def test_keyword_pattern_matches_whole_words_case_insensitively(self):
        pattern = personal.keyword_pattern(["speech", "graph neural", "c++"])
        assert pattern is not None
        assert pattern.search("Automatic SPEECH recognition")
        assert pattern.search("graph neural networks")
        assert pattern.search("written in C++ today")
        assert not pattern.search("speeches")
        assert personal.keyword_pattern(["", "  "]) is None


class TestAddresses:
    def test_addresses_are_normalised_with_idna_domains(self):
        assert addresses.normalize_address("reader@Bücher.DE") == "reader@xn--bcher-kva.de"
        assert addresses.normalize_address("reader@xn--bcher-kva.de") == "reader@xn--bcher-kva.de"

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "no-at-sign",
            "a@b",
            "reader@example.org\r\nBcc: victim@example.org",
            "reader@example.org\nSubject: hi",
            "Reader <reader@example.org>",
            "zoë@example.org",  # needs SMTPUTF8
            "x" * 300 + "@example.org",
            None,
        ],
    )
    def test_bad_addresses_get_a_clear_error(self, raw):
        with pytest.raises(addresses.InputError) as caught:
            addresses.normalize_address(raw)
        assert str(caught.value)

    def test_categories_and_keywords(self):
        assert addresses.clean_categories("cs.CL, cs.LG") == ["cs.CL", "cs.LG"]
        assert addresses.clean_categories(["cs.CL", "math", "cs.CL"]) == ["cs.CL", "math"]
        with pytest.raises(addresses.InputError):
            addresses.clean_categories(["cs.CL; DROP TABLE"])
        assert addresses.clean_keywords("Speech, diffusion models ,speech") == [
            "Speech",
            "diffusion models",
        ]
        with pytest.raises(addresses.InputError):
            addresses.clean_keywords(["bad\x00word"])
        with pytest.raises(addresses.InputError):
            addresses.clean_keywords(["x" * 61])
