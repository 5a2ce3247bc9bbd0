"""The application factory: a straight list of steps, no database work at start-up (gunicorn forks
workers after loading the app; each builds its own engine on first use)."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from urllib.parse import quote

import orjson
from babel.support import LazyProxy
from flask import Flask, Response, g, jsonify, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from motcua_platform import areas, inputs, metrics, pages, readiness, request_log, tracing
from motcua_platform.config import Config
from motcua_platform.errors import ServiceError
from motcua_platform.i18n import _
from motcua_platform.pages import swagger
from motcua_platform.runtime import Runtime, build_runtime
from motcua_platform.tenancy import PLATFORM, MergedInto, TenantResolver
from motcua_platform.tenant_context import public_host_of
from motcua_platform.timezones import utc_iso
from motcua_platform.web import locale
from motcua_platform.web.blueprint import Api
from motcua_platform.web.context import close_sessions, commit_request
from motcua_platform.web.errors import error_body, http_error_response, service_error_response
from motcua_platform.web.principals import SECURITY_SCHEMES, STAFF_SECURITY, authenticate_as_declared, bearer_secret
from motcua_platform.web.schema import BIGINT

API_TITLE = "Motcua Cloud API"
API_VERSION = "v1"

# Paths served whatever the Host header says (load-balancer probes, the API document and its viewer).
HOSTLESS_ENDPOINTS = {
    "healthz",
    "readyz",
    "metrics",
    "api-docs.openapi_json",
    "api-docs.openapi_swagger_ui",
    "static",
    "assets.serve",
}

# Swagger UI is served by the app (motcua_platform.pages.swagger): no CDN, so the viewer works offline.
SWAGGER_UI_ASSETS = "/assets/swagger-ui/"

# The characters a URL path keeps as they are (RFC 3986's pchar and "/"): the rest is percent-encoded.
URL_PATH_SAFE = "/:@!$&'()*+,;=-._~"

TENANT_UNAVAILABLE = {
    "suspended": (503, "tenant_suspended", _("This province's service is suspended; its data is kept.")),
    "provisioning": (503, "tenant_provisioning", _("This province's service is being set up.")),
    "archived": (410, "tenant_archived", _("This province's service has been archived.")),
    # never reached: a merged tenant names where it went (ck_tenants_merged_facts) and is redirected there
    "merged": (410, "tenant_merged", _("This province has been merged into another.")),
}


def create_app(config: Config | None = None, runtime: Runtime | None = None) -> Flask:
    runtime = runtime or build_runtime(config)
    config = runtime.config

    app = App("motcua_platform")
    request_log.install(app)  # first: request id, tenant and actor on every record, one access line
    app.json = RequestJSONProvider(app)
    app.url_map.converters["int"] = BigintConverter  # before any route is added
    app.json.ensure_ascii = False  # Vietnamese stays readable in responses and in docs/openapi.json
    app.config.update(
        SECRET_KEY=config.secret_key,
        MAX_CONTENT_LENGTH=config.max_body_bytes,
        TESTING=config.testing,
        API_TITLE=API_TITLE,
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL=SWAGGER_UI_ASSETS,
        API_SPEC_OPTIONS={
            "info": {
                "description": (
                    "One API, two kinds of host. On the platform host (the base domain) vendor operators manage "
                    "tenants. On a tenant host (<slug>.<base domain> or a custom domain) a province's staff "
                    "work and its citizens read public data. Every 4xx has the body "
                    "{status, code, message, errors}. Messages are in Vietnamese unless the request asks for "
                    "English (?lang=en, the motcua_lang cookie or Accept-Language: en). Every date-time is "
                    "written in UTC, ISO 8601 with +00:00; one sent may carry any offset. A province merged into "
                    "another answers every request on its hosts with 308 Permanent Redirect to the same path and "
                    "query on the other province's host (send it again there, same method and body)."
                )
            },
            "components": {"securitySchemes": SECURITY_SCHEMES},
            "security": STAFF_SECURITY,
        },
    )
    if config.trusted_proxy_hops:
        # Behind the load balancer the socket's address is the balancer's. Believe exactly as many
        # X-Forwarded-For entries, counted from the right, as there are proxies we run; anything further
        # left was written by the client. The Host header is never taken from X-Forwarded-Host: tenants
        # are resolved on Host, which the balancer forwards unchanged.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxy_hops, x_proto=config.trusted_proxy_hops)
    runtime.resolver = TenantResolver(runtime.db, config.base_domain, ttl=config.tenant_cache_seconds)
    app.extensions["motcua"] = runtime

    locale.install(app)
    pages.install(app, secure_cookies=config.public_scheme == "https")
    api = Api(app)
    swagger.install(app)
    _register_error_format(api, app)
    for path in areas.installed().blueprints:
        api.register_blueprint(areas.load(path))
    for path in areas.installed().pages:
        app.register_blueprint(areas.load(path))
    realms = {name: getattr(bp, "realm", None) for name, bp in app.blueprints.items()}
    # HTML pages (and the language switch) know their visitor by the session cookie, never by a bearer
    # token: they declare no API security, so the API's default (a staff token) must not apply to them.
    cookie_pages = {name for name, bp in app.blueprints.items() if isinstance(bp, pages.PageBlueprint)}
    cookie_pages.add(pages.blueprint.switch.name)

    @app.get("/healthz")
    def healthz():
        """Liveness: the process answers (it looks at nothing else, so a database outage restarts nothing)."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        """Readiness: the database answers and the schemas are at the code's revisions (``readiness``)."""
        found = readiness.problems(runtime)
        if found:
            return {"status": "not_ready", "problems": found}, 503
        return {"status": "ready"}

    @app.get("/metrics", endpoint="metrics")
    def metrics_text():
        """Prometheus's text format; only to a caller with ``MOTCUA_METRICS_TOKEN`` or, with none set, from an
        address not on the public internet."""
        if not metrics_allowed(runtime.config.metrics_token):
            return _error(403, "forbidden", _("Metrics are not served to this caller."))
        body, content_type = metrics.exposition(runtime)
        return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})

    @app.before_request
    def reject_unsafe_text():  # first of all, before the host is even looked up
        inputs.check_texts([("path", request.path)], "path")
        inputs.check_texts(request.args.items(multi=True), "query")
        inputs.check_texts(request.headers.items(), "headers")

    @app.before_request
    def resolve_site():
        if request.endpoint in HOSTLESS_ENDPOINTS:
            return None
        site = runtime.resolver.resolve(request.host)
        if site is None:
            return _error(404, "unknown_host", _("No province is served at '%(host)s'.", host=request.host))
        g.site = site
        locale.site_resolved()  # the province's locale now counts in choosing the request's language
        request_log.bind_site(site)  # a redirected request is logged and counted under the merged tenant
        if site != PLATFORM and site.merged_into is not None:
            # Every request to a merged province's host, whatever its path (pages, the API, the staff
            # console, a printed QR code's tracking link), goes on to the same path on the province it joined.
            return merged_redirect(site.merged_into, runtime.config)
        if request.endpoint is None:  # unknown path: let routing raise its 404
            return None
        realm = realms.get(request.blueprint)
        wrong_host = (realm == "platform" and site != PLATFORM) or (realm == "tenant" and site == PLATFORM)
        if wrong_host:
            return _error(404, "not_found", _("The requested URL was not found on this host."))
        # A token scoped to another host is refused before anything else looks at the request.
        bearer_secret()
        if site != PLATFORM and site.status != "active":
            status, code, message = TENANT_UNAVAILABLE[site.status]
            response = _error(status, code, message)
            if status == 503:
                response.headers["Retry-After"] = "3600"
            return response
        if request.blueprint not in cookie_pages:
            authenticate_as_declared()  # before smorest reads (and validates) the arguments
        return None

    app.teardown_appcontext(close_sessions)
    tracing.instrument_app(app)  # outermost: the span covers the whole request (MOTCUA_OTEL)
    return app


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer made once per key set rather than on
    every request (Flask builds it anew in each ``open_session``, a few percent of an API request's CPU)."""

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = getattr(self, "_serializer", None)
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, super().get_signing_serializer(app))
        return cached[1]


