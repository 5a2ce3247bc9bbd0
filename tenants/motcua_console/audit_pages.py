"""The province's audit trail, newest first, for the roles the API lets read it (``GET
/api/v1/tenant-audit``: tenant admins): filtered by action, actor, target and days, in pages, each event
said in words (who, when, what, on what) with its recorded details."""

from __future__ import annotations

import datetime as dt
import json

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_smorest.pagination import PaginationParameters
from motcua_onestop.units.models import Unit
from motcua_platform.audit.services import TenantAuditFilter, tenant_audit_query
from motcua_platform.auth.models import StaffAccount
from motcua_platform.web.context import runtime, tenant_session
from motcua_platform.web.pagination import paginate
from sqlalchemy import select

from motcua_console import admin_labels
from motcua_console.admin_access import admin_required
from motcua_console.blueprint import console

PAGE_SIZE = 50


def _day(name: str, errors: dict) -> dt.date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        return None


def who(actor: str) -> str:
    """``staff:12:lan@…`` as a person reads it: the login (or the system's part) without the codes."""
    kind, _sep, rest = actor.partition(":")
    _ident, _sep, label = rest.partition(":")
    if kind in ("staff", "operator", "citizen") and label:
        return label
    if kind == "cli":
        return _("%(user)s (command line)", user=rest)
    return rest or actor


def who_is(actor: str) -> str:
    """The actor's part a person reads, as ``who`` but naming the system's own actions."""
    if actor.startswith("system:"):
        return _("The system (%(part)s)", part=actor.partition(":")[2])
    return who(actor)


def target_names(db, events) -> dict[str, str]:
    """The names of the staff accounts and units the events are about, by target (``staff:12``)."""
    ids: dict[str, set[int]] = {"staff": set(), "unit": set()}
    for event in events:
        kind, _sep, ident = (event.target or "").partition(":")
        if kind in ids and ident.isascii() and ident.isdigit() and len(ident) < 19:
            ids[kind].add(int(ident))
    names = {}
    for kind, model, column in (("staff", StaffAccount, StaffAccount.full_name), ("unit", Unit, Unit.name)):
        if ids[kind]:
            rows = db.execute(select(model.id, column).where(model.id.in_(ids[kind])))
            names.update({f"{kind}:{row_id}": name for row_id, name in rows})
    return names


def detail_text(value) -> str:
    """A recorded detail as text (lists and objects as JSON, Vietnamese letters kept)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


@console.get("/admin/audit")
@admin_required
def audit():
    errors: dict[str, list[str]] = {}
    typed = {
        name: (request.args.get(name) or "").strip()[:200] for name in ("action", "actor", "target", "since", "until")
    }
    since, until = _day("since", errors), _day("until", errors)
    if since and until and until < since:
        errors["until"] = [_("The last day must not be before the first.")]
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10_000 else 1
    rows, pages = [], 1
    if not errors:
        filters = TenantAuditFilter(
            action=typed["action"] or None,
            actor=typed["actor"] or None,
            target=typed["target"] or None,
            since=since,
            until=until,
        )
        pagination = PaginationParameters(page, PAGE_SIZE)
        rows = paginate(
            tenant_session(), tenant_audit_query(filters), pagination, count_cap=runtime().config.list_count_cap
        )
        pages = max(1, -(-pagination.item_count // PAGE_SIZE))
    actions = sorted(((code, admin_labels.action(code)) for code in admin_labels.ACTIONS), key=lambda item: item[1])
    args = {name: value for name, value in typed.items() if value}
    page_html = render_template(
        "console/admin/audit.html",
        events=rows,
        who=who_is,
        target_names=target_names(tenant_session(), rows),
        detail_text=detail_text,
        values=typed,
        errors=errors,
        actions=actions,
        page=page,
        pages=pages,
        page_url=lambda number: url_for("console.audit", **args, page=number),
    )
    return page_html, 422 if errors else 200
