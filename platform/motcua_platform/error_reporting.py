"""Optional error reporting to Sentry (ADR 0058): on when the ``sentry`` extra is installed and
``MOTCUA_SENTRY_DSN`` is set, in every process (web, job worker, CLI), started with the runtime.

What leaves the platform is an error's type, message and stack, tagged with the tenant and the request id
(the same values the log lines carry, from structlog's context), and never a person's data: no request
body, no cookies, no query string (a reset or sign-in link carries a token there), no Authorization or other
credential header, no user, no stack frame's local variables. ``scrub`` removes them from every event
whatever the SDK's own options collected, so a new SDK default cannot widen it.
"""

from __future__ import annotations

import logging
from typing import Any

from structlog.contextvars import get_contextvars

from motcua_platform.config import Config, ConfigError

EXTRA = "sentry"
# headers that carry a credential or identify a person; everything else (Host, User-Agent, Accept…) is kept
SENSITIVE_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization", "x-forwarded-for"})
TAGS = ("tenant", "request_id")


def start(config: Config, *, transport: Any = None) -> bool:
    """Start the SDK if ``MOTCUA_SENTRY_DSN`` is set (True); ``transport``: where envelopes go instead of
    Sentry's HTTP (tests). A DSN without the extra installed is a configuration error naming the extra."""
    if not config.sentry_dsn:
        return False
    try:
        import sentry_sdk
        from sentry_sdk.integrations.flask import FlaskIntegration
        from sentry_sdk.integrations.logging import LoggingIntegration
    except ImportError:
        raise ConfigError(
            {
                "MOTCUA_SENTRY_DSN": f"is set, but the Sentry SDK is not installed: install the '{EXTRA}' extra "
                f"(pip install 'motcua-cloud[{EXTRA}]') or unset it"
            }
        ) from None
    sentry_sdk.init(
        dsn=config.sentry_dsn,
        environment=config.sentry_environment,
        # The app answers every error itself (a logged 500) and the worker logs a failed job, so Flask never
        # re-raises one: the errors are reported from the log, at ERROR and above (off by default in the SDK)
        integrations=[FlaskIntegration(), LoggingIntegration(event_level=logging.ERROR)],
        # the SDK's own "send no personal data" (sentry-sdk 3's successor of send_default_pii=False)
        data_collection={
            "user_info": False,
            "http_bodies": [],
            "stack_frame_variables": False,
            "database_query_data": False,
        },
        max_request_body_size="never",
        before_send=scrub,
        traces_sample_rate=None,  # errors only: tracing is OpenTelemetry's
        transport=transport,
    )
    return True


def scrub(event: dict, _hint: dict) -> dict:
    """The event without personal data, tagged with the tenant and the request id."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: v for k, v in headers.items() if k.lower() not in SENSITIVE_HEADERS}
    event.pop("user", None)
    for frame in _frames(event):
        frame.pop("vars", None)
    bound = get_contextvars()
    tags = event.setdefault("tags", {})
    for name in TAGS:
        if bound.get(name):
            tags[name] = str(bound[name])
    return event


def _frames(event: dict) -> list[dict]:
    values = (event.get("exception") or {}).get("values") or []
    return [frame for value in values for frame in ((value.get("stacktrace") or {}).get("frames") or [])]
