"""The province's procedure catalogue: search it (words, field, paging), open a procedure (its versions and
the fields it overrides), edit the overrides into a draft, publish the draft or withdraw the procedure, and
compare a plugin's procedure with the plugin's current definition side by side (the drift).

The same services, rule and audit records as the catalogue API (``catalogue/api.py``): ``search.search``,
``versions``, ``revise``, ``publish``, ``retire``, ``drift``, ``drift_diff``,
``apply_plugin_update``; a tenant admin of the
province (``province_principal``); a change bumps the catalogue's version after the commit
(``content_changed("catalogue")``) as the API's does."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_smorest.pagination import PaginationParameters
from motcua_onestop.catalogue import search, services
from motcua_onestop.catalogue.models import OVERRIDABLE, ProcedureStatus
from motcua_platform.directory.content import content_changed
from motcua_platform.errors import InvalidInput
from motcua_platform.plugins.definitions import OnlineMode, TimeUnit
from motcua_platform.plugins.engine import active
from motcua_platform.web.context import current_tenant, tenant_context, tenant_session

from motcua_console import session
from motcua_console.blueprint import console
from motcua_console.config_access import province_admin_required
from motcua_console.labels import N_

PAGE_SIZE = 20
QUERY_MAX = 200
FIELD_NAMES = {
    "code": N_("Code"),
    "name_vi": N_("Name (Vietnamese)"),
    "name_en": N_("Name (English)"),
    "field": N_("Field"),
    "level": N_("Level"),
    "competent_unit_kind": N_("Competent unit"),
    "time_limit_value": N_("Time limit"),
    "time_limit_unit": N_("Time limit unit"),
    "same_day_cutoff_hour": N_("Same-day cut-off hour"),
    "fees": N_("Fees"),
    "documents": N_("Documents"),
    "online_mode": N_("Online"),
    "legacy_level": N_("Former service level"),
    "result_document": N_("Result"),
    "legal_basis": N_("Legal basis"),
    "applicants": N_("Applicants"),
    "workflow": N_("Workflow"),
}
TIME_UNITS = {
    TimeUnit.HOURS: N_("hours"),
    TimeUnit.DAYS: N_("days"),
    TimeUnit.WORKING_DAYS: N_("working days"),
    TimeUnit.MONTHS: N_("months"),
}
ONLINE_MODES = {
    OnlineMode.FULL: N_("Fully online"),
    OnlineMode.PARTIAL: N_("Partly online"),
    OnlineMode.NONE: N_("Not online"),
}
STATUSES = {
    ProcedureStatus.DRAFT: N_("Draft"),
    ProcedureStatus.PUBLISHED: N_("Published"),
    ProcedureStatus.RETIRED: N_("Withdrawn"),
}


def _enabled() -> tuple[str, ...]:
    return tenant_context().enabled  # as the API's: plugins the province enabled that are loaded


def _changed() -> None:
    content_changed("catalogue")


def _labels() -> dict:
    return {
        "field_name": lambda name: _(FIELD_NAMES.get(name, name)),
        "unit_name": lambda unit: _(TIME_UNITS[unit]) if unit in TIME_UNITS else unit,
        "online_name": lambda mode: _(ONLINE_MODES[mode]) if mode in ONLINE_MODES else mode,
        "status_name": lambda status: _(STATUSES[status]) if status in STATUSES else status,
    }


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 10_000 else 1


@console.get("/catalogue")
@province_admin_required
def catalogue():
    q = (request.args.get("q") or "").strip()[:QUERY_MAX]
    field = (request.args.get("field") or "").strip()[:200]
    page = _page_number()
    db = tenant_session()
    pagination = PaginationParameters(page, PAGE_SIZE)
    rows = search.search(db, current_tenant(), _enabled(), {"q": q, "field": field}, pagination)
    pages = max(1, -(-pagination.item_count // PAGE_SIZE))
    return render_template(
        "console/config/catalogue.html",
        rows=rows,
        q=q,
        field=field,
        fields=[(name, f"{name} ({count})") for name, count in services.fields_of(db, _enabled())],
        total=pagination.item_count,
        page=page,
        pages=pages,
        page_url=lambda number: url_for("console.catalogue", q=q or None, field=field or None, page=number),
        drift={item.code: item for item in services.drift(db, active(), _enabled())},
        **_labels(),
    )


def _detail(code: str, *, errors: dict | None = None, values: dict | None = None, status: int = 200):
    rows = services.versions(tenant_session(), code)
    latest = rows[-1]
    shown = values if values is not None else _form_of(latest)
    page = render_template(
        "console/config/procedure.html",
        procedure=latest,
        versions=rows,
        draft=next((r for r in rows if r.status == ProcedureStatus.DRAFT), None),
        published=next((r for r in rows if r.status == ProcedureStatus.PUBLISHED), None),
        values=shown,
        errors=errors or {},
        units=[(unit.value, _(name)) for unit, name in TIME_UNITS.items()],
        modes=[(mode.value, _(name)) for mode, name in ONLINE_MODES.items()],
        overridable=OVERRIDABLE,
        **_labels(),
    )
    return page, status


def _fees_text(fees: list[dict]) -> str:
    return "\n".join(
        " | ".join(str(part) for part in (f["name"], f["amount"], f.get("per") or "") if part != "") for f in fees
    )


def _form_of(row) -> dict[str, str]:
    return {
        "time_limit_value": str(row.time_limit_value),
        "time_limit_unit": row.time_limit_unit,
        "same_day_cutoff_hour": "" if row.same_day_cutoff_hour is None else str(row.same_day_cutoff_hour),
        "online_mode": row.online_mode,
        "fees": _fees_text(row.fees),
    }


@console.get("/catalogue/<code>")
@province_admin_required
def procedure(code: str):
    return _detail(code)


def _whole(raw: str, name: str, errors: dict, *, blank_ok: bool = False) -> int | None:
    raw = raw.strip()
    if not raw and blank_ok:
        return None
    if raw.isascii() and raw.isdigit() and len(raw) <= 6:
        return int(raw)
    errors[name] = [_("Enter a whole number, 0 or more.")]
    return None


def _parse_fees(text: str, before: list[dict], errors: dict) -> list[dict]:
    """One fee a line, "name | amount in VND | per what" (the last part optional); a fee keeps the
    exemptions it had under the same name."""
    exemptions = {f["name"]: f.get("exemptions") or [] for f in before}
    fees: list[dict] = []
    for number, line in enumerate((raw for raw in text.splitlines() if raw.strip()), start=1):
        parts = [part.strip() for part in line.split("|")]
        amount = parts[1].replace(".", "").replace(",", "").replace(" ", "") if len(parts) > 1 else ""
        if len(parts) > 3 or not parts[0] or not (amount.isascii() and amount.isdigit() and len(amount) <= 12):
            errors.setdefault("fees", []).append(
                _("Line %(number)s: write “name | amount in VND | per what (optional)”.", number=number)
            )
            continue
        per = parts[2] if len(parts) > 2 and parts[2] else None
        fees.append({"name": parts[0], "amount": int(amount), "per": per, "exemptions": exemptions.get(parts[0], [])})
    return fees


@console.post("/catalogue/<code>")
@province_admin_required
def procedure_revise(code: str):
    """Edit the overrides into a draft, as ``PATCH /api/v1/procedures/<code>``."""
    db = tenant_session()
    latest = services.versions(db, code)[-1]
    values = {
        name: request.form.get(name) or ""
        for name in ("time_limit_value", "time_limit_unit", "same_day_cutoff_hour", "online_mode", "fees")
    }
    errors: dict[str, list[str]] = {}
    typed = {
        "time_limit_value": _whole(values["time_limit_value"], "time_limit_value", errors),
        "time_limit_unit": values["time_limit_unit"],
        "same_day_cutoff_hour": _whole(values["same_day_cutoff_hour"], "same_day_cutoff_hour", errors, blank_ok=True),
        "online_mode": values["online_mode"],
        "fees": _parse_fees(values["fees"], latest.fees, errors),
    }
    if errors:
        return _detail(code, errors=errors, values=values, status=422)
    changes = {name: value for name, value in typed.items() if value != getattr(latest, name)}
    if not changes:
        flash(_("Nothing changed: the procedure is as it was."), "info")
        return redirect(url_for("console.procedure", code=code), 303)
    try:
        row = services.revise(db, session.actor(), code, changes)
    except InvalidInput as error:
        messages = {name: [str(m) for m in found] for name, found in error.errors.items()}
        return _detail(code, errors=messages, values=values, status=422)
    _changed()
    flash(_("Saved as draft version %(version)s: publish it to apply it.", version=row.version), "success")
    return redirect(url_for("console.procedure", code=code), 303)


@console.post("/catalogue/<code>/publish")
@province_admin_required
def procedure_publish(code: str):
    """Publish the draft, as ``POST /api/v1/procedures/<code>/publish``; the version before is retired."""
    row = services.publish(tenant_session(), session.actor(), code)  # no draft: its 409
    _changed()
    flash(_("Version %(version)s is published.", version=row.version), "success")
    return redirect(url_for("console.procedure", code=code), 303)


@console.post("/catalogue/<code>/retire")
@province_admin_required
def procedure_retire(code: str):
    """Withdraw the published version, as ``POST /api/v1/procedures/<code>/retire``."""
    row = services.retire(tenant_session(), session.actor(), code)
    _changed()
    flash(_("Version %(version)s is withdrawn: citizens no longer see the procedure.", version=row.version), "success")
    return redirect(url_for("console.procedure", code=code), 303)


@console.post("/catalogue/<code>/apply-plugin-update")
@province_admin_required
def procedure_apply_update(code: str):
    """A draft with the plugin's current definition that keeps the province's overrides, as
    ``POST /api/v1/procedures/<code>/apply-plugin-update``."""
    row = services.apply_plugin_update(tenant_session(), session.actor(), active(), code)  # nothing to take: 409
    _changed()
    flash(
        _(
            "Draft version %(version)s takes the plugin's definition and keeps your overrides: publish it.",
            version=row.version,
        ),
        "success",
    )
    return redirect(url_for("console.procedure", code=code), 303)


@console.get("/catalogue/<code>/drift")
@province_admin_required
def procedure_drift(code: str):
    """The procedure beside its plugin's current definition, as ``GET /api/v1/catalogue/drift/<code>``."""
    diff = services.drift_diff(tenant_session(), active(), _enabled(), code)
    return render_template(
        "console/config/drift.html",
        diff=diff,
        changed=[f for f in diff.fields if f.changed],
        same=[f for f in diff.fields if not f.changed],
        update_available=any(f.plugin_changed for f in diff.fields),
        **_labels(),
    )
