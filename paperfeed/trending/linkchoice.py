"""Which of the links around a paper is its own code, and which is its project page. Pure.

The one rule for automatic code links, used at import and by the daily scan:

1. the repository the source names as the paper's code (HF ``githubRepo``, the repository
   link of an HF paper page);
2. else one the authors name in their own text (abstract, arXiv comments, the HF submitter's
   comment): one whose name matches the paper's title first, then the abstract's first GitHub
   repository, then any other in the abstract, then the comments' in the same order;
3. else nothing.

A link into a repository (a pull request, issue, commit, discussion, file or folder) only
counts as that repository when the repository is plausibly the paper's own: its name, or the
folder linked, matches the paper's title or acronym, or the source names the same repository.
A pull request into someone else's project (``sgl-project/sglang/pull/19782`` on the Helios
page) never becomes the paper's code link. ``github.com/owner`` alone is not a repository.

Project pages: the source's project page; else a ``*.github.io`` address, or an address the
text calls a "project page", "project website" or "homepage", that is not a code host, arXiv,
a DOI or a Hugging Face paper page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from urllib.parse import urlsplit

from paperfeed.papers.codelinks import (
    HOSTS,
    MAX_TEXT_LENGTH,
    MAX_URL_LENGTH,
    CodeLink,
    Refused,
    normalise_repo_url,
    repair_line_breaks,
)


class Origin(StrEnum):
    SOURCE = "source"  # the source's own field for the paper's code
    ABSTRACT = "abstract"
    COMMENTS = "comments"  # arXiv comments, the HF submitter's comment


@dataclass(frozen=True, slots=True)
class Mention:
    """One link to a repository, where it was found, and what in the repository it points to."""

    link: CodeLink
    origin: Origin
    # "" for the repository itself; else the path inside it ("pull/19782", "tree/main/sub").
    inside: str = ""
    # The text just before it announces the authors' code ("Code is available at").
    announced: bool = False


@dataclass(frozen=True, slots=True)
class LinkChoice:
    code: CodeLink | None
    project_page: str
    refused: tuple[Refused, ...] = ()


# Words around a paper's name that say nothing about which paper it is.
_GENERIC_NAME_PARTS = re.compile(
    r"^(?:awesome|official|code|codes|pytorch|torch|jax|tf|repo|release|impl|implementation|"
    r"project|page|src|the)[-_.]+|[-_.]+(?:official|code|codes|pytorch|torch|jax|tf|repo|"
    r"release|impl|implementation|project|page|src|main)$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9]+(?:[-_.'][A-Za-z0-9]+)*")
# A coined name: capitals inside the word, a digit, or an all-capital acronym (SAMTok, R1, DRPG).
_COINED = re.compile(r"^(?=.*[A-Za-z])(?:.+[A-Z].*|.*[0-9].*|[A-Z]{3,})$")
# Coined words so common in titles that a repository named after them is anyone's.
_COMMON_TERMS = frozenset({
    "llm", "llms", "mllm", "mllms", "vlm", "vlms", "lvlm", "lvlms", "lmm", "lmms", "vla", "vlas",
    "ai", "agi", "gpt", "rl", "rlhf", "rlvr", "rag", "cot", "lora", "vit", "vits", "gui", "nlp",
    "3d", "2d", "4d", "moe", "sft", "dpo", "ppo", "grpo", "qa", "vqa", "asr", "tts", "ocr",
    "sota", "api", "gpu", "gpus", "cpu", "llama", "bert", "clip", "sam", "nerf", "gan", "gans",
    "vae", "vaes", "dit", "dits", "sde", "ode", "kv", "ssm", "ssms", "gnn", "gnns", "cnn", "cnns",
    "rnn", "rnns", "mlp", "mlps", "lstm", "json", "sql", "html", "url", "urls", "pdf", "usd",
    "ml", "dl", "io", "ui",
})  # fmt: skip

_URL_START = r"(?:(?:https?|javascript|data|vbscript|file)://?|(?<![\w.@/-])(?:www\.)?)"
_URL_HOST = r"[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?::[0-9]+)?"
_URL_PATH = r"/[^\s<>\"'`{}|\\^\[\]]*"
_URL = re.compile(f"{_URL_START}{_URL_HOST}(?:{_URL_PATH})?", re.IGNORECASE | re.ASCII)
# The same, for repository links: a path is required, so "physics.https://github.com/o/r" (no
# space after a full stop) still finds the repository.
_REPO_URL = re.compile(f"{_URL_START}{_URL_HOST}{_URL_PATH}", re.IGNORECASE | re.ASCII)
_TRAILING = ".,;:!?)]}>'\"*_"
# "Project page: URL", "our project website is available at URL", "Homepage (URL)".
_PAGE_WORDS = re.compile(
    r"(?:(?:project|demo)\s*(?:page|website|site|homepage)|home\s*page|website|webpage)"
    r"[\s:(\[-]*(?:(?:is|are|at|available|here|can|be|found|see|in|on|via)[\s:(\[-]+)*$",
    re.IGNORECASE,
)
# Words with which authors announce their own code just before its address.
_ANNOUNCED = re.compile(
    r"\b(?:code|codes|implementation|source|sources|repository|repo|github|available|released?|"
    r"open[- ]?sourced?|appendix|supplementary|materials?|data|datasets?|benchmark|project|"
    r"link|url)\b[^.;]{0,40}$",
    re.IGNORECASE,
)
# Links into a repository that are never the authors' own work however they are announced: a
# pull request, issue, commit or discussion is a contribution to someone's project. A folder,
# file or release announced as the authors' code (or named by the source) is in their repository.
_NEVER_OWN = {"pull", "pulls", "issues", "issue", "commit", "commits", "discussions", "compare"}
# Hosts that are never a paper's project page even when the text calls them one.
_NOT_PAGES = ("arxiv.org", "doi.org", "dx.doi.org", "huggingface.co", "hf.co", "openreview.net")


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())


def _core(name: str) -> str:
    """A repository or folder name without generic affixes ("awesome-", "-pytorch")."""
    previous = None
    while previous != name:
        previous, name = name, _GENERIC_NAME_PARTS.sub("", name)
    return _alnum(name)


def name_matches_title(name: str, title: str) -> bool:
    """Whether a repository (or folder) name is plausibly the paper's: it spells the title's
    lead name ("Helios: ..."), a coined word of the title (VersatileFFN, DRPG), or the title."""
    core = _core(name)
    if len(core) < 3 or core in _COMMON_TERMS or not title:
        return False
    lead, colon, _ = title.partition(":")
    lead_key = _alnum(lead)
    if colon and len(lead.split()) <= 4 and len(lead_key) >= 3 and lead_key not in _COMMON_TERMS:
        if core == lead_key or core.startswith(lead_key):
            return True
        if lead_key.startswith(core) and len(core) >= max(4, 0.6 * len(lead_key)):
            return True
        # The family name of a hyphenated model name: "Ming-Lite-Uni" -> inclusionAI/Ming.
        first = _alnum(re.split(r"[-\s]", lead.strip(), maxsplit=1)[0])
        if len(first) >= 4 and core == first and first not in _COMMON_TERMS:
            return True
    for word in _WORD.findall(title):
        key = _alnum(word)
        if len(key) < 3 or key in _COMMON_TERMS or not _COINED.match(word):
            continue
        if len(key) >= 5 and key.endswith("s"):
            key = key[:-1]  # "iMessages" -> imessage-analyzer
        if core == key or (len(key) >= 4 and core.startswith(key)):
            return True
    # Several consecutive words of the title run together (RecursiveLanguageModels).
    keys = [_alnum(word) for word in re.findall(r"[A-Za-z0-9]+", title)]
    for start in range(len(keys)):
        joined = keys[start]
        for key in keys[start + 1 :]:
            joined += key
            if joined == core:
                return True
            if len(joined) >= len(core):
                break
    return False


def repository_mention(url: str, origin: Origin) -> Mention | Refused:
    """The repository ``url`` points into and the path inside it, or why it is not one."""
    outcome = normalise_repo_url(url)
    if isinstance(outcome, Refused):
        return outcome
    text = url.strip().rstrip(_TRAILING)
    if "://" not in text:
        text = "https://" + text.split("@", 1)[-1].replace(":", "/", 1)
    try:
        path = urlsplit(text).path
    except ValueError:
        path = ""
    depth = 4 if outcome.key.startswith("huggingface.co/") else 3
    rest = [s for s in path.split("/") if s][depth - 1 :]
    if outcome.host == "gitlab.com":
        # GitLab nests groups (/group/subgroup/project); only "/-/" starts a view inside one.
        rest = rest[rest.index("-") + 1 :] if "-" in rest else []
    if len(rest) == 2 and rest[0] == "tree":
        rest = []  # a branch of the repository is the repository
    return Mention(link=outcome, origin=origin, inside="/".join(rest))


def mentions_in(text: str, origin: Origin) -> tuple[list[Mention], list[Refused]]:
    """Every repository link in ``text`` in order of appearance, and the refused candidates."""
    if not text:
        return [], []
    found: list[Mention] = []
    refused: list[Refused] = []
    text = repair_line_breaks(text[:MAX_TEXT_LENGTH])
    for match in _REPO_URL.finditer(text):
        candidate = match.group(0)
        lowered = candidate.lower()
        if not any(h in lowered for h in ("github", "gitlab", "codeberg", "huggingface", "hf.co")):
            if lowered.startswith(("javascript:", "data:", "vbscript:", "file:")):
                refused.append(Refused(candidate[:80], "scheme is not http(s)"))
            continue
        outcome = repository_mention(candidate, origin)
        if isinstance(outcome, Mention):
            before = _URL.sub("URL", text[max(0, match.start() - 160) : match.start()])
            if _ANNOUNCED.search(before[-80:]):
                outcome = replace(outcome, announced=True)
            found.append(outcome)
        elif "github.io" not in lowered and not _is_hf_non_space(lowered):
            refused.append(outcome)
    return found, refused


def _is_hf_non_space(lowered: str) -> bool:
    # Links to HF papers, models and datasets are ordinary links, not refused code links.
    return ("huggingface.co/" in lowered or "hf.co/" in lowered) and "/spaces/" not in lowered


# Addresses written before the code existed ("github.com/to/be/released", ".../xx").
_PLACEHOLDER_OWNERS = {"to", "xxx", "username", "your-username", "yourname", "user", "owner"}
_PLACEHOLDER_NAMES = {"xx", "xxx", "be", "tbd", "coming-soon", "your-repo"}


def _plausibly_own(mention: Mention, title: str, source_keys: set[str]) -> bool:
    _host, owner, name = mention.link.key.rsplit("/", 2)
    if owner in _PLACEHOLDER_OWNERS or name in _PLACEHOLDER_NAMES:
        return False
    if not mention.inside or mention.link.key in source_keys:
        return True
    repo_name = mention.link.key.rsplit("/", 1)[-1]
    if name_matches_title(repo_name, title):
        return True
    parts = mention.inside.split("/")
    if parts[0] in _NEVER_OWN:
        return name_matches_title(repo_name, title)
    if mention.announced or mention.origin is Origin.SOURCE:
        return True
    if parts[0] in {"tree", "blob"} and len(parts) > 2:
        # A monorepo folder named after the paper (huawei-noah/noah-research/tree/master/X).
        return any(name_matches_title(part.removesuffix(".md"), title) for part in parts[2:])
    return False


def choose_code_link(*, mentions: Sequence[Mention], title: str) -> CodeLink | None:
    """The paper's code link among ``mentions`` by the rule in the module docstring."""
    source_keys = {m.link.key for m in mentions if m.origin is Origin.SOURCE and not m.inside}
    usable = [m for m in mentions if _plausibly_own(m, title, source_keys)]
    for mention in usable:
        if mention.origin is Origin.SOURCE:
            return mention.link
    authors = [m for m in usable if m.origin is not Origin.SOURCE]
    # Repositories before HF Spaces (a Space is most often a demo, not the code); within each,
    # one named after the paper, then the abstract's GitHub ones, its others, the comments'.
    for spaces in (False, True):
        group = [m for m in authors if (m.link.host == "huggingface.co") is spaces]
        for mention in group:
            if name_matches_title(mention.link.key.rsplit("/", 1)[-1], title):
                return mention.link
        for origin in (Origin.ABSTRACT, Origin.COMMENTS):
            of_origin = [m.link for m in group if m.origin is origin]
            github = [link for link in of_origin if link.host == "github.com"]
            if github or of_origin:
                return (github or of_origin)[0]
    return None


