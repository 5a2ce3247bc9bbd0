"""The language and time zone of a request, for Flask-Babel: pages, API messages and formatted dates,
numbers and money all follow them.

The language, first match wins: ``?lang=`` on the request (the portal's switch links), the
``motcua_lang`` cookie the switch sets (remembered for a year), the browser's ``Accept-Language``, then
the province's own locale (``TenantContext.locale``), then Vietnamese. The time zone is the province's.
Catalogues live in each area's ``translations/`` folder (``Areas.translations``) and are merged into one.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from flask import Flask, g, request
from flask_babel import Babel

from motcua_platform import areas
from motcua_platform.tenancy import TenantInfo

SUPPORTED_LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
LOCALE_COOKIE = "motcua_lang"
LOCALE_COOKIE_SECONDS = 365 * 24 * 3600


def supported(value: str | None) -> str | None:
    """``value`` if it names a supported language (``"en"``, ``"en-GB"`` → ``"en"``), else None."""
    if not value:
        return None
    language = value.strip().lower().replace("_", "-").split("-")[0]
    return language if language in SUPPORTED_LOCALES else None


def select_locale() -> str:
    chosen = supported(request.args.get("lang")) or supported(request.cookies.get(LOCALE_COOKIE))
    if chosen:
        return chosen
    browser = request.accept_languages.best_match(SUPPORTED_LOCALES)
    if browser:
        return browser
    site = g.get("site")
    if isinstance(site, TenantInfo):
        return supported(site.locale) or DEFAULT_LOCALE
    return DEFAULT_LOCALE


def select_timezone() -> str:
    site = g.get("site")
    return site.timezone if isinstance(site, TenantInfo) else DEFAULT_TIMEZONE


def translation_directories() -> list[str]:
    """Every installed area's ``translations/`` folder, the kernel's first."""
    packages = ("motcua_platform", *areas.installed().translations)
    return [str(Path(importlib.import_module(name).__file__).parent / "translations") for name in packages]


def install(app: Flask) -> None:
    app.config.update(
        BABEL_DEFAULT_LOCALE=DEFAULT_LOCALE,
        BABEL_DEFAULT_TIMEZONE=DEFAULT_TIMEZONE,
        BABEL_TRANSLATION_DIRECTORIES=";".join(translation_directories()),
    )
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
