"""What every log record of a request carries, and the one access line per request.

For the length of a request ``structlog.contextvars`` holds its ``request_id`` (the caller's
``X-Request-ID`` when that is a short safe token, else a new one; sent back in the response's
``X-Request-ID``), its ``tenant`` (the slug, ``platform`` on the platform host; null until the host is
resolved, and for what is served on any host or on none) and its ``actor`` (``staff:<id>``, ``operator:<id>``,
``citizen:<id>``; ``anonymous`` until authentication). They are cleared when the request ends: a gunicorn
sync worker's thread serves one request after another.

The access line is the app's, not gunicorn's (``gunicorn_settings`` turns gunicorn's off): only the
app knows the tenant and the actor. It never holds the query string, a header or the body, where tokens,
passwords and one-time codes travel.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import TYPE_CHECKING

import structlog
from flask import Flask, Response, g, request
from structlog.contextvars import bind_contextvars, clear_contextvars

from motcua_platform import metrics
from motcua_platform.log_setup import PLATFORM_TENANT
from motcua_platform.tenancy import PLATFORM

if TYPE_CHECKING:
    from motcua_platform.audit.services import Actor
    from motcua_platform.tenancy import TenantInfo

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only if it can neither break a log line nor pass for a field: a load balancer's
# UUID or trace id fits, anything longer or with other characters is replaced.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
ANONYMOUS = "anonymous"

access_log = structlog.get_logger("motcua.access")


def install(app: Flask) -> None:
    """Call first in the app factory: the context is then bound before any other hook runs (the access
    line of a request refused by one still has its id), and ``log_access``, registered first, runs last
    among the after-request hooks, so it sees the final response."""
    app.before_request(begin_request)
    app.after_request(log_access)
    app.teardown_request(end_request)


def begin_request() -> None:
    clear_contextvars()
    g.request_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    bind_contextvars(request_id=g.request_id, tenant=None, actor=ANONYMOUS)


def bind_site(site: TenantInfo | str) -> None:
    """After host resolution."""
    bind_contextvars(tenant=PLATFORM_TENANT if site == PLATFORM else site.slug)


def bind_actor(actor: Actor) -> None:
    """After authentication: the kind and id, never the login (an e-mail or phone number)."""
    bind_contextvars(actor=f"{actor.kind}:{actor.id}")


def log_access(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.request_id
    seconds = time.perf_counter() - g.request_started
    access_log.info(
        "request",
        method=request.method,
        path=_logged_path(),
        status=response.status_code,
        duration_ms=round(seconds * 1000, 1),
        client=request.remote_addr,
    )
    route = request.url_rule.rule if request.url_rule is not None else metrics.UNMATCHED
    site = g.get("site")
    tenant = "" if site is None else PLATFORM_TENANT if site == PLATFORM else site.slug
    metrics.observe_request(request.method, route, response.status_code, tenant, seconds)
    return response


def _logged_path() -> str:
    """The path, or the route's pattern when a path argument named ``token`` is a bearer secret (a rating
    link): whoever reads the log must not be able to use it."""
    if request.view_args and "token" in request.view_args and request.url_rule is not None:
        return request.url_rule.rule
    return request.path


def end_request(_exc: BaseException | None = None) -> None:
    clear_contextvars()
