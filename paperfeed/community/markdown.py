"""Comment Markdown: a small subset rendered by markdown-it-py and sanitised by nh3.

Pure functions, no Django imports. Raw HTML is refused before rendering (see
:func:`find_html`) and disabled in the renderer, and nh3 strips anything that still slips
through, so no script, event handler or javascript: link reaches a reader.

Beyond the subset: bare ``http(s)://`` URLs become links; ``$...$`` and ``$$...$$`` maths is
typeset as in abstracts (:mod:`paperfeed.papers.tex`), read as one token so Markdown never
touches its backslashes, underscores and stars; an image becomes a link to it,
never an ``<img>`` (a comment must not make every reader's browser fetch a stranger's URL).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING

import nh3

from paperfeed.papers import tex

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token
    from markdown_it.utils import EnvType, OptionsDict

ALLOWED_TAGS = {
    "p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    # What paperfeed.papers.tex emits for maths.
    "span", "sup", "sub", "i", "b",
}  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}}
# nh3 keeps only these classes (and refuses a "class" entry in ALLOWED_ATTRIBUTES beside them).
ALLOWED_CLASSES = {"span": {"math"}}
URL_SCHEMES = {"http", "https", "mailto"}

_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]*`", re.DOTALL)
# "@" at the start or after a space or bracket, so e-mail addresses are not mentions.
_MENTION = re.compile(r"(?<![\w@/.+-])@([A-Za-z0-9_](?:[A-Za-z0-9_.+-]{0,148}[A-Za-z0-9_])?)")
_HTML_TAG = re.compile(r"<[/!?]?[A-Za-z][^<>]*>")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")

# A bare URL: from its scheme to the first space, quote or angle bracket; trailing punctuation
# is the sentence's, not the URL's (see _url_end).
_BARE_URL = re.compile(r"https?://[^\s<>\"`]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\"*_"
_CLOSING = {")": "(", "]": "[", "}": "{"}


def _url_end(url: str) -> str:
    """``url`` without the punctuation that ends the sentence around it; a closing bracket
    stays when the URL opened one (Wikipedia's ``..._(disambiguation)``)."""
    while url:
        last = url[-1]
        unopened = last in _CLOSING and url.count(last) > url.count(_CLOSING[last])
        if last in _TRAILING or unopened:
            url = url[:-1]
        else:
            break
    return url


def _bare_url(state: StateInline, silent: bool) -> bool:
    """Inline rule: ``http(s)://...`` in running text becomes a link (the text rule stops at
    ":", so this runs there, with the scheme still in the pending text)."""
    if state.linkLevel > 0 or not state.src.startswith("://", state.pos):
        return False
    scheme = re.search(r"(?:^|[^A-Za-z0-9.+-])(https?)$", state.pending, re.IGNORECASE)
    if scheme is None:
        return False
    start = state.pos - len(scheme[1])
    match = _BARE_URL.match(state.src, start, state.posMax)
    url = _url_end(match[0]) if match else ""
    if len(url) <= len(scheme[1]) + 3:
        return False
    href = state.md.normalizeLink(url)
    if not state.md.validateLink(href):
        return False
    if not silent:
        state.pending = state.pending[: -len(scheme[1])]
        state.push("link_open", "a", 1).attrs = {"href": href}
        state.push("text", "", 0).content = state.md.normalizeLinkText(url)
        state.push("link_close", "a", -1)
    state.pos = start + len(url)
    return True


def _maths(state: StateInline, silent: bool) -> bool:
    """Inline rule: a ``$...$`` or ``$$...$$`` span, as abstracts write it, is one token, so
    Markdown never reads its backslashes, underscores or stars (an escaped ``\\$`` never
    gets here: the escape rule has taken it)."""
    match = tex.MATH_SPAN.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    if not silent:
        state.push("maths", "span", 0).content = match[1]
    state.pos = match.end()
    return True


def _render_maths(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    return f'<span class="math">{tex.render_math(tokens[idx].content)}</span>'


def _image_as_link(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    """An image is shown as a link to it, its alt text (or its address) as the link text."""
    token = tokens[idx]
    src = str(token.attrs.get("src", ""))
    text = renderer.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{html.escape(src)}">{html.escape(text)}</a>'


@cache
def _renderer() -> MarkdownIt:
    # Made on the first comment rendered: markdown-it-py takes ~35 ms to import, and every
    # process importing the community services (each web worker, django.setup()) paid it.
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": False}).disable(
        ["heading", "lheading", "hr", "html_block", "html_inline"]
    )
    renderer.inline.ruler.before("link", "bare_url", _bare_url)
    renderer.inline.ruler.before("link", "maths", _maths)
    renderer.add_render_rule("maths", _render_maths)
    renderer.add_render_rule("image", _image_as_link)
    return renderer


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
    return nh3.clean(
        _renderer().render("".join(parts)),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener noreferrer",
    )
