"""Comment Markdown: a small subset rendered by markdown-it-py and sanitised by nh3.

Pure functions, no Django imports. Raw HTML is refused before rendering (see
:func:`find_html`) and disabled in the renderer, and nh3 strips anything that still slips
through, so no script, event handler or javascript: link reaches a reader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}

_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]*`", re.DOTALL)
# "@" at the start or after a space or bracket, so e-mail addresses are not mentions.
_MENTION = re.compile(r"(?<![\w@/.+-])@([A-Za-z0-9_](?:[A-Za-z0-9_.+-]{0,148}[A-Za-z0-9_])?)")
_HTML_TAG = re.compile(r"<[/!?]?[A-Za-z][^<>]*>")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")

_renderer = MarkdownIt("commonmark", {"html": False}).disable(
    ["image", "heading", "lheading", "hr", "html_block", "html_inline"]
)


def _outside_code(text: str) -> list[tuple[bool, str]]:
    """(is_code, piece) pairs covering text in order."""
    pieces: list[tuple[bool, str]] = []
    last = 0
    for match in _CODE.finditer(text):
        pieces.append((False, text[last : match.start()]))
        pieces.append((True, match.group(0)))
        last = match.end()
    pieces.append((False, text[last:]))
    return pieces


def find_mentions(text: str) -> list[str]:
    """Usernames mentioned as @name outside code, in order, without repeats."""
    names: dict[str, None] = {}
    for is_code, piece in _outside_code(text):
        if not is_code:
            for match in _MENTION.finditer(piece):
                names.setdefault(match.group(1), None)
    return list(names)


def find_html(text: str) -> str | None:
    """The first HTML tag written outside code, if any (comments are Markdown, not HTML)."""
    for is_code, piece in _outside_code(text):
        if not is_code:
            match = _HTML_TAG.search(piece)
            if match:
                return match.group(0)
    return None


def render(text: str, mention_urls: Mapping[str, str] | None = None) -> str:
    """Sanitised HTML for a comment, with @mentions of known users linked to their profiles."""
    mention_urls = mention_urls or {}
    parts: list[str] = []
    for is_code, piece in _outside_code(text):
        if is_code:
            parts.append(piece)
            continue

        def link(match: re.Match[str]) -> str:
            name = match.group(1)
            url = mention_urls.get(name)
            if url is None:
                return match.group(0)
            escaped = _MD_SPECIAL.sub(r"\\\1", name)
            return f"[@{escaped}]({url})"

        parts.append(_MENTION.sub(link, piece))
    html = _renderer.render("".join(parts))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener noreferrer",
    )
