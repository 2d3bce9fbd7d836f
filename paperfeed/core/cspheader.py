"""The Content-Security-Policy header built once per process (django-csp builds it twice a
response, ~90 µs of a cached page's ~380).

The site sets no nonce and no per-view policy (no ``@csp_update`` and friends), so every
response gets the same header strings; they are built from the settings the first time and
built again only when the settings' policy dicts are replaced (as tests do). A response or
request that does carry its own parts gets django-csp's own answer.
"""

from __future__ import annotations

from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt",
    "_csp_exempt_ro",
)
_NOT_FOR_DEBUG = (404, 500)
# Raises whenever it is read, so one object serves every request.
_AFTER_RESPONSE = CheckableLazyObject(CSPMiddleware._csp_nonce_post_response)


class ConstantCSPMiddleware(CSPMiddleware):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (enforced policy dict, report-only policy dict, their headers): rebuilt when either
        # dict is another object.
        self._built: tuple[Any, Any, str, str] | None = None

    def _headers(self) -> tuple[str, str]:
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        built = self._built
        if built is None or built[0] is not policy or built[1] is not report_only:
            built = (policy, report_only, build_policy(), build_policy(report_only=True))
            self._built = built
        return built[2], built[3]

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in _NOT_FOR_DEBUG and settings.DEBUG:
            return response
        enforced, report_only = self._headers()
        path = request.path_info
        if enforced and HEADER not in response and not _excluded(path, "CONTENT_SECURITY_POLICY"):
            response[HEADER] = enforced
        if (
            report_only
            and HEADER_REPORT_ONLY not in response
            and not _excluded(path, "CONTENT_SECURITY_POLICY_REPORT_ONLY")
        ):
            response[HEADER_REPORT_ONLY] = report_only
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = _AFTER_RESPONSE  # type: ignore[attr-defined]  # django-csp's own
        return response


def _excluded(path: str, setting: str) -> bool:
    policy = getattr(settings, setting, None) or {}
    prefixes = policy.get("EXCLUDE_URL_PREFIXES", None) or ()
    return path.startswith(tuple(prefixes))
