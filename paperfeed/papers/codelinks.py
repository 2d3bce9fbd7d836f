"""Finding code repository links in free text, and normalising them. Pure: no Django.

Here in papers, under the link finder (trending), because the catalogue stores each paper's
repository key beside its code link (``Paper.code_repo``), and papers writes every column.

A link is kept only when its host is exactly one of the code hosts we know (GitHub, GitLab,
Codeberg, Hugging Face Spaces); look-alike hosts (``github.com.evil.io``, ``githu8.com``,
``xn--github-...``), other schemes (``javascript:``, ``data:``) and absurdly long URLs are
refused with a reason, so a caller can log why a link was skipped.

The normal form of a repository is ``host/owner/repo`` in lower case (GitHub, GitLab and
Codeberg names are case-insensitive), e.g. ``github.com/openai/whisper``; HF Spaces keep the
``spaces`` segment: ``huggingface.co/spaces/owner/name``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

# Longer than any real repository URL (GitHub caps owner at 39 and repo at 100 characters);
# anything beyond this is junk or an attack on the regexes downstream.
MAX_URL_LENGTH = 300
MAX_TEXT_LENGTH = 200_000

HOSTS = {
    "github.com": "github.com",
    "www.github.com": "github.com",
    "gitlab.com": "gitlab.com",
    "www.gitlab.com": "gitlab.com",
    "codeberg.org": "codeberg.org",
    "www.codeberg.org": "codeberg.org",
    "huggingface.co": "huggingface.co",
    "www.huggingface.co": "huggingface.co",
    "hf.co": "huggingface.co",
}

# GitHub's own rules: owner 1-39 of [A-Za-z0-9-]; repository names of [A-Za-z0-9._-].
_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})", re.ASCII)
_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}", re.ASCII)
# First path segments on github.com that are site pages, not owners.
_RESERVED_OWNERS = {
    "about", "apps", "blog", "collections", "contact", "enterprise", "explore", "features",
    "issues", "login", "marketplace", "notifications", "orgs", "pricing", "pulls", "search",
    "settings", "site", "sponsors", "topics", "trending", "users", "join", "security",
}  # fmt: skip

# A URL candidate in running text: scheme optional, stops at whitespace and at characters that
# never appear unescaped in a repository URL.
_CANDIDATE = re.compile(
    r"(?:(?:https?|git|ssh|javascript|data|vbscript|file)://?|(?<![\w.@/-])(?:www\.)?)"
    r"(?:[\w.-]+\.[a-z]{2,}|hf\.co)/[^\s<>\"'`{}|\\^\[\]]*",
    re.IGNORECASE | re.ASCII,
)
_TRAILING = ".,;:!?)]}>'\"*_"
# Anything but visible ASCII: spaces, control characters, and every non-ASCII character.
_NOT_VISIBLE_ASCII = re.compile(r"[^\x21-\x7e]")
# A URL split over two lines: "https://github.com/owner/\nrepo" or ".../some-\nname".
_SPLIT = re.compile(
    r"((?:github\.com|gitlab\.com|codeberg\.org|huggingface\.co)/[\w./-]*[/-])\s*\n\s*"
)


@dataclass(frozen=True, slots=True)
class CodeLink:
    key: str  # host/owner/repo, lower case
    url: str  # https://host/owner/repo as it was written (case kept for display)

    @property
    def host(self) -> str:
        return self.key.split("/", 1)[0]


@dataclass(frozen=True, slots=True)
class Refused:
    text: str
    reason: str


def repair_line_breaks(text: str) -> str:
    """Join repository URLs that a line break split after a "/" or a "-"."""
    return _SPLIT.sub(r"\1", text)


def normalise_repo_url(url: str) -> CodeLink | Refused:
    """The repository a URL points to, or the reason it is not one we accept."""
    raw = (url or "").strip()
    if not raw:
        return Refused("", "empty")
    if len(raw) > MAX_URL_LENGTH:
        return Refused(raw[:80], f"longer than {MAX_URL_LENGTH} characters")
    if _NOT_VISIBLE_ASCII.search(raw):
        # Non-ASCII hosts are how homoglyph look-alikes (github.com with a Cyrillic "i") get in.
        return Refused(raw[:80], "contains spaces, control or non-ASCII characters")
    text = raw.rstrip(_TRAILING)
    lowered = text.lower()
    if lowered.startswith(("git@", "ssh://git@")):
        text = "https://" + re.sub(r"^(?:ssh://)?git@([^:/]+)[:/]", r"\1/", text, flags=re.I)
    elif lowered.startswith("git://"):
        text = "https://" + text[6:]
    elif "://" not in text:
        if re.match(r"^[a-z][a-z0-9+.-]*:", lowered) and not lowered.startswith("www."):
            return Refused(raw[:80], f"scheme {lowered.split(':', 1)[0]!r} is not http(s)")
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port  # raises for a port that is not a number ("https://:<")
    except ValueError:
        return Refused(raw[:80], "not a URL")
    if parts.scheme.lower() not in {"http", "https"}:
        return Refused(raw[:80], f"scheme {parts.scheme.lower()!r} is not http(s)")
    if parts.username or parts.password or port not in (None, 80, 443):
        return Refused(raw[:80], "user info or an unusual port in the URL")
    host = (parts.hostname or "").lower().rstrip(".")
    canonical_host = HOSTS.get(host)
    if canonical_host is None:
        return Refused(raw[:80], f"host {host!r} is not a known code host")
    segments = [s for s in parts.path.split("/") if s]
    if canonical_host == "huggingface.co":
        if len(segments) < 3 or segments[0].lower() != "spaces":
            return Refused(raw[:80], "a Hugging Face link that is not a Space")
        owner, name = segments[1], segments[2]
        prefix = "huggingface.co/spaces"
    else:
        if len(segments) < 2:
            return Refused(raw[:80], "no owner/repository in the path")
        owner, name = segments[0], segments[1]
        prefix = canonical_host
        if canonical_host == "github.com" and owner.lower() in _RESERVED_OWNERS:
            return Refused(raw[:80], f"github.com/{owner} is a site page, not an owner")
    if name.lower().endswith(".git"):
        name = name[:-4]
    name = name.rstrip(_TRAILING)
    if not _OWNER.fullmatch(owner) and not (
        canonical_host != "github.com" and _NAME.fullmatch(owner)
    ):
        return Refused(raw[:80], f"{owner!r} is not a valid owner name")
    if not _NAME.fullmatch(name) or name in {".", ".."}:
        return Refused(raw[:80], f"{name!r} is not a valid repository name")
    key = f"{prefix}/{owner}/{name}".lower()
    return CodeLink(key=key, url=f"https://{prefix}/{owner}/{name}")


def repo_key(url: str | None) -> str | None:
    """The normal key of the repository ``url`` points to (``Paper.code_repo``); None when
    it points to none we accept."""
    outcome = normalise_repo_url(url or "")
    return outcome.key if isinstance(outcome, CodeLink) else None


def extract_code_links(text: str) -> tuple[list[CodeLink], list[Refused]]:
    """Every distinct repository linked in ``text``, in order of appearance, and the refusals.

    Only candidates that mention a code host (or use a dangerous scheme) are reported as refused,
    so ordinary links to project pages and DOIs do not fill the log.
    """
    if not text:
        return [], []
    text = repair_line_breaks(text[:MAX_TEXT_LENGTH])
    found: dict[str, CodeLink] = {}
    refused: list[Refused] = []
    for match in _CANDIDATE.finditer(text):
        candidate = match.group(0)
        outcome = normalise_repo_url(candidate)
        if isinstance(outcome, CodeLink):
            found.setdefault(outcome.key, outcome)
        elif _looks_relevant(candidate):
            refused.append(outcome)
    return list(found.values()), refused


def _looks_relevant(candidate: str) -> bool:
    lowered = candidate.lower()
    if lowered.startswith(("javascript:", "data:", "vbscript:", "file:")):
        return True
    return any(name in lowered for name in ("github", "gitlab", "codeberg", "huggingface"))
