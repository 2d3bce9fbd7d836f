from __future__ import annotations

from datetime import UTC, datetime

import pytest

from paperfeed.ingest.parsers.dates import iso_datetime, rfc2822_date
from paperfeed.ingest.parsers.text import BadRecord


def test_dates() -> None:
    assert rfc2822_date("Mon, 2 Apr 2007 19:18:42 GMT", "d") == datetime(
        2007, 4, 2, 19, 18, 42, tzinfo=UTC
    )
    # "-0000" (unknown zone) still comes back timezone-aware.
    assert rfc2822_date("Mon, 2 Apr 2007 19:18:42 -0000", "d").tzinfo is not None
    assert iso_datetime("2007-10-08T00:00:00-04:00", "d") == datetime(2007, 10, 8, 4, tzinfo=UTC)
    assert iso_datetime("2024-10-22T17:59:30.000Z", "d") == datetime(
        2024, 10, 22, 17, 59, 30, tzinfo=UTC
    )
    assert iso_datetime("2007-03-30", "d") == datetime(2007, 3, 30, tzinfo=UTC)
    assert iso_datetime(None, "d") is None
    for bad in ("yesterday", "2024-13-01", 5):
        with pytest.raises(BadRecord):
            iso_datetime(bad, "d")
    with pytest.raises(BadRecord):
        rfc2822_date("not a date", "d")
