"""A loopback server speaking the chat-completions format, with recorded answers."""

from __future__ import annotations

import contextlib
import json
import time

import pytest

from tests.loopback import QuietHandler, serving


def completion(content: str | None, *, finish_reason: str = "stop", refusal: str | None = None):
    """A chat-completions answer as OpenAI-compatible servers write it."""
    message: dict[str, object] = {"role": "assistant", "content": content}
    if refusal is not None:
        message["refusal"] = refusal
    return {
        "id": "chatcmpl-recorded",
        "object": "chat.completion",
        "created": 1767225600,
        "model": "recorded-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 250, "completion_tokens": 30, "total_tokens": 280},
    }


# What the server answers, chosen by a marker word in the paper's abstract.
GOOD = "A sparse router halves the serving cost of speech recognition without losing accuracy."
RECORDED: dict[str, tuple[int, object]] = {
    "MARK-GOOD": (200, completion(GOOD)),
    "MARK-QUOTED": (200, completion(f'Summary: "{GOOD}"')),
    "MARK-REFUSAL": (200, completion(None, refusal="I can't help with that.")),
    "MARK-SORRY": (200, completion("I'm sorry, but I cannot summarise this paper for you.")),
    "MARK-FILTER": (200, completion("", finish_reason="content_filter")),
    "MARK-GARBAGE": (200, completion("}{ 0x3f 0x3f ### 12 34 56 78 90 ++ -- !!")),
    "MARK-MARKDOWN": (200, completion("```\nprint('hi')\n```")),
    "MARK-NOTJSON": (200, "<html><body>Bad gateway</body></html>"),
    "MARK-NOCHOICES": (200, {"error": {"message": "model overloaded"}}),
    "MARK-LONG": (200, completion(GOOD + " " + "It also does many more things. " * 20)),
    "MARK-RAMBLE": (200, completion("word " * 120, finish_reason="length")),
    "MARK-500": (500, {"error": "internal"}),
    "MARK-429": (429, {"error": "rate limited"}),
    "MARK-400": (400, {"error": {"message": "input too long"}}),
}


class ChatServer:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self.delay = 0.0
        owner = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append(body)
                owner.headers.append(dict(self.headers))
                if owner.delay:
                    time.sleep(owner.delay)
                text = body["messages"][-1]["content"]
                status, answer = next(
                    (RECORDED[mark] for mark in RECORDED if mark in text), RECORDED["MARK-GOOD"]
                )
                raw = answer if isinstance(answer, str) else json.dumps(answer)
                data = raw.encode()
                # The client may have timed out and gone away.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.reply(status, data, {"Content-Type": "application/json"})

        self.handler = Handler
        self.url = ""  # set once it is served


@pytest.fixture
def chat_server():
    server = ChatServer()
    with serving(server.handler) as url:
        server.url = f"{url}/v1"
        yield server


@pytest.fixture
def llm(settings, chat_server):
    """The site configured with the loopback model."""
    settings.PAPERFEED_LLM_URL = chat_server.url
    settings.PAPERFEED_LLM_MODEL = "recorded-model"
    settings.PAPERFEED_LLM_API_KEY = "test-key"
    settings.PAPERFEED_LLM_TIMEOUT = 2.0
    settings.PAPERFEED_LLM_PER_MINUTE = 600
    settings.PAPERFEED_LLM_DAILY_BUDGET = 100
    settings.PAPERFEED_LLM_PER_RUN = 50
    return chat_server
