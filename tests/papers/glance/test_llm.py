"""The chat-completions client against a loopback server with recorded answers."""

from __future__ import annotations

import pytest

from paperfeed.papers.glance.llm import (
    MAX_ANSWER_CHARS,
    LlmBadAnswer,
    LlmEndpoint,
    LlmUnavailable,
    summary_write,
)
from tests.helpers import free_port
from tests.papers.glance.conftest import GOOD


def _ask(server, mark: str, *, timeout: float = 2.0) -> str:
    endpoint = LlmEndpoint(url=server.url, model="recorded-model", api_key="k", timeout=timeout)
    return summary_write(endpoint, title="A paper", abstract=f"We propose things. {mark}")


def test_a_good_answer_is_one_clean_sentence(chat_server):
    assert _ask(chat_server, "MARK-GOOD") == GOOD
    assert _ask(chat_server, "MARK-QUOTED") == GOOD
    request = chat_server.requests[0]
    assert request["model"] == "recorded-model"
    assert request["messages"][0]["role"] == "system"
    assert "Title: A paper" in request["messages"][1]["content"]
    assert chat_server.headers[0]["Authorization"] == "Bearer k"


@pytest.mark.parametrize("mark", ["MARK-REFUSAL", "MARK-SORRY", "MARK-FILTER"])
def test_refusals_are_bad_answers(chat_server, mark):
    with pytest.raises(LlmBadAnswer, match=r"refused|empty"):
        _ask(chat_server, mark)


@pytest.mark.parametrize(
    "mark", ["MARK-GARBAGE", "MARK-MARKDOWN", "MARK-NOTJSON", "MARK-NOCHOICES", "MARK-400"]
)
def test_garbage_is_a_bad_answer(chat_server, mark):
    with pytest.raises(LlmBadAnswer):
        _ask(chat_server, mark)


def test_an_over_long_answer_keeps_its_first_sentence_or_is_refused(chat_server):
    assert _ask(chat_server, "MARK-LONG") == GOOD
    with pytest.raises(LlmBadAnswer, match="too long"):
        _ask(chat_server, "MARK-RAMBLE")
    assert len(GOOD) <= MAX_ANSWER_CHARS


@pytest.mark.parametrize("mark", ["MARK-500", "MARK-429"])
def test_server_faults_mean_unavailable(chat_server, mark):
    with pytest.raises(LlmUnavailable, match="HTTP"):
        _ask(chat_server, mark)


def test_a_timeout_means_unavailable(chat_server):
    chat_server.delay = 1.0
    with pytest.raises(LlmUnavailable, match="timeout"):
        _ask(chat_server, "MARK-GOOD", timeout=0.2)


def test_a_refused_connection_means_unavailable():
    endpoint = LlmEndpoint(url=f"http://127.0.0.1:{free_port()}/v1", model="m", timeout=1)
    with pytest.raises(LlmUnavailable):
        summary_write(endpoint, title="t", abstract="a")
