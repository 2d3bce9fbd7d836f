"""Fetch one day of Hugging Face daily papers (``GET {base}/api/daily_papers?date=...``).

The HF API is not under arXiv's three-second rule; a client with a 1 s interval is polite
enough (see :data:`HF_MIN_INTERVAL`).
"""

from __future__ import annotations

from datetime import date

from paperfeed.ingest.parsers.hf_daily import parse_daily_papers
from paperfeed.papers.records import PaperRecord, Rejected

from .client import PoliteClient

HF_BASE_URL = "https://huggingface.co"
HF_MIN_INTERVAL = 1.0


class HfDailyFetcher:
    def __init__(self, client: PoliteClient, *, base_url: str = HF_BASE_URL) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")

    def url_for(self, day: date) -> str:
        return f"{self.base_url}/api/daily_papers?date={day.isoformat()}"

    def fetch_day(self, day: date) -> bytes:
        """The raw JSON array for ``day`` (an empty array on days without papers)."""
        return self.client.get(
            f"{self.base_url}/api/daily_papers", params={"date": day.isoformat()}
        ).content

    def records_for_day(self, day: date) -> list[PaperRecord | Rejected]:
        """The day's papers, parsed; rejected items say where they came from."""
        return list(parse_daily_papers(self.fetch_day(day), location=self.url_for(day)))
