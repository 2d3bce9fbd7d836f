"""A polite HTTP client: one connection, a clear User-Agent, spacing, bounded retries.

arXiv's terms allow at most one request every three seconds on a single connection; other
sources get the same courtesy with a shorter interval. The clock, ``sleep`` and randomness are
injectable so tests run instantly and can check the spacing. No Django imports.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from importlib import metadata
from typing import Self

import httpx

import paperfeed

logger = logging.getLogger(__name__)

# arXiv: "no more than one request every three seconds" (API and OAI-PMH alike).
ARXIV_MIN_INTERVAL = 3.0
DEFAULT_TIMEOUT = httpx.Timeout(30.0, read=120.0)
# A 2,000-entry arXiv API page is roughly 5-10 MB; anything far beyond is not a page we want.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
PROJECT_URL = "https://github.com/paperfeed"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TAG = re.compile(rb"<[^>]*>")
_XML_MESSAGE = re.compile(
    rb"<(?:\w+:)?(?:summary|error)\b[^>]*>(?P<text>[^<]{1,500})</", re.IGNORECASE
)
_WHITESPACE = re.compile(r"\s+")


class FetchError(Exception):
    """A request could not be completed: the message says which URL and why.

    ``status`` is the last HTTP status seen (None for connection errors and timeouts).
    """

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


class SourceError(FetchError):
    """The source answered, but with an error of its own rather than data.

    For example the arXiv API's HTTP-200 ``Error`` entry, an OAI-PMH ``<error code=...>`` or a
    body that does not parse. ``code`` is the OAI-PMH error code when there is one (e.g.
    ``badResumptionToken``: the token has expired and the harvest must restart from dates).
    """

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        code: str | None = None,
    ):
        super().__init__(message, url=url, status=status)
        self.code = code


@dataclass(frozen=True, slots=True)
class Fetched:
    """A successful (2xx) response, read in full."""

    url: str
    status_code: int
    headers: httpx.Headers
    content: bytes


def package_version() -> str:
    try:
        return metadata.version("paperfeed")
    except metadata.PackageNotFoundError:
        return str(getattr(paperfeed, "__version__", "dev"))


def user_agent(contact: str = "", *, version: str | None = None) -> str:
    """``paperfeed/<version> (+https://github.com/paperfeed; mailto:<contact>)``."""
    contact = contact.strip()
    if contact.lower().startswith("mailto:"):
        contact = contact[7:].strip()
    if _CONTROL.search(contact) or any(c in contact for c in "();"):
        raise ValueError("the contact address must be a plain e-mail address")
    parts = [f"+{PROJECT_URL}"]
    if contact:
        parts.append(f"mailto:{contact}")
    return f"paperfeed/{version or package_version()} ({'; '.join(parts)})"


def host_is_arxiv(url: str) -> bool:
    """Whether ``url`` is on arXiv's servers (and so under its one-request-per-3-s rule)."""
    host = httpx.URL(url).host.lower()
    return host == "arxiv.org" or host.endswith(".arxiv.org")


def is_rate_exceeded(content: bytes) -> bool:
    """arXiv's plain-text throttling body (seen with HTTP 200 as well as 503)."""
    return content[:64].strip().lower().startswith(b"rate exceeded")


def body_excerpt(content: bytes, limit: int = 200) -> str:
    """A short, readable summary of an error body for messages and logs."""
    match = _XML_MESSAGE.search(content[:20_000])
    raw = match["text"] if match else _TAG.sub(b" ", content[:4_000])
    text = _WHITESPACE.sub(" ", _CONTROL.sub(" ", raw.decode("utf-8", "replace"))).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying."""

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        rate_exceeded: bool = False,
    ):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.rate_exceeded = rate_exceeded


class PoliteClient:
    """One ``httpx.Client`` with one connection, spaced and retried politely.

    - At least ``min_interval`` seconds between the starts of two requests (retries included).
    - Retries, with exponential backoff capped at ``max_delay``: HTTP 5xx and 429, timeouts,
      connection errors, and arXiv's ``Rate exceeded.`` body (with a 200 or a 503).
      ``max_retries`` bounds these.
    - A ``Retry-After`` header (429/503; OAI-PMH uses it as normal flow control) is honoured
      exactly; such waits have their own, larger budget ``max_throttle_waits``. A server asking
      for more than ``max_retry_after`` seconds makes the request fail rather than hang.
    - Other 4xx statuses fail at once. Every failure is a :class:`FetchError` that names the URL.
    """

    def __init__(
        self,
        *,
        contact: str = "",
        min_interval: float = ARXIV_MIN_INTERVAL,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 4,
        max_throttle_waits: int = 20,
        base_delay: float = 2.0,
        max_delay: float = 120.0,
        rate_exceeded_delay: float = 10.0,
        max_retry_after: float = 600.0,
        jitter: float = 0.1,
        max_bytes: int = DEFAULT_MAX_BYTES,
        version: str | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_time: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        if min_interval < 0 or max_retries < 0 or max_throttle_waits < 0:
            raise ValueError("intervals and retry counts cannot be negative")
        if not 0 <= jitter <= 1:
            raise ValueError("jitter is a fraction between 0 and 1")
        self.min_interval = float(min_interval)
        self.max_retries = max_retries
        self.max_throttle_waits = max_throttle_waits
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.rate_exceeded_delay = rate_exceeded_delay
        self.max_retry_after = max_retry_after
        self.jitter = jitter
        self.max_bytes = max_bytes
        self.user_agent = user_agent(contact, version=version)
        self._clock = clock
        self._sleep = sleep
        self._wall_time = wall_time
        self._rng = rng or random.Random()
        self._last_start: float | None = None
        self._http = httpx.Client(
            headers={"User-Agent": self.user_agent},
            timeout=timeout,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            follow_redirects=True,
            max_redirects=5,
            transport=transport,
        )

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- requests --------------------------------------------------------------------------

    def get(self, url: str, params: Mapping[str, str | int] | None = None) -> Fetched:
        """GET ``url`` politely; return the 2xx response read in full, or raise FetchError."""
        retries = throttles = 0
        not_before = 0.0
        shown = str(httpx.URL(url, params=params))
        while True:
            self._wait(not_before)
            try:
                return self._attempt(url, params)
            except _Retry as failure:
                now = self._clock()
                if failure.retry_after is not None:
                    throttles += 1
                    if throttles > self.max_throttle_waits:
                        raise self._give_up(shown, failure, retries + throttles) from None
                    if failure.retry_after > self.max_retry_after:
                        raise FetchError(
                            f"GET {shown}: the server asked us to wait "
                            f"{failure.retry_after:.0f} s (Retry-After), longer than the "
                            f"{self.max_retry_after:.0f} s we allow; try again later",
                            url=shown,
                            status=failure.status,
                        ) from None
                    delay = failure.retry_after
                else:
                    retries += 1
                    if retries > self.max_retries:
                        raise self._give_up(shown, failure, retries + throttles) from None
                    delay = self._backoff(retries)
                    if failure.rate_exceeded:
                        delay = max(delay, self.rate_exceeded_delay)
                # INFO, not WARNING: retries are routine; the caller reports a final failure once.
                logger.info("GET %s: %s; retrying in %.1f s", shown, failure.reason, delay)
                not_before = now + delay

    def _attempt(self, url: str, params: Mapping[str, str | int] | None) -> Fetched:
        try:
            with self._http.stream("GET", url, params=params) as response:
                content = self._read(response)
        except httpx.TimeoutException as exc:
            raise _Retry(f"timed out ({type(exc).__name__})") from exc
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise _Retry(f"connection failed ({type(exc).__name__}: {exc})") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"GET {url}: {type(exc).__name__}: {exc}", url=url) from exc

        status = response.status_code
        shown = str(response.url)
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now=self._wall_time())
        if is_rate_exceeded(content):
            raise _Retry(
                f"Rate exceeded. (HTTP {status})",
                status=status,
                retry_after=retry_after,
                rate_exceeded=True,
            )
        if status == 429 or status >= 500:
            reason = f"HTTP {status}"
            excerpt = body_excerpt(content)
            if excerpt:
                reason += f": {excerpt}"
            raise _Retry(reason, status=status, retry_after=retry_after)
        if not 200 <= status < 300:
            excerpt = body_excerpt(content)
            raise FetchError(
                f"GET {shown} failed with HTTP {status} {response.reason_phrase}"
                + (f": {excerpt}" if excerpt else ""),
                url=shown,
                status=status,
            )
        return Fetched(url=shown, status_code=status, headers=response.headers, content=content)

    def _read(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large(response)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise self._too_large(response)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, response: httpx.Response) -> FetchError:
        return FetchError(
            f"GET {response.url}: the response is larger than {self.max_bytes} bytes",
            url=str(response.url),
            status=response.status_code,
        )

    def _wait(self, not_before: float) -> None:
        """Sleep until both the interval since the last request and ``not_before`` passed."""
        target = not_before
        if self._last_start is not None:
            target = max(target, self._last_start + self.min_interval)
        delay = target - self._clock()
        if delay > 0:
            self._sleep(delay)
        self._last_start = self._clock()

    def _backoff(self, attempt: int) -> float:
        delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        if self.jitter:
            delay *= 1 + self._rng.uniform(-self.jitter, self.jitter)
        return delay

    @staticmethod
    def _give_up(url: str, failure: _Retry, attempts: int) -> FetchError:
        return FetchError(
            f"GET {url} failed after {attempts} attempts; last error: {failure.reason}",
            url=url,
            status=failure.status,
        )
