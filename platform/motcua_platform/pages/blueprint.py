"""``PageBlueprint`` (HTML pages of an area) and ``install`` (what every page shares, set up once)."""

from __future__ import annotations

import functools
import gzip
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from motcua_platform.errors import ServiceError
from motcua_platform.web.errors import http_error_response
from motcua_platform.web.locale import LOCALE_COOKIE, LOCALE_COOKIE_SECONDS, supported

# No inline script or style anywhere: what a page runs comes from /assets on its own host.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
GZIP_MIN_BYTES = 1024

csrf = CSRFProtect()


class PageBlueprint(Blueprint):
    """A blueprint of HTML pages on one kind of host (``realm``: "tenant" or "platform"): every form
    checked for its CSRF token, every answer with the security headers, never cached by a shared proxy,
    and compressed for browsers that accept it."""

    def __init__(self, *args, realm: str | None, layout: str = "pages/base.html", **kwargs):
        super().__init__(*args, **kwargs)
        self.realm = realm
        self.layout = layout
        self.before_request(_check_csrf)
        self.after_request(finish_page)
        self.register_error_handler(ServiceError, self._service_error)
        self.register_error_handler(HTTPException, self._http_error)

    def _service_error(self, error: ServiceError):
        return error_page(error.status, str(error.message), self.layout)

    def _http_error(self, error: HTTPException):
        return error_page(error.code or 500, None, self.layout)


def N_(message: str) -> str:
    """Marks a message for the catalogue; it is translated where it is shown."""
    return message


ERROR_TITLES = {
    400: N_("The request could not be read"),
    403: N_("You cannot open this page"),
    404: N_("Page not found"),
    405: N_("This page does not accept that action"),
    409: N_("Someone else changed this in the meantime"),
    413: N_("The file is too large"),
    422: N_("Some information is missing or invalid"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
}


def error_page(status: int, message: str | None, layout: str = "pages/base.html"):
    """The HTML answer to an error on a page: a title people understand, the service's own message."""
    title = _(ERROR_TITLES.get(status, ERROR_TITLES[500]))
    if message is None:
        message = {
            404: _("The address may be mistyped, or the page has moved. Check it, or start from the home page."),
            413: _("Choose a smaller file and send it again."),
            429: _("Wait a minute, then try again."),
        }.get(status, _("Go back and try again. If it happens again, call the hotline shown below."))
    response = Response(render_template("pages/error.html", title=title, message=message, layout=layout), status)
    return response


def _check_csrf() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def finish_page(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "private, no-cache")
    response.vary.add("Cookie")
    if request.args.get("lang") and supported(request.args["lang"]):
        remember_locale(response, supported(request.args["lang"]))
    return compress(response)


def compress(response: Response) -> Response:
    accepts = "gzip" in request.headers.get("Accept-Encoding", "")
    if (
        not accepts
        or response.direct_passthrough
        or response.status_code != 200
        or "Content-Encoding" in response.headers
        or not (response.mimetype or "").startswith("text/")
    ):
        return response
    body = response.get_data()
    if len(body) < GZIP_MIN_BYTES:
        return response
    response.set_data(_gzipped(body))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


# The same bytes compress to the same bytes: a page shared by every visitor (motcua_portal.shared_pages) is
# compressed once, not on each request (a quarter of such a request's CPU). Bounded in entries, not bytes:
# pages are tens of kilobytes, so a few megabytes per worker at most.
@functools.lru_cache(maxsize=128)
def _gzipped(body: bytes) -> bytes:
    return gzip.compress(body, 6)


def remember_locale(response: Response, locale: str) -> None:
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=LOCALE_COOKIE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )


def field_errors(errors: dict, prefix: str = "") -> dict[str, list[str]]:
    """A service's errors (``ServiceError.errors``) as the form macros show them: a list of messages per
    field; a nested object's fields are named ``<object>_<field>`` (``admin.password`` is ``admin_password``)."""
    found: dict[str, list[str]] = {}
    for name, messages in errors.items():
        if isinstance(messages, dict):
            found.update(field_errors(messages, f"{prefix}{name}_"))
        else:
            found[prefix + name] = [str(m) for m in (messages if isinstance(messages, list) else [messages])]
    return found


def safe_next(target: str | None, fallback: str = "/") -> str:
    """A path on this host to go back to; anything else (another host, a scheme) is the fallback."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


switch = Blueprint("language", __name__)

# "/" is the province's home page on a tenant host and the product page on the platform host: one URL rule
# (Werkzeug matches paths, not hosts), and the view of the host's realm behind it (``front_page``).
front = PageBlueprint("front", __name__, realm=None)
FRONT_PAGES: dict[str, Callable[[], object]] = {}


def front_page(realm: str):
    """Make the decorated view the "/" of hosts of ``realm`` ("tenant" or "platform")."""

    def register(view):
        FRONT_PAGES[realm] = view
        return view

    return register


@front.get("/")
def index():
    from motcua_platform.tenancy import PLATFORM
    from motcua_platform.web.context import site

    view = FRONT_PAGES.get("platform" if site() == PLATFORM else "tenant")
    if view is None:
        abort(404)
    return view()


@switch.get("/language/<code>")
def choose_language(code: str):
    """The language switch: remembered in a cookie for a year, then back to the page it was used on."""
    response = redirect(safe_next(request.args.get("next")), 303)
    locale = supported(code)
    if locale:
        remember_locale(response, locale)
    return response


def csrf_failed(error: CSRFError):
    return render_template("pages/csrf_error.html", layout=_layout_of_request()), 400


def _layout_of_request() -> str:
    """The layout of the page's own area; for an address no page answers (a 404), the layout of the
    host's realm, so that a mistyped address on a province's portal still shows the portal (its name,
    menu and contacts) and a way on."""
    from flask import current_app, g

    from motcua_platform.tenancy import PLATFORM, TenantInfo

    blueprint = current_app.blueprints.get(request.blueprint or "")
    if blueprint is None:
        host = g.get("site")
        realm = "tenant" if isinstance(host, TenantInfo) else "platform" if host == PLATFORM else None
        for candidate in current_app.blueprints.values():
            if isinstance(candidate, PageBlueprint) and realm is not None and candidate.realm == realm:
                return candidate.layout
    return getattr(blueprint, "layout", "pages/base.html")


def not_found(error: HTTPException):
    """An unknown address: an HTML page for a browser outside the API, the API's JSON otherwise."""
    wants_html = request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"
    if request.path.startswith("/api/") or not wants_html:
        return http_error_response(error)
    return finish_page(error_page(error.code or 404, None, _layout_of_request()))
