"""Home, catalogue search and the procedure page: public, cached where the API caches the same reads."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_smorest.pagination import PaginationParameters
from motcua_onestop.calendar.services import today
from motcua_onestop.catalogue import receiving, search
from motcua_onestop.catalogue import services as catalogue
from motcua_onestop.dossiers import popular
from motcua_platform.cache import TTLCache
from motcua_platform.pages.blueprint import front_page
from motcua_platform.pages.paging import page_number
from motcua_platform.web.context import current_tenant, tenant_context, tenant_session

from motcua_portal import faq_pages, labels
from motcua_portal.blueprint import portal
from motcua_portal.shared_pages import shared

PAGE_SIZE = 20
FILTERS = ("field", "level", "online_mode")
# The home page's lists per (tenant, catalogue version, plugins): they change with the catalogue, and
# "most used" drifts slowly enough for five minutes.
HOME_CACHE = TTLCache(max_entries=1024, ttl=300)


def _enabled() -> tuple[str, ...]:
    return tenant_context().enabled


def _cached(name: str, read):
    info = current_tenant()
    key = (name, info.slug, info.catalogue_version, tuple(info.plugins))
    value = HOME_CACHE.get(key)
    if value is None:
        value = read(tenant_session(), _enabled())
        HOME_CACHE.put(key, value)
    return value


def _fields() -> list[tuple[str, int]]:
    return _cached("fields", catalogue.fields_of)


@front_page("tenant")
def home():
    return shared("home", _render_home)


def _render_home() -> str:
    most_used = _cached("most_used", popular.most_used)
    return render_template("portal/home.html", fields=_fields(), most_used=most_used)


@portal.get("/procedures")
def procedures():
    # Deep pages are drawn each time, as their results are searched each time: few people read them.
    return shared("procedures", _render_procedures, keep=page_number() <= search.CACHED_PAGES)


def _render_procedures() -> str:
    args = {name: (request.args.get(name) or "").strip()[:200] for name in ("q", *FILTERS)}
    if args["level"] not in labels.LEVELS:
        args["level"] = ""
    if args["online_mode"] not in labels.ONLINE_MODES:
        args["online_mode"] = ""
    page = page_number()
    pagination = PaginationParameters(page, PAGE_SIZE)
    results = search.search(tenant_session(), current_tenant(), _enabled(), args, pagination)
    pages = max(1, -(-pagination.item_count // PAGE_SIZE))
    field_options = [(name, f"{name} ({count})") for name, count in _fields()]

    def page_url(number: int) -> str:
        return url_for("site.procedures", **{k: v for k, v in args.items() if v}, page=number)

    return render_template(
        "portal/procedures.html",
        args=args,
        cards=cards(results),
        total=pagination.item_count,
        page=page,
        pages=pages,
        page_url=page_url,
        field_options=field_options,
        level_options=[(code, labels.label(labels.LEVELS, code)) for code in labels.LEVELS],
        online_options=[(code, labels.label(labels.ONLINE_MODES, code)) for code in labels.ONLINE_MODES],
    )


TAG_CLASSES = {"full": "tag-ok", "partial": "tag-warn"}
CODE_SLOT = "__code__"


def cards(rows: list[dict]) -> list[dict[str, str]]:
    """What each search result shows, as plain strings: the labels translated once for the page, not
    through a template helper per card (drawing 20 cards was half the page's cost)."""
    levels = {code: labels.label(labels.LEVELS, code) for code in labels.LEVELS}
    modes = {code: labels.label(labels.ONLINE_MODES, code) for code in labels.ONLINE_MODES}
    # one url_for for the page, each code quoted as the route's converter quotes it (url_for per card was a
    # twentieth of a page drawn anew)
    before, _, after = url_for("site.procedure", code=CODE_SLOT).partition(CODE_SLOT)
    url_map = current_app.url_map
    to_url = url_map.converters["default"](url_map).to_url  # the route's <code>, quoted as url_for quotes it
    return [
        {
            "href": before + to_url(row["code"]) + after,
            "name": labels.procedure_name(row),
            "meta": " · ".join(
                (
                    row["field"],
                    levels.get(row["level"], row["level"] or ""),
                    labels.time_limit(row["time_limit_value"], row["time_limit_unit"]),
                )
            ),
            "tag": modes.get(row["online_mode"], row["online_mode"] or ""),
            "tag_class": TAG_CLASSES.get(row["online_mode"], ""),
        }
        for row in rows
    ]


@portal.get("/procedures/<code>")
def procedure(code: str):
    session = tenant_session()
    row = catalogue.get_procedure(session, code, _enabled())
    units = receiving.receiving_units(session, row, today())
    questions, question_count = faq_pages.about_procedure(row.code)
    return render_template(
        "portal/procedure.html", procedure=row, units=units, questions=questions, question_count=question_count
    )