class App(Flask):
    """Flask, with the request's unit of work committed as the view's last step (``web.context``)."""

    session_interface = CookieSessionInterface()

    def dispatch_request(self):
        # Here rather than in after_request: an error from the commit is then handled like the view's own
        # (a value out of range is a 422, anything else a logged 500), and after_request never sees a
        # success whose data was not saved.
        return commit_request(self.make_response(super().dispatch_request()))

    def ensure_sync(self, func):
        # Flask asks inspect whether each hook and view is a coroutine function, about twenty times a request;
        # the answer for a function never changes (a view's method is asked for on a new instance each time).
        return self.async_to_sync(func) if _is_coroutine_function(getattr(func, "__func__", func)) else func


@functools.lru_cache(maxsize=4096)
def _is_coroutine_function(func) -> bool:
    return inspect.iscoroutinefunction(func)


class BigintConverter(IntegerConverter):
    """``<int:…>`` for keys that are PostgreSQL BIGINTs: a larger number matches no route (404), instead
    of reaching the database as an out-of-range error."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("max", BIGINT - 1)
        super().__init__(map, *args, **kwargs)


class RequestJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading request bodies through ``inputs.load_json`` (``request.get_json``); a lazy
    message is written in the request's language, and an instant as ISO 8601 in UTC (``timezones.utc_iso``),
    as every schema writes it. Answers are written by orjson (ADR 0034), with the json module's output: keys
    sorted, UTF-8 as it is, and dates, dataclasses and anything else orjson does not know through ``default``,
    as Flask would."""

    ORJSON_OPTIONS = (
        orjson.OPT_SORT_KEYS
        | orjson.OPT_NON_STR_KEYS
        | orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_DATACLASS
    )

    def loads(self, s, **kwargs):
        return inputs.load_json(s)

    def response(self, *args, **kwargs):
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)  # indented, for a person reading it in debug mode
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default, option=self.ORJSON_OPTIONS)
        except orjson.JSONEncodeError:
            return super().response(obj)
        return self._app.response_class(body + b"\n", mimetype=self.mimetype)

    @staticmethod
    def default(o):
        if isinstance(o, LazyProxy):
            return str(o)
        if isinstance(o, dt.datetime):
            return utc_iso(o)
        return DefaultJSONProvider.default(o)


