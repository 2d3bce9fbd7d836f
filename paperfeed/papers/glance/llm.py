"""A one-sentence summary written by a language model behind an OpenAI-compatible
chat-completions endpoint. No Django: the caller passes the endpoint, model, key and limits.

Every way an answer can go wrong has its own exception, so the caller can tell a fault of the
service (:class:`LlmUnavailable`: stop, try again later) from a bad answer about one paper
(:class:`LlmBadAnswer`: record it, go on with the next).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from paperfeed.papers.glance.contribution import sentences
from paperfeed.papers.similar.text import strip_markup

SYSTEM_PROMPT = (
    "You summarise research papers for a list of new papers. Given a paper's title and "
    "abstract, write ONE plain sentence of at most 30 words saying what the paper contributes "
    "and why it matters. No preamble, no quotes, no Markdown, no LaTeX."
)
# Answers are a sentence: anything longer than this is cut to its first sentence, or refused.
MAX_ANSWER_CHARS = 300
# The abstract sent is cut here: the contribution is stated early, and the request stays small.
MAX_ABSTRACT_CHARS = 3000
_REFUSAL = re.compile(
    r"^\s*(?:i'?m sorry|i am sorry|sorry,|i cannot|i can'?t|i'?m unable|i am unable|"
    r"as an ai|i won'?t|unfortunately,? i)",
    re.IGNORECASE,
)
_MARKUP = re.compile(r"```|<[a-z/][^>]*>|^\s*[#*>-]\s", re.IGNORECASE | re.MULTILINE)
# Straight and typographic quotes a model may wrap its sentence in.
_QUOTES = "\"'\u201c\u201d\u2018\u2019 "
_LEAD = re.compile(r"^\s*(?:summary|one[- ]line summary|tl;?dr)\s*:\s*", re.IGNORECASE)


class LlmError(Exception):
    """Why no summary was written; ``reason`` is short and safe to store and show to staff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason[:300]


class LlmUnavailable(LlmError):
    """The service did not answer properly (timeout, refused connection, HTTP error, rate
    limit): nothing is known about the paper; try again later."""


class LlmBadAnswer(LlmError):
    """The service answered, but not with a usable sentence (a refusal, garbage, too long)."""


@dataclass(frozen=True, slots=True)
class LlmEndpoint:
    url: str
    model: str
    api_key: str = ""
    timeout: float = 20.0


def _endpoint_url(url: str) -> str:
    url = url.rstrip("/")
    return url if url.endswith("/chat/completions") else f"{url}/chat/completions"


def summary_request(endpoint: LlmEndpoint, *, title: str, abstract: str) -> dict[str, object]:
    abstract = strip_markup(abstract)[:MAX_ABSTRACT_CHARS]
    return {
        "model": endpoint.model,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Title: {strip_markup(title)}\n\nAbstract: {abstract}"},
        ],
        "temperature": 0,
        "max_tokens": 120,
    }


def answer_sentence(payload: object) -> str:
    """The sentence in a chat-completions answer, cleaned; :class:`LlmBadAnswer` if none."""
    try:
        choice = payload["choices"][0]  # type: ignore[index]
        message = choice["message"]
    except (KeyError, IndexError, TypeError):
        raise LlmBadAnswer("garbage: no choices[0].message in the answer") from None
    if not isinstance(message, dict):
        raise LlmBadAnswer("garbage: the message is not an object")
    if message.get("refusal") or choice.get("finish_reason") == "content_filter":
        raise LlmBadAnswer("refused by the model")
    text = message.get("content")
    if not isinstance(text, str) or not text.strip():
        raise LlmBadAnswer("garbage: empty answer")
    if _REFUSAL.search(text):
        raise LlmBadAnswer("refused by the model")
    if _MARKUP.search(text):
        raise LlmBadAnswer("garbage: markup in the answer")
    text = " ".join(_LEAD.sub("", text).split()).strip(_QUOTES)
    letters = sum(ch.isalpha() for ch in text)
    if len(text) < 20 or letters < len(text) * 0.6 or len(text.split()) < 4:
        raise LlmBadAnswer("garbage: not a sentence")
    if len(text) > MAX_ANSWER_CHARS or choice.get("finish_reason") == "length":
        first = (sentences(text) or [""])[0]
        if len(first) > MAX_ANSWER_CHARS or len(first) < 20 or first == text:
            raise LlmBadAnswer(f"too long: {len(text)} characters, no short first sentence")
        text = first
    return text


def summary_write(
    endpoint: LlmEndpoint, *, title: str, abstract: str, client: httpx.Client | None = None
) -> str:
    """Ask the model for one sentence about the paper."""
    headers = {"Content-Type": "application/json"}
    if endpoint.api_key:
        headers["Authorization"] = f"Bearer {endpoint.api_key}"
    body = summary_request(endpoint, title=title, abstract=abstract)
    owned = client is None
    http = client or httpx.Client(timeout=endpoint.timeout, follow_redirects=False)
    try:
        response = http.post(_endpoint_url(endpoint.url), json=body, headers=headers)
    except httpx.TimeoutException:
        raise LlmUnavailable(f"timeout after {endpoint.timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise LlmUnavailable(f"{type(exc).__name__}: {exc}") from None
    finally:
        if owned:
            http.close()
    if response.status_code in (408, 429) or response.status_code >= 500:
        raise LlmUnavailable(f"HTTP {response.status_code}")
    if response.status_code >= 400:
        # 400 for this request (a content policy, a too-long input) is about the paper.
        if response.status_code == 400:
            raise LlmBadAnswer(f"HTTP 400: {response.text[:200]}")
        raise LlmUnavailable(f"HTTP {response.status_code}")
    try:
        payload = response.json()
    except ValueError:
        raise LlmBadAnswer("garbage: the answer is not JSON") from None
    return answer_sentence(payload)
