"""The GitHub client against a real loopback server replaying recorded GitHub answers."""

from __future__ import annotations

import pytest

from paperfeed.trending.github import GitHubError, RateLimited


def test_repository_ok_reads_stars_etag_and_budget(github_server, client_for):
    github_server.on("/repos/acme/fast-attn", "repo_ok.json")
    with client_for(token="t0ken") as client:
        answer = client.repository("acme", "fast-attn")
    assert (answer.status, answer.stars, answer.full_name) == ("ok", 1523, "acme/fast-attn")
    assert answer.etag == 'W/"a1b2c3"'
    assert client.budget.remaining == 59 and client.budget.limit == 60
    _path, headers = github_server.requests[0]
    assert headers["Authorization"] == "Bearer t0ken"
    assert headers["Accept"] == "application/vnd.github+json"


def test_unauthenticated_sends_no_token(github_server, client_for):
    github_server.on("/repos/acme/fast-attn", "repo_ok.json")
    with client_for() as client:
        client.repository("acme", "fast-attn")
    assert "Authorization" not in github_server.requests[0][1]


def test_conditional_request_with_etag(github_server, client_for):
    github_server.on("/repos/acme/fast-attn", "repo_not_modified.json")
    with client_for() as client:
        answer = client.repository("acme", "fast-attn", etag='W/"a1b2c3"')
    assert answer.status == "not_modified"
    assert github_server.requests[0][1]["If-None-Match"] == 'W/"a1b2c3"'


def test_follows_301_for_a_renamed_repository(github_server, client_for):
    github_server.on("/repos/acme/fast-attn", "repo_moved.json")
    github_server.on("/repositories/900002", "repo_renamed_target.json")
    with client_for() as client:
        answer = client.repository("acme", "fast-attn")
    assert answer.status == "ok" and answer.full_name == "acme-labs/fast-attention"
    assert answer.moved_from == "acme/fast-attn" and answer.stars == 2040


def test_404_is_gone(github_server, client_for):
    github_server.on("/repos/acme/deleted", "repo_not_found.json")
    with client_for() as client:
        assert client.repository("acme", "deleted").status == "gone"


def test_5xx_is_retried_with_backoff_then_succeeds(github_server, client_for, sleeps):
    github_server.on(
        "/repos/acme/fast-attn", "server_error.json", "server_error.json", "repo_ok.json"
    )
    with client_for() as client:
        answer = client.repository("acme", "fast-attn")
    assert answer.stars == 1523
    assert sleeps == [2.0, 4.0]


def test_5xx_forever_is_an_error_not_a_crash(github_server, client_for, sleeps):
    github_server.on("/repos/acme/fast-attn", "server_error.json")
    with client_for(retries=2) as client, pytest.raises(GitHubError, match="502"):
        client.repository("acme", "fast-attn")
    assert len(sleeps) == 2


def test_secondary_limit_honours_retry_after(github_server, client_for, sleeps):
    github_server.on(
        "/repos/acme/fast-attn", "rate_limited_secondary.json", "too_many_requests.json",
        "repo_ok.json",
    )  # fmt: skip
    with client_for() as client:
        assert client.repository("acme", "fast-attn").stars == 1523
    assert sleeps == [7.0, 3.0]


def test_primary_limit_waits_for_reset_when_short(github_server, client_for, sleeps):
    github_server.on("/repos/acme/fast-attn", "rate_limited_primary.json", "repo_ok.json")
    with client_for(max_wait=60) as client:
        assert client.repository("acme", "fast-attn").stars == 1523
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 7


def test_primary_limit_with_a_far_reset_stops(github_server, client_for, sleeps):
    github_server.reset_at += 3600
    github_server.on("/repos/acme/fast-attn", "rate_limited_primary.json")
    with client_for(max_wait=60) as client, pytest.raises(RateLimited, match="resets at"):
        client.repository("acme", "fast-attn")
    assert sleeps == []


def test_stargazer_page_uses_star_media_type(github_server, client_for):
    github_server.on("/repos/acme/fast-attn/stargazers", "stargazers_page.json")
    with client_for() as client:
        times = client.stargazer_page("acme", "fast-attn", page=1)
    assert len(times) == 23 and times == sorted(times)
    assert github_server.requests[0][1]["Accept"] == "application/vnd.github.star+json"
    assert "per_page=100&page=1" in github_server.requests[0][0]
