"""The province's audit trail, newest first, for the roles the API lets read it (``GET
/api/v1/tenant-audit``: tenant admins): filtered by action, actor, target and days, in pages, each event
said in words (who, when, what, on what) with its recorded details."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_smorest.pagination import PaginationParameters
from motcua_platform.audit.services import TenantAuditFilter, tenant_audit_query
from motcua_platform.web.context import runtime, tenant_session
from motcua_platform.web.pagination import paginate

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
        who=who,
        values=typed,
        errors=errors,
        actions=actions,
        page=page,
        pages=pages,
        page_url=lambda number: url_for("console.audit", **args, page=number),
    )
    return page_html, 422 if errors else 200
