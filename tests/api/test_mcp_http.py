"""/mcp over HTTP with the MCP SDK's own client, against a live server: list the tools and call
each one; bad input is a tool error, never a 500; the API's rate limit applies."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest
from mcp import Client

from paperfeed.papers.glance.services import glances_build
from paperfeed.papers.similar.models import SimilarPaper
from tests.factories import catalogue_paper

pytestmark = pytest.mark.django_db(transaction=True)

DAY = date(2026, 3, 2)


@pytest.fixture
def catalogue():
    first = catalogue_paper(
        "2603.00001",
        title="Sparse Routing for Efficient Speech Recognition",
        abstract="Speech models are costly. We propose SparseRoute, a sparse router for speech "
        "recognition that halves the serving cost of mixture-of-experts models.",
        featured_on=DAY,
        featured_upvotes=12,
    )
    second = catalogue_paper(
        "2603.00002",
        title="Dense Routing for Speech Translation",
        abstract="We introduce a dense router for speech translation with shared experts.",
        featured_on=DAY,
        featured_upvotes=3,
    )
    SimilarPaper.objects.create(paper=first, neighbour=second, rank=0, score=0.9)
    glances_build()
    return first, second


def _session(url: str, calls):
    async def run():
        async with Client(url) as client:
            return [await call(client) for call in calls]

    return asyncio.run(run())


def _payload(result) -> object:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        content = result.structured_content
        return content.get("result", content)
    return json.loads(result.content[0].text)


def test_tools_are_listed_and_each_answers(live_server, catalogue):
    url = f"{live_server.url}/mcp"
    tools, search, paper, daily, trend, similar = _session(
        url,
        [
            lambda c: c.list_tools(),
            lambda c: c.call_tool("search_papers", {"query": "speech routing", "limit": 5}),
            lambda c: c.call_tool("get_paper", {"paper_id": "2603.00001"}),
            lambda c: c.call_tool("daily_papers", {"date": DAY.isoformat()}),
            lambda c: c.call_tool("trending", {"window": "month"}),
            lambda c: c.call_tool("similar_papers", {"paper_id": "2603.00001"}),
        ],
    )
    names = {tool.name for tool in tools.tools}
    assert names == {"search_papers", "get_paper", "daily_papers", "trending", "similar_papers"}
    assert all(tool.annotations.read_only_hint for tool in tools.tools)

    ids = [hit["id"] for hit in _payload(search)]
    assert "2603.00001" in ids
    markdown = paper.content[0].text
    assert markdown.startswith("# Sparse Routing for Efficient Speech Recognition")
    assert "**Keywords:**" in markdown and "Summary (from the abstract)" in markdown
    listed = _payload(daily)
    assert [p["id"] for p in listed] == ["2603.00001", "2603.00002"]  # the day's ranking
    assert listed[0]["upvotes"] == 12 and listed[0]["keywords"]
    assert listed[0]["summary"].startswith("We propose SparseRoute")
    assert isinstance(_payload(trend), list)
    assert [p["id"] for p in _payload(similar)] == ["2603.00002"]


def test_bad_input_is_a_clear_tool_error(live_server, catalogue):
    url = f"{live_server.url}/mcp"
    results = _session(
        url,
        [
            lambda c: c.call_tool("get_paper", {"paper_id": "not an id"}),
            lambda c: c.call_tool("get_paper", {"paper_id": "2603.09999"}),
            lambda c: c.call_tool("daily_papers", {"date": "2026-02-30"}),
            lambda c: c.call_tool("daily_papers", {"date": "2026-03-02", "week": "2026-W10"}),
            lambda c: c.call_tool("trending", {"window": "year"}),
            lambda c: c.call_tool("trending", {"category": "no such thing!"}),
            lambda c: c.call_tool("search_papers", {"query": "speech", "limit": 5000}),
            lambda c: c.call_tool("similar_papers", {"paper_id": ""}),
        ],
    )
    messages = []
    for result in results:
        assert result.is_error
        messages.append(result.content[0].text)
    assert "not an arXiv id" in messages[0]
    assert "No paper with the id" in messages[1]
    assert "not a real day" in messages[2]
    assert "only one of" in messages[3]


def test_http_errors_and_the_rate_limit(client, settings, catalogue):
    # Not JSON-RPC at all: a clear 4xx from the SDK, never a 500.
    response = client.post(
        "/mcp",
        data="{nonsense",
        content_type="application/json",
        HTTP_ACCEPT="application/json, text/event-stream",
    )
    assert 400 <= response.status_code < 500
    settings.PAPERFEED_RATE_API_READ_IP = "2/m"
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    statuses = [
        client.post(
            "/mcp",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_ACCEPT="application/json, text/event-stream",
        ).status_code
        for _ in range(4)
    ]
    assert statuses[-1] == 429
    assert 500 not in statuses
