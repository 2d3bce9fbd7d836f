"""Harvest arXiv's OAI-PMH interface (``oaipmh.arxiv.org/oai``) page by page.

Each page is yielded with the resumption token for the *next* page, so the caller can store
the page, checkpoint the token, and resume later by passing it back. Tokens expire daily: an
expired one raises :class:`SourceError` with ``code == "badResumptionToken"``, and the harvest
must restart from its dates. HTTP 503 with Retry-After is OAI-PMH flow control and is waited
out by :class:`PoliteClient`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Literal

from paperfeed.ingest.parsers.oai_pmh import OaiError, OaiPage, parse_oai

from .client import ARXIV_MIN_INTERVAL, FetchError, PoliteClient, SourceError, host_is_arxiv

ARXIV_OAI_URL = "https://oaipmh.arxiv.org/oai"
METADATA_PREFIXES = ("arXivRaw", "arXiv")


class OaiFetcher:
    def __init__(self, client: PoliteClient, *, base_url: str = ARXIV_OAI_URL) -> None:
        if host_is_arxiv(base_url) and client.min_interval < ARXIV_MIN_INTERVAL:
            raise ValueError(
                f"arXiv allows one request every {ARXIV_MIN_INTERVAL:g} s; this client's "
                f"min_interval is {client.min_interval:g} s"
            )
        self.client = client
        self.base_url = base_url

    def iter_pages(
        self,
        *,
        metadata_prefix: Literal["arXivRaw", "arXiv"] = "arXivRaw",
        set_spec: str | None = None,
        date_from: date | None = None,
        date_until: date | None = None,
        resumption_token: str | None = None,
    ) -> Iterator[OaiPage]:
        """``ListRecords`` pages until the list is complete.

        With ``resumption_token`` the harvest resumes there and the other arguments are not
        sent (OAI-PMH forbids them alongside a token). ``set_spec`` looks like ``cs:cs:AI``;
        dates are datestamps (last modification), inclusive.
        """
        if resumption_token is not None:
            if not resumption_token.strip():
                raise ValueError("resumption_token is empty")
            params: dict[str, str | int] = {
                "verb": "ListRecords",
                "resumptionToken": resumption_token,
            }
        else:
            if metadata_prefix not in METADATA_PREFIXES:
                raise ValueError(
                    f"metadata_prefix must be one of {', '.join(METADATA_PREFIXES)}, "
                    f"not {metadata_prefix!r}"
                )
            if date_from and date_until and date_from > date_until:
                raise ValueError(f"date_from {date_from} is after date_until {date_until}")
            params = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
            if set_spec:
                params["set"] = set_spec
            if date_from:
                params["from"] = date_from.isoformat()
            if date_until:
                params["until"] = date_until.isoformat()

        seen: set[str] = set()
        while True:
            page = self._fetch(params)
            yield page
            token = page.resumption_token
            if not token:
                return
            if token in seen:
                raise FetchError(
                    f"OAI-PMH at {self.base_url} returned resumption token {token!r} twice; "
                    "stopping instead of looping",
                    url=self.base_url,
                )
            seen.add(token)
            params = {"verb": "ListRecords", "resumptionToken": token}

    def _fetch(self, params: dict[str, str | int]) -> OaiPage:
        fetched = self.client.get(self.base_url, params=params)
        try:
            return parse_oai(fetched.content, location=fetched.url)
        except OaiError as exc:
            raise SourceError(
                f"OAI-PMH error {exc} (GET {fetched.url})",
                url=fetched.url,
                status=fetched.status_code,
                code=exc.code,
            ) from exc
