"""Star time series from files in the github_ranking_stars format. Pure: no Django.

The format is EvanLi/Github-Ranking's daily snapshot, one CSV per day named
``github-ranking-YYYY-MM-DD.csv`` with the columns
``rank,item,repo_name,stars,forks,language,repo_url,username,issues,last_commit,description``.
A repository is listed once per list it is in (the overall top 100 and its language's), so a
day's rows are merged per repository. Files come as they are, or inside a ``.tar``/``.tar.xz``
read member by member without unpacking.

:func:`read_star_file` yields a :class:`StarCount` per repository and day, and a
:class:`Rejected` with its reason for every row (or file) that cannot be used.
"""

from __future__ import annotations

import csv
import io
import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

from paperfeed.papers import codelinks

_DAY_IN_NAME = re.compile(r"github-ranking-(\d{4}-\d{2}-\d{2})\.csv$", re.ASCII)
REQUIRED_COLUMNS = frozenset({"repo_url", "stars"})
# GitHub's most-starred repository has under 500,000 stars; a count far above is not real.
MAX_STARS = 100_000_000
# A CSV field longer than this is junk (descriptions are the longest real fields).
MAX_FIELD = 10_000
# URLs whose normal form is kept while reading one file (~30 MB at most).
MAX_SEEN_URLS = 100_000


@dataclass(frozen=True, slots=True)
class StarCount:
    key: str  # the repository's normal form, github.com/owner/repo
    taken_at: datetime  # 00:00 UTC of the snapshot's day
    stars: int


@dataclass(frozen=True, slots=True)
class Rejected:
    where: str  # file name and line
    reason: str


def day_of(name: str) -> date | None:
    """The snapshot day in a file name ``github-ranking-YYYY-MM-DD.csv``, else None."""
    match = _DAY_IN_NAME.search(name)
    if not match:
        return None
    try:
        return date.fromisoformat(match[1])
    except ValueError:
        return None


def read_star_file(path: str | Path) -> Iterator[StarCount | Rejected | str]:
    """Every star count in ``path`` (a CSV, or a tar archive of CSVs), and every rejected row.

    Yields the name of each CSV as it starts it (for a progress bar).
    """
    path = Path(path)
    # A year of daily lists names the same few thousand repositories over a million times:
    # each URL is normalised once per file.
    seen: dict[str, codelinks.CodeLink | codelinks.Refused] = {}
    if path.name.endswith((".tar", ".tar.xz", ".tar.gz", ".tgz", ".txz")):
        try:
            with tarfile.open(path, mode="r:*") as tar:
                for member in tar:
                    if not member.isfile() or not member.name.endswith(".csv"):
                        continue
                    handle = tar.extractfile(member)
                    if handle is None:
                        continue
                    name = member.name.rsplit("/", 1)[-1]
                    yield name
                    yield from read_star_csv(handle, name=name, seen=seen)
        except (tarfile.TarError, EOFError, OSError) as exc:
            yield Rejected(path.name, f"not a readable tar archive: {exc}")
        return
    with path.open("rb") as handle:
        yield path.name
        yield from read_star_csv(handle, name=path.name, seen=seen)


def read_star_csv(
    handle: IO[bytes],
    *,
    name: str,
    seen: dict[str, codelinks.CodeLink | codelinks.Refused] | None = None,
) -> Iterator[StarCount | Rejected]:
    """The star counts of one day's CSV, one per repository (the highest if listed twice).

    ``seen`` keeps each URL's normal form across the CSVs of one archive."""
    if seen is None:
        seen = {}
    day = day_of(name)
    if day is None:
        yield Rejected(name, "the file name does not say its day (github-ranking-YYYY-MM-DD.csv)")
        return
    taken_at = datetime(day.year, day.month, day.day, tzinfo=UTC)
    text = io.TextIOWrapper(handle, encoding="utf-8", errors="replace", newline="")
    # csv.reader with the columns' places, not csv.DictReader: a dict a row was half of the
    # parse's CPU on a year of daily files (1.2 M rows). The places are the header's last of
    # each name, as DictReader's dict would keep, and blank lines are skipped as it skips them.
    reader = csv.reader(text)
    try:
        header = next(reader, None) or []
    except csv.Error as exc:
        yield Rejected(name, f"not a CSV file: {exc}")
        return
    if REQUIRED_COLUMNS - set(header):
        missing = ", ".join(sorted(REQUIRED_COLUMNS - set(header)))
        yield Rejected(name, f"missing column(s): {missing}")
        return
    url_at = len(header) - 1 - header[::-1].index("repo_url")
    stars_at = len(header) - 1 - header[::-1].index("stars")
    best: dict[str, int] = {}
    line = 1
    try:
        for fields in reader:
            if not fields:
                continue
            line = reader.line_num
            outcome = _parse_row(
                fields[url_at] if url_at < len(fields) else None,
                fields[stars_at] if stars_at < len(fields) else None,
                seen,
            )
            if isinstance(outcome, str):
                yield Rejected(f"{name}:{line}", outcome)
            else:
                key, stars = outcome
                best[key] = max(stars, best.get(key, 0))
    except (csv.Error, UnicodeError) as exc:
        yield Rejected(f"{name}:{line + 1}", f"unreadable CSV: {exc}")
    for key, stars in best.items():
        yield StarCount(key, taken_at, stars)


def _parse_row(
    url: str | None,
    stars_text: str | None,
    seen: dict[str, codelinks.CodeLink | codelinks.Refused],
) -> tuple[str, int] | str:
    """(repository key, stars), or the reason the row cannot be used."""
    if not isinstance(url, str) or not url.strip():
        return "no repo_url"
    if not isinstance(stars_text, str) or len(stars_text) > MAX_FIELD:
        return "no star count"
    try:
        stars = int(stars_text.strip())
    except ValueError:
        return f"star count is not a whole number: {stars_text.strip()[:30]!r}"
    if not 0 <= stars <= MAX_STARS:
        return f"star count out of range: {stars}"
    url = url.strip()[:MAX_FIELD]
    outcome = seen.get(url)
    if outcome is None:
        outcome = codelinks.normalise_repo_url(url)
        # Bounded, so that a hostile file of distinct long URLs cannot fill the memory.
        if len(seen) < MAX_SEEN_URLS and len(url) <= codelinks.MAX_URL_LENGTH:
            seen[url] = outcome
    if isinstance(outcome, codelinks.Refused):
        return f"repo_url refused: {outcome.reason}"
    if outcome.host != "github.com":
        return f"not a GitHub repository: {outcome.key}"
    return outcome.key, stars
