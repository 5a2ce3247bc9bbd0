"""The vendor audit trail (as ``GET /api/v1/audit``, the same query): newest first, filtered by tenant,
action or operator, a page at a time."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_smorest.pagination import PaginationParameters
from motcua_platform.audit.models import ControlAuditEvent
from motcua_platform.audit.services import platform_events
from motcua_platform.auth import services as auth
from motcua_platform.web.context import control_session, runtime
from motcua_platform.web.pagination import paginate
from motcua_tenants.registry import services as registry
from sqlalchemy import select

from motcua_console.operator import nav
from motcua_console.operator.auth_pages import operator_required
from motcua_console.operator.blueprint import operator

PAGE_SIZE = 50


def _arg(name: str, limit: int) -> str:
    return (request.args.get(name) or "").strip()[:limit]


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 100_000 else 1


@operator.get("/audit")
@operator_required(*nav.AUDITORS)
def audit():
    filters = {"tenant": _arg("tenant", 30), "action": _arg("action", 100), "actor": _arg("actor", 40)}
    db = control_session()
    page = _page_number()
    pagination = PaginationParameters(page, PAGE_SIZE)
    query = platform_events(**{name: value or None for name, value in filters.items()})
    events = paginate(db, query, pagination, count_cap=runtime().config.list_count_cap)
    actions = db.scalars(select(ControlAuditEvent.action).distinct().order_by(ControlAuditEvent.action)).all()
    return render_template(
        "console/operator/audit.html",
        events=events,
        filters=filters,
        tenants=[(t.slug, t.display_name) for t in registry.list_tenants(db)],
        actions=[(a, a) for a in actions],
        operators=[(f"operator:{o.id}", f"{o.full_name} ({o.email})") for o in auth.list_operators(db)],
        total=pagination.item_count,
        page=page,
        pages=max(1, -(-pagination.item_count // PAGE_SIZE)),
        page_url=lambda number: url_for("operator.audit", **{k: v for k, v in filters.items() if v}, page=number),
    )
