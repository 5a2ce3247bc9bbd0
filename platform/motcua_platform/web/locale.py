"""The language and time zone of a request, for Flask-Babel and for the kernel's messages
(``motcua_platform.i18n``): pages, API messages and formatted dates, numbers and money all follow them.

The language, first match wins: ``?lang=`` on the request (the portal's switch links), the
``motcua_lang`` cookie the switch sets (remembered for a year), the browser's ``Accept-Language``, then
the province's own locale (``TenantContext.locale``), then Vietnamese. The time zone is the province's.
Catalogues live in each area's ``translations/`` folder (``Areas.translations``) and are merged into one
by ``i18n.translations``, which Flask-Babel reads too (``CatalogueDomain``): one loader for both.

Each request makes its language the kernel's current one (``i18n.set_locale``) before anything else runs,
and again once its province is known, so a ``ServiceError``'s lazy message rendered inside the request
(``str(error.message)``, the error body) is in the request's language.
"""

from __future__ import annotations

import contextlib

from flask import Flask, g, request
from flask_babel import Babel, Domain, get_locale

from motcua_platform import i18n
from motcua_platform.tenancy import TenantInfo

SUPPORTED_LOCALES = i18n.SUPPORTED_LOCALES
DEFAULT_LOCALE = i18n.DEFAULT_LOCALE
DEFAULT_TIMEZONE = i18n.DEFAULT_TIMEZONE
LOCALE_COOKIE = "motcua_lang"
LOCALE_COOKIE_SECONDS = 365 * 24 * 3600

supported = i18n.supported


def requested_locale() -> str | None:
    """What the request itself asks for: ``?lang=``, the cookie, then the browser's languages."""
    chosen = supported(request.args.get("lang")) or supported(request.cookies.get(LOCALE_COOKIE))
    return chosen or request.accept_languages.best_match(SUPPORTED_LOCALES)


def select_locale() -> str:
    # read once per request (start_request keeps it): the site's turn comes only when it asks for nothing
    requested = g.locale_requested if "locale_requested" in g else requested_locale()
    if requested:
        return requested
    site = g.get("site")
    if isinstance(site, TenantInfo):
        return supported(site.locale) or DEFAULT_LOCALE
    return DEFAULT_LOCALE


def select_timezone() -> str:
    site = g.get("site")
    return site.timezone if isinstance(site, TenantInfo) else DEFAULT_TIMEZONE


def translation_directories() -> list[str]:
    """Every installed area's ``translations/`` folder, the kernel's first."""
    return list(i18n.translation_directories())


class CatalogueDomain(Domain):
    """Flask-Babel's ``gettext`` (templates, ``flask_babel.gettext``) reads the kernel's merged catalogues."""

    def get_translations(self):
        locale = get_locale()
        return i18n.translations(str(locale)) if locale is not None else i18n.translations(DEFAULT_LOCALE)


def _catalogue():
    return i18n.translations(i18n.current_locale())


def install_template_gettext(app: Flask) -> None:
    """Templates' ``_``/``gettext``/``ngettext`` read the request's language (the kernel's current one, set
    from the same ``select_locale``) and the merged catalogues directly. Flask-Babel's own callables look
    up its context, domain and locale on every message: on a list page of the portal that was a third of
    the time spent drawing it. Jinja's "newstyle" wrapping (escaping, ``%(name)s`` parameters) is kept."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
        newstyle=True,
    )


def start_request() -> None:
    """Before anything else: the request's language as far as it is known without its province."""
    g.locale_requested = requested_locale()
    g.locale_token = i18n.set_locale(select_locale())


def site_resolved() -> None:
    """Once ``g.site`` is set: the province's locale now counts too, where the request asks for none."""
    if not g.get("locale_requested"):
        i18n.set_locale(select_locale())


def end_request(_exc: BaseException | None = None) -> None:
    token = g.pop("locale_token", None)
    if token is not None:
        # set in another context (a preserved test request): that context keeps it
        with contextlib.suppress(ValueError):
            i18n.reset_locale(token)


def install(app: Flask) -> None:
    app.config.update(
        BABEL_DEFAULT_LOCALE=DEFAULT_LOCALE,
        BABEL_DEFAULT_TIMEZONE=DEFAULT_TIMEZONE,
        BABEL_TRANSLATION_DIRECTORIES=";".join(translation_directories()),
    )
    babel = Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    babel.domain_instance = CatalogueDomain()
    install_template_gettext(app)
    app.before_request(start_request)
    app.teardown_request(end_request)
