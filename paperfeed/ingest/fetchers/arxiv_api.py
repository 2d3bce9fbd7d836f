"""Fetch pages from the arXiv API (``export.arxiv.org/api/query``).

Used for date-window harvests by category and for looking up specific ids (a user submits a
paper that is not in the catalogue yet). Parsing is done by :mod:`..parsers.arxiv_api`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date

from paperfeed.ingest.parsers.arxiv_api import ApiPage, ArxivApiError, parse_feed
from paperfeed.papers.categories import parse_category
from paperfeed.papers.ids import parse_arxiv_id

from .client import ARXIV_MIN_INTERVAL, PoliteClient, SourceError, host_is_arxiv

logger = logging.getLogger(__name__)

ARXIV_API_URL = "https://export.arxiv.org/api/query"
# The API refuses more than 2,000 results per call ...
MAX_PAGE_SIZE = 2000
# ... and does not page past 30,000 results for one query: split the date window instead.
MAX_RESULTS_PER_QUERY = 30_000


def build_search_query(categories: list[str], submitted_from: date, submitted_until: date) -> str:
    """``(cat:cs.AI OR cat:cs.CL) AND submittedDate:[YYYYMMDD0000 TO YYYYMMDD2359]``."""
    if isinstance(categories, str):
        raise TypeError("categories is a list of category names, not a string")
    if not categories:
        raise ValueError("at least one category is needed")
    # InvalidCategory is a ValueError: a name that could change the query is refused.
    names = [parse_category(category) for category in categories]
    if submitted_from > submitted_until:
        raise ValueError(
            f"submitted_from {submitted_from} is after submitted_until {submitted_until}"
        )
    cats = " OR ".join(f"cat:{category}" for category in dict.fromkeys(names))
    return (
        f"({cats}) AND submittedDate:[{submitted_from:%Y%m%d}0000 TO {submitted_until:%Y%m%d}2359]"
    )


class ArxivApiFetcher:
    def __init__(
        self, client: PoliteClient, *, base_url: str = ARXIV_API_URL, empty_page_retries: int = 2
    ) -> None:
        if host_is_arxiv(base_url) and client.min_interval < ARXIV_MIN_INTERVAL:
            raise ValueError(
                f"arXiv allows one request every {ARXIV_MIN_INTERVAL:g} s; this client's "
                f"min_interval is {client.min_interval:g} s"
            )
        self.client = client
        self.base_url = base_url
        self.empty_page_retries = empty_page_retries

    def iter_pages(
        self,
        *,
        categories: list[str],
        submitted_from: date,
        submitted_until: date,
        page_size: int = MAX_PAGE_SIZE,
        start: int = 0,
    ) -> Iterator[ApiPage]:
        """Pages of papers submitted in the window, oldest first.

        Stops when ``start`` reaches ``total_results`` or a page comes back empty. The API is
        known to return a spurious empty page now and then; an empty page before the end is
        asked for again ``empty_page_retries`` times before giving up on the rest (logged).
        """
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        if start < 0:
            raise ValueError("start cannot be negative")
        page_size = min(page_size, MAX_PAGE_SIZE)
        query = build_search_query(categories, submitted_from, submitted_until)
        warned = False
        while True:
            params: dict[str, str | int] = {
                "search_query": query,
                "sortBy": "submittedDate",
                "sortOrder": "ascending",
                "start": start,
                "max_results": page_size,
            }
            page = self._fetch(params)
            retries = 0
            while not page.records and start < page.total_results:
                if retries >= self.empty_page_retries:
                    logger.warning(
                        "arXiv API: empty page at start=%d of %d for %s; stopping early",
                        start,
                        page.total_results,
                        query,
                    )
                    break
                retries += 1
                page = self._fetch(params)
            if not warned and page.total_results > MAX_RESULTS_PER_QUERY:
                warned = True
                logger.warning(
                    "arXiv API: %d results for %s; the API pages through at most %d, "
                    "so split the date window",
                    page.total_results,
                    query,
                    MAX_RESULTS_PER_QUERY,
                )
            yield page
            if not page.records:
                return
            start += len(page.records)
            if start >= page.total_results:
                return

    def fetch_ids(self, ids: list[str]) -> ApiPage:
        """Look up specific papers (versioned or not) with ``id_list``.

        Ids that arXiv does not know are simply missing from the page. Raises ValueError for
        text that is not an arXiv id, before any request is made.
        """
        if isinstance(ids, str):
            raise TypeError("ids is a list of arXiv ids, not a string")
        wanted = list(dict.fromkeys(parse_arxiv_id(value).versioned for value in ids))
        if not wanted:
            raise ValueError("at least one arXiv id is needed")
        if len(wanted) > MAX_PAGE_SIZE:
            raise ValueError(f"at most {MAX_PAGE_SIZE} ids per request")
        # Without max_results the API returns only the first 10 of an id_list.
        return self._fetch({"id_list": ",".join(wanted), "max_results": len(wanted)})

    def _fetch(self, params: dict[str, str | int]) -> ApiPage:
        fetched = self.client.get(self.base_url, params=params)
        try:
            return parse_feed(fetched.content, location=fetched.url)
        except ArxivApiError as exc:
            raise SourceError(
                f"{exc} (GET {fetched.url})",
                url=fetched.url,
                status=fetched.status_code,
            ) from exc
