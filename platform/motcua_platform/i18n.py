"""Messages and locale, free of Flask: services, jobs and the CLI use this module; the web layer
(``web.locale``) sets the language per request and hands Flask-Babel the same catalogues.

* ``_("No dossier %(code)s.", code=code)`` is a *lazy* message: an English msgid and its parameters,
  translated when it is rendered (``str()``, ``%``, JSON) into the language current at that moment.
  Services raise ``ServiceError(_("…"))`` long before anybody knows who will read the message.
* ``gettext(…)`` translates at once, for text built where the language is already set (a validator run
  inside a request, a notification rendered under ``use_locale(tenant.locale)``).
* The current language is a ContextVar: ``web.locale`` sets it for each request (``?lang=``, the
  ``motcua_lang`` cookie, ``Accept-Language``, the province's locale, Vietnamese); a job or a command
  that writes for a tenant's people renders under ``use_locale(context.locale)``. Unset, it is Vietnamese.
* Catalogues: each package that owns messages has a ``translations/<lang>/LC_MESSAGES/messages.po``
  (and its compiled ``.mo``); the kernel's and every package in ``Areas.translations`` are merged into one
  ``babel.support.Translations`` per language, loaded once per process (``translations``). Flask-Babel's
  ``gettext`` in templates reads the same object (``web.locale.CatalogueDomain``).
* ``vnd``, ``format_datetime``, ``format_date`` and ``format_number`` format with Babel in the current
  (or a given) language and the Vietnam time zone, or the tenant's.

docs/decisions/0025-messages-and-locale.md tells how to add a message and update the catalogues.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates, numbers
from babel.support import LazyProxy, NullTranslations, Translations

from motcua_platform import areas

SUPPORTED_LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
DOMAIN = "messages"

_current: ContextVar[str | None] = ContextVar("motcua_locale", default=None)


def supported(value: str | None) -> str | None:
    """``value`` if it names a supported language (``"en"``, ``"en-GB"``, ``"en_US"`` → ``"en"``), else None."""
    if not value:
        return None
    language = value.strip().lower().replace("_", "-").split("-")[0]
    return language if language in SUPPORTED_LOCALES else None


def current_locale() -> str:
    """The language messages are rendered in now (Vietnamese unless a request, job or command set one)."""
    return _current.get() or DEFAULT_LOCALE


def set_locale(locale: str | None) -> Token:
    """Make ``locale`` (a supported language, else Vietnamese) current; ``reset_locale(token)`` undoes it."""
    return _current.set(supported(locale) or DEFAULT_LOCALE)


def reset_locale(token: Token) -> None:
    _current.reset(token)


@contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """Render in ``locale`` within the block (a tenant's people read its locale, whoever made the change)."""
    token = set_locale(locale)
    try:
        yield current_locale()
    finally:
        reset_locale(token)


# -- catalogues ----------------------------------------------------------------------------------
def translation_directories() -> tuple[str, ...]:
    """Every installed area's ``translations/`` folder, the kernel's first."""
    return _directories(("motcua_platform", *areas.installed().translations))


@functools.cache
def _directories(packages: tuple[str, ...]) -> tuple[str, ...]:
    # Cached: every translated message asks for the catalogue, and building these paths (import lookup,
    # pathlib) cost more than the rest of a rendered page (~4.5 ms of 6.8 on the portal's search page).
    return tuple(str(Path(importlib.import_module(name).__file__).parent / "translations") for name in packages)


@functools.cache
def _load(locale: str, directories: tuple[str, ...]) -> NullTranslations:
    # The first catalogue found is the base: merge() adds messages but keeps the receiver's plural rule,
    # and an empty Translations() would give every language English's (n != 1).
    merged: NullTranslations | None = None
    for directory in directories:
        catalogue = Translations.load(directory, [locale], DOMAIN)
        if not isinstance(catalogue, Translations):  # a folder without this language gives NullTranslations
            continue
        if merged is None:
            merged = catalogue
        else:
            merged.merge(catalogue)
    return merged or Translations(domain=DOMAIN)


def translations(locale: str) -> NullTranslations:
    """The merged catalogues of ``locale``, loaded once per process: the one loader of the platform."""
    return _load(supported(locale) or DEFAULT_LOCALE, translation_directories())


def gettext(msgid: str, /, **params: Any) -> str:
    """``msgid`` translated into the current language now, with ``%(name)s`` parameters filled in (lazy
    messages among them rendered in the same language)."""
    text = translations(current_locale()).gettext(msgid)
    if not params:
        return text
    return text % {name: str(value) if isinstance(value, LazyProxy) else value for name, value in params.items()}


def _(msgid: str, /, **params: Any) -> LazyProxy:
    """A lazy message: ``msgid`` and its parameters, translated each time it is rendered (``str()``)."""
    return LazyProxy(gettext, msgid, enable_cache=False, **params)


lazy_gettext = _


def render(value: Any) -> Any:
    """``value`` with every lazy message in it (also inside dicts, lists and tuples) rendered now."""
    if isinstance(value, LazyProxy):
        return str(value)
    if isinstance(value, Mapping):
        return {render(key): render(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [render(item) for item in value]
    return value


# -- numbers, money and dates -------------------------------------------------------------------
def format_number(value: int | Decimal, locale: str | None = None) -> str:
    """1188000 → '1.188.000' (vi), '1,188,000' (en); every decimal digit kept: 1234.5678 → '1.234,5678' (vi)."""
    return numbers.format_decimal(value, locale=supported(locale) or current_locale(), decimal_quantization=False)


def vnd(amount: int, locale: str | None = None) -> str:
    """An amount of đồng as people read it, without the unit (messages say "đồng" or "VND" themselves):
    1188000000 → '1.188.000.000' (vi), '1,188,000,000' (en)."""
    return format_number(int(amount), locale)


def _zone(timezone: str | dt.tzinfo | None) -> dt.tzinfo:
    if timezone is None:
        return ZoneInfo(DEFAULT_TIMEZONE)
    return ZoneInfo(timezone) if isinstance(timezone, str) else timezone


# Patterns of the forms people read on this platform; other languages take Babel's medium formats.
DATETIME_PATTERNS = {"vi": "HH:mm 'ngày' dd/MM/yyyy", "en": "HH:mm 'on' d MMM yyyy"}
DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}


def format_datetime(
    moment: dt.datetime,
    locale: str | None = None,
    timezone: str | dt.tzinfo | None = None,
    *,
    pattern: str | None = None,
) -> str:
    """An instant as people read it, in the tenant's time zone (Vietnam's by default): '16:07 ngày
    05/03/2026' (vi), '16:07 on 5 Mar 2026' (en); ``pattern`` (a Babel/CLDR pattern) for a document that
    has its own, such as the legal forms' "09 giờ 30, ngày 05/03/2026"."""
    language = supported(locale) or current_locale()
    local = moment.astimezone(_zone(timezone))
    chosen = pattern or DATETIME_PATTERNS.get(language, "medium")
    return dates.format_datetime(local, chosen, tzinfo=local.tzinfo, locale=language)


def format_date(day: dt.date | dt.datetime, locale: str | None = None, timezone: str | dt.tzinfo | None = None) -> str:
    """A day as people read it: '05/03/2026' (vi), '5 Mar 2026' (en); an instant is first taken to the
    time zone."""
    language = supported(locale) or current_locale()
    if isinstance(day, dt.datetime):
        day = day.astimezone(_zone(timezone)).date()
    return dates.format_date(day, DATE_PATTERNS.get(language, "medium"), locale=language)
