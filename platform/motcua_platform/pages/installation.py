"""Installs the page base on the app: cookie sessions, CSRF, the kernel's own pages (assets, the province's
colours, the language switch, the front page), the HTML error pages and the templates' helpers."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFError

from motcua_platform import i18n
from motcua_platform.pages import assets, brand, formatting
from motcua_platform.pages.blueprint import csrf, csrf_failed, front, not_found, switch
from motcua_platform.web.locale import SUPPORTED_LOCALES


def install(app: Flask, *, secure_cookies: bool) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="motcua_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        WTF_CSRF_CHECK_DEFAULT=False,  # only pages are checked (PageBlueprint); the API uses bearer tokens
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session: a slow form is not refused
        WTF_CSRF_SSL_STRICT=False,  # the Origin/Referer host check below the TLS proxy is SameSite's job
    )
    csrf.init_app(app)
    app.register_blueprint(assets.blueprint)
    app.register_blueprint(brand.blueprint)
    app.register_blueprint(switch)
    app.register_blueprint(front)
    app.register_error_handler(CSRFError, csrf_failed)
    app.register_error_handler(404, not_found)
    app.register_error_handler(405, not_found)
    app.jinja_env.globals.update(
        asset_url=assets.ASSETS.url,
        brand_css_url=brand.brand_css_url,
        supported_locales=SUPPORTED_LOCALES,
        current_locale=i18n.current_locale,  # the language the page's messages are in (web.locale)
    )
    app.jinja_env.filters.update(formatting.FILTERS)