def project_page_url(url: str) -> str | None:
    """``url`` as a project page address (https, trimmed), or None when it cannot be one."""
    text = (url or "").strip().rstrip(_TRAILING)
    if not text or len(text) > MAX_URL_LENGTH or not text.isascii():
        return None
    if any(ord(ch) < 0x21 for ch in text):
        return None
    if "://" not in text:
        if re.match(r"^[a-z][a-z0-9+.-]*:(?!\d)", text, re.IGNORECASE):
            return None  # javascript:, data:, mailto: ...
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme.lower() not in {"http", "https"} or parts.username or parts.password:
        return None
    if port not in (None, 80, 443) or "." not in host or host in HOSTS:
        return None
    if any(host == bad or host.endswith("." + bad) for bad in _NOT_PAGES):
        return None
    if not re.fullmatch(r"[a-z0-9.-]+", host) or host.replace(".", "").isdigit():
        return None
    return "https://" + text.split("://", 1)[1]


def project_pages_in(text: str) -> list[str]:
    """Project page addresses in ``text``: ``*.github.io`` ones, and ones the text names as a
    project page or website just before the address."""
    pages: list[str] = []
    if not text:
        return pages
    text = text[:MAX_TEXT_LENGTH]
    for match in _URL.finditer(text):
        candidate = match.group(0)
        host = candidate.split("://", 1)[-1].split("/", 1)[0].lower()
        named = _PAGE_WORDS.search(text[max(0, match.start() - 40) : match.start()])
        if host.endswith(".github.io") or named:
            page = project_page_url(candidate)
            if page and page not in pages:
                pages.append(page)
    return pages


def choose_links(
    *,
    title: str,
    source_code: Iterable[str] = (),
    source_page: str = "",
    abstract: str = "",
    comments: Iterable[str] = (),
) -> LinkChoice:
    """The paper's code link and project page from everything known about it."""
    mentions: list[Mention] = []
    refused: list[Refused] = []
    for url in source_code:
        outcome = repository_mention(url, Origin.SOURCE)
        if isinstance(outcome, Mention):
            mentions.append(outcome)
        else:
            refused.append(outcome)
    comment_texts = [text for text in comments if text]
    for text, origin in [(abstract, Origin.ABSTRACT)] + [
        (text, Origin.COMMENTS) for text in comment_texts
    ]:
        found, bad = mentions_in(text, origin)
        mentions.extend(found)
        refused.extend(bad)
    page = project_page_url(source_page) if source_page else None
    if page is None:
        for text in (abstract, *comment_texts):
            pages = project_pages_in(text)
            if pages:
                page = pages[0]
                break
    return LinkChoice(
        code=choose_code_link(mentions=mentions, title=title),
        project_page=page or "",
        refused=tuple(refused),
    )