def metrics_allowed(token: str | None) -> bool:
    return metrics.scrape_allowed(token, request.headers.get("Authorization"), request.remote_addr)


MERGED_REDIRECT_SECONDS = 86_400  # how long clients may keep the redirect (a mistaken merge undone fades in a day)


def merged_redirect(merged: MergedInto, config: Config) -> Response:
    """308 to the same path and query on the public host of the tenant ``merged`` names (ADR 0060): 308 and not
    301, so a POST (a submission, a staff action, an API call) is sent again as a POST with its body, where a
    301 lets clients turn it into a GET."""
    location = config.public_url(public_host_of(merged, config.base_domain)) + quote(
        request.script_root + request.path, safe=URL_PATH_SAFE
    )
    if request.query_string:
        location += "?" + request.query_string.decode("latin-1")
    message = _("This province has been merged into another; its services continue at %(location)s.",
                location=location)  # fmt: skip
    response = jsonify(error_body(308, message, "tenant_merged"))
    response.status_code = 308
    response.headers["Location"] = location
    response.headers["Cache-Control"] = f"public, max-age={MERGED_REDIRECT_SECONDS}"
    return response


def _error(status: int, code: str, message):
    response = jsonify(error_body(status, message, code))
    response.status_code = status
    return response


def _register_error_format(api: Api, app: Flask) -> None:
    app.register_error_handler(ServiceError, service_error_response)
    app.register_error_handler(HTTPException, http_error_response)

    @app.errorhandler(DataError)
    def value_out_of_range(exc):
        # PostgreSQL refused a value the request carried as out of range for its column (a number past an
        # INTEGER column, a date past what it stores): the caller's input, not a fault of ours. Nothing was
        # written: the transaction failed, and the session is rolled back when the request ends.
        app.logger.warning("value refused by the database: %s", exc.orig)
        return _error(422, "validation_error", _("A value is out of range for what can be stored; nothing was saved."))

    @app.errorhandler(Exception)
    def unexpected(exc):  # never leak a traceback to the client; it goes to the log
        if isinstance(exc, HTTPException):
            return http_error_response(exc)
        app.logger.exception("unhandled error")
        return _error(500, "internal_error", _("Something went wrong on our side; it has been logged."))
