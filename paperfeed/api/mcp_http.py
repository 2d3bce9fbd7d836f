"""``/mcp``: the MCP server (``api/agents.py``) over streamable HTTP, inside the WSGI site.

The SDK serves MCP as an ASGI (Starlette) app; the site is WSGI under gunicorn (and Django's
threaded server in ``paperfeed run``). The SDK runs here in **stateless JSON-response mode**:
every POST is a whole exchange (no session to keep between requests, no server-sent event
stream held open), so any worker process can answer any request, and a sync gunicorn worker
is busy for one tool call only. A Django view hands the request to the SDK's app through
a2wsgi (a maintained ASGI-to-WSGI adapter, which runs the app on an event loop thread of its
own), so ``/mcp`` goes through the site's middleware like every other URL (the edge's
body limit and control-character checks, the read-only answer) and the API's rate limit.
docs/architecture.md says why not Django's ASGI handler.
"""

from __future__ import annotations

import asyncio
import io
import threading
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from paperfeed.api.throttles import RateLimit

if TYPE_CHECKING:
    from a2wsgi import ASGIMiddleware

PATH = "/mcp"
# Headers the WSGI server sets itself.
_HOP_BY_HOP = frozenset({"connection", "content-length", "transfer-encoding", "keep-alive"})
_limit = RateLimit(group="api-read-mcp", rate_setting="PAPERFEED_RATE_API_READ_IP")


class _RunningApp:
    """The SDK's app, with its session manager running on a2wsgi's event loop.

    The SDK starts its session manager from the ASGI lifespan, which a2wsgi never sends; the
    first request starts it instead, on the loop every later request runs on, and it runs for
    the life of the process.
    """

    def __init__(self) -> None:
        # The SDK (pydantic models of every MCP message, Starlette, uvicorn) takes a second or
        # more to import: every process loading the URLs (each web worker, `paperfeed check`)
        # paid it at start-up, though only a request to /mcp uses it.
        from mcp.server.transport_security import TransportSecuritySettings

        from paperfeed.api.agents import mcp_server

        server = mcp_server()
        self.app = server.streamable_http_app(
            streamable_http_path=PATH,
            json_response=True,
            stateless_http=True,
            # Django checks the Host header (ALLOWED_HOSTS) before this view runs.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        self.manager = server.session_manager
        self._started: asyncio.Event | None = None
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._started is None:  # no await before it is set: one loop, one starter
            self._started = asyncio.Event()
            self._runner = asyncio.get_running_loop().create_task(self._run())
        await self._started.wait()
        await self.app(scope, receive, send)

    async def _run(self) -> None:
        assert self._started is not None
        async with self.manager.run():
            self._started.set()
            await asyncio.Event().wait()


_wsgi_app: ASGIMiddleware | None = None
_wsgi_lock = threading.Lock()


def _app() -> ASGIMiddleware:
    """One adapter (and event loop thread) per process, made on first use: after gunicorn
    forks, never in the parent."""
    global _wsgi_app
    from a2wsgi import ASGIMiddleware

    with _wsgi_lock:
        if _wsgi_app is None:
            _wsgi_app = ASGIMiddleware(_RunningApp())
        return _wsgi_app


def _too_many(wait: float | None) -> JsonResponse:
    response = JsonResponse(
        {
            "jsonrpc": "2.0",
            "id": None,
            "error": {"code": -32000, "message": "Too many requests: slow down and retry."},
        },
        status=429,
    )
    response["Retry-After"] = str(int(wait or 1))
    return response


@csrf_exempt
def mcp_endpoint(request: HttpRequest) -> HttpResponse:
    """The MCP endpoint. No token: every tool reads public data; counted as an API read."""
    if not _limit.allow_request(request):
        return _too_many(_limit.wait())
    # The body was read (and bounded) by the edge middleware; hand the adapter a fresh stream.
    body = request.body
    environ = dict(request.META)
    environ.update(
        {
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "SCRIPT_NAME": "",
            "PATH_INFO": PATH,
        }
    )
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        started["status"], started["headers"] = status, headers

    chunks = _app()(environ, start_response)  # type: ignore[arg-type]
    try:
        content = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    response = HttpResponse(content, status=int(started["status"].split(" ", 1)[0]))
    for name, value in started["headers"]:
        if name.lower() not in _HOP_BY_HOP:
            response[name] = value
    return response
