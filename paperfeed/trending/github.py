"""A small GitHub REST client for star counts (httpx, no Django).

- A token is optional: without one GitHub allows 60 requests an hour, with one 5,000.
- Conditional requests: the ETag of the last answer goes in ``If-None-Match``; a 304 costs no
  rate budget when authenticated and means "unchanged".
- Rate limits: ``x-ratelimit-remaining``/``x-ratelimit-reset`` are read on every answer. When
  the budget is spent the client waits for the reset if that is within ``max_wait`` seconds,
  else raises :class:`RateLimited` so the caller stops and resumes next time. Secondary limits
  (403/429 with ``retry-after``, or without rate headers) back off exponentially.
- A 301 (renamed or transferred repository) is followed, and the new full name is reported.
- A 404 (deleted, or private to us) and 451 (blocked) are "gone": the caller keeps history.
- 5xx answers and network errors are retried a few times with backoff, then reported.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)

API_URL = "https://api.github.com"
STAR_MEDIA_TYPE = "application/vnd.github.star+json"
# GitHub serves at most 400 pages of stargazers (40,000 stars at 100 a page).
STARGAZER_PAGE_CAP = 400
MAX_REDIRECTS = 3


class GitHubError(Exception):
    """An answer we could not use (after retries); the message says why."""


class RateLimited(GitHubError):
    def __init__(self, message: str, reset_at: float | None = None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


@dataclass(slots=True)
class RepoAnswer:
    status: str  # "ok", "not_modified", "gone"
    full_name: str = ""  # owner/repo as GitHub now spells it (differs after a rename)
    stars: int | None = None
    etag: str = ""
    moved_from: str = ""  # the path we asked for, when a 301 was followed
    private: bool = False
    http_status: int = 0


@dataclass(slots=True)
class Budget:
    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None  # epoch seconds

    def update(self, headers: httpx.Headers) -> None:
        for name, attr in (
            ("x-ratelimit-limit", "limit"),
            ("x-ratelimit-remaining", "remaining"),
            ("x-ratelimit-reset", "reset_at"),
        ):
            value = headers.get(name)
            if value is not None:
                try:
                    setattr(self, attr, int(value))
                except ValueError:
                    logger.warning("GitHub sent a malformed %s header: %r", name, value[:40])


@dataclass
class GitHubClient:
    token: str = ""
    base_url: str = API_URL
    timeout: float = 20.0
    # Longest we will sleep for a rate-limit reset before giving up for this run.
    max_wait: float = 900.0
    retries: int = 3
    backoff: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    transport: httpx.BaseTransport | None = None
    budget: Budget = field(default_factory=Budget)
    requests_made: int = 0
    _http: httpx.Client | None = None

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            # Imported on the first request: every process loading the site's URLs imports
            # this module (the code-link form), few of them ever ask GitHub anything.
            import httpx

            headers = {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "paperfeed-stars (+https://github.com/paperfeed)",
            }
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
            self._http = httpx.Client(
                base_url=self.base_url,
                headers=headers,
                timeout=self.timeout,
                transport=self.transport,
                follow_redirects=False,
            )
        return self._http

    # --- the request loop -------------------------------------------------------------------

    def _request(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """GET with rate-limit waits, secondary-limit and 5xx backoff, and 301 following."""
        import httpx

        attempt = 0
        redirects = 0
        while True:
            self._wait_for_budget()
            try:
                response = self.http.get(path, headers=headers or {})
            except httpx.HTTPError as exc:
                attempt += 1
                if attempt > self.retries:
                    raise GitHubError(f"network error on {path}: {exc}") from exc
                self._pause(self.backoff**attempt, f"network error on {path}: {exc}")
                continue
            self.requests_made += 1
            self.budget.update(response.headers)
            status = response.status_code
            if status in (301, 302, 307, 308):
                location = response.headers.get("location", "")
                redirects += 1
                if not location or redirects > MAX_REDIRECTS:
                    raise GitHubError(f"{path}: redirect without a usable Location")
                target = httpx.URL(location)
                if target.host and target.host != httpx.URL(self.base_url).host:
                    raise GitHubError(f"{path}: refusing a redirect to {target.host}")
                path = target.raw_path.decode("ascii")
                headers = {k: v for k, v in (headers or {}).items() if k != "If-None-Match"}
                continue
            if status in (403, 429) and self._is_rate_limited(response):
                attempt += 1
                if attempt > self.retries + 2:
                    raise RateLimited(f"{path}: still rate limited after {attempt} tries")
                self._handle_limit(response, attempt)
                continue
            if status >= 500:
                attempt += 1
                if attempt > self.retries:
                    raise GitHubError(f"{path}: GitHub answered {status} {attempt} times")
                self._pause(self.backoff**attempt, f"{path}: GitHub answered {status}")
                continue
            return response

    def _is_rate_limited(self, response: httpx.Response) -> bool:
        if response.status_code == 429 or "retry-after" in response.headers:
            return True
        if response.headers.get("x-ratelimit-remaining") == "0":
            return True
        text = response.text[:500].lower()
        return "rate limit" in text or "abuse" in text

    def _handle_limit(self, response: httpx.Response, attempt: int) -> None:
        retry_after = response.headers.get("retry-after")
        if retry_after is not None:
            try:
                seconds = float(retry_after)
            except ValueError:
                seconds = 60.0
            self._pause(max(seconds, 1.0), "secondary rate limit (retry-after)")
            return
        if response.headers.get("x-ratelimit-remaining") == "0" and self.budget.reset_at:
            self._wait_until_reset("primary rate limit spent")
            return
        # A secondary limit without guidance: GitHub asks for at least a minute, growing.
        self._pause(60.0 * 2 ** (attempt - 1), "secondary rate limit (no retry-after)")

    def _wait_for_budget(self) -> None:
        if self.budget.remaining == 0 and self.budget.reset_at:
            self._wait_until_reset("rate budget spent")

    def _wait_until_reset(self, reason: str) -> None:
        reset_at = float(self.budget.reset_at or 0)
        wait = reset_at - self.clock() + 1.0
        if wait > self.max_wait:
            raise RateLimited(
                f"{reason}; resets at {datetime.fromtimestamp(reset_at, UTC):%H:%M:%S} UTC, "
                f"in {wait:.0f} s, longer than the {self.max_wait:.0f} s we wait",
                reset_at=reset_at,
            )
        if wait > 0:
            self._pause(wait, reason)
        self.budget.remaining = None

    def _pause(self, seconds: float, reason: str) -> None:
        logger.warning("GitHub: %s; waiting %.0f s", reason, seconds)
        self.sleep(seconds)

    # --- endpoints --------------------------------------------------------------------------

    def repository(self, owner: str, name: str, *, etag: str = "") -> RepoAnswer:
        """Current star count of owner/name; "not_modified" when ``etag`` still matches."""
        asked = f"/repos/{owner}/{name}"
        headers = {"If-None-Match": etag} if etag else {}
        response = self._request(asked, headers)
        status = response.status_code
        if status == 304:
            return RepoAnswer("not_modified", etag=etag, http_status=304)
        if status in (404, 410, 451):
            return RepoAnswer("gone", http_status=status)
        if status != 200:
            raise GitHubError(f"{asked}: unexpected answer {status}")
        data = _json_object(response, asked)
        stars = data.get("stargazers_count")
        full_name = data.get("full_name")
        if not isinstance(stars, int) or stars < 0 or not isinstance(full_name, str):
            raise GitHubError(f"{asked}: answer lacks stargazers_count or full_name")
        moved = response.request.url.path != asked
        return RepoAnswer(
            "ok",
            full_name=full_name,
            stars=stars,
            etag=response.headers.get("etag", ""),
            moved_from=f"{owner}/{name}" if moved else "",
            private=bool(data.get("private")),
            http_status=200,
        )

    def stargazer_page(
        self, owner: str, name: str, *, page: int, per_page: int = 100
    ) -> list[datetime]:
        """``starred_at`` of the stargazers on one page (oldest first across pages)."""
        if not 1 <= page <= STARGAZER_PAGE_CAP:
            return []
        path = f"/repos/{owner}/{name}/stargazers?per_page={per_page}&page={page}"
        response = self._request(path, {"Accept": STAR_MEDIA_TYPE})
        if response.status_code in (404, 410, 422, 451):
            return []  # gone, or past GitHub's pagination cap
        if response.status_code != 200:
            raise GitHubError(f"{path}: unexpected answer {response.status_code}")
        try:
            items = response.json()
        except ValueError as exc:
            raise GitHubError(f"{path}: the answer is not JSON") from exc
        if not isinstance(items, list):
            raise GitHubError(f"{path}: expected a list of stargazers")
        times = []
        for item in items:
            when = item.get("starred_at") if isinstance(item, dict) else None
            if not isinstance(when, str):
                continue
            try:
                parsed = datetime.fromisoformat(when.replace("Z", "+00:00"))
            except ValueError:
                logger.warning("%s: bad starred_at %r skipped", path, when[:40])
                continue
            times.append(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))
        return times


def _json_object(response: httpx.Response, where: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as exc:
        raise GitHubError(f"{where}: the answer is not JSON") from exc
    if not isinstance(data, dict):
        raise GitHubError(f"{where}: expected a JSON object")
    return data
