"""Thin HTTP fetchers for arXiv (API and OAI-PMH) and Hugging Face daily papers.

They only fetch and hand bytes to the pure parsers in :mod:`paperfeed.ingest.parsers`; storing
is the ingest service's job. No Django imports: the caller passes settings (contact address,
base URLs) in. Typical use::

    with PoliteClient(contact=settings.PAPERFEED_CONTACT, min_interval=ARXIV_MIN_INTERVAL) as c:
        for page in ArxivApiFetcher(c).iter_pages(
            categories=["cs.AI", "cs.CL"], submitted_from=day, submitted_until=day
        ):
            store(page.records)
"""

from .arxiv_api import ARXIV_API_URL, MAX_PAGE_SIZE, ArxivApiFetcher, build_search_query
from .client import (
    ARXIV_MIN_INTERVAL,
    Fetched,
    FetchError,
    PoliteClient,
    SourceError,
    user_agent,
)
from .hf_daily import HF_BASE_URL, HF_MIN_INTERVAL, HfDailyFetcher
from .oai import ARXIV_OAI_URL, OaiFetcher

__all__ = [
    "ARXIV_API_URL",
    "ARXIV_MIN_INTERVAL",
    "ARXIV_OAI_URL",
    "HF_BASE_URL",
    "HF_MIN_INTERVAL",
    "MAX_PAGE_SIZE",
    "ArxivApiFetcher",
    "FetchError",
    "Fetched",
    "HfDailyFetcher",
    "OaiFetcher",
    "PoliteClient",
    "SourceError",
    "build_search_query",
    "user_agent",
]
