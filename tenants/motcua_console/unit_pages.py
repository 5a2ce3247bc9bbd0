"""The province's unit tree for its admins: the subtrees the caller administers, nested; create a unit,
rename, re-code, move or close one (``valid_to``). Everything goes through ``units.services`` as the units
API does (``POST /api/v1/units``, ``PATCH /api/v1/units/<id>``), so the kind rules (``PARENT_KINDS``: a
province service centre never under a commune…), the admin's reach and the audit are the API's; a refusal
is shown next to the field it is about."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_onestop.units import services as units
from motcua_onestop.units.models import Unit, UnitKind
from motcua_platform.directory.content import content_changed
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.web.context import tenant_session

from motcua_console import admin_labels, session
from motcua_console.admin_access import admin_required, admin_units
from motcua_console.blueprint import console

FIELDS = ("kind", "code", "name", "parent_id", "valid_from", "valid_to")


def _managed(db) -> tuple[list[dict], dict[int, Unit]]:
    """The caller's subtrees as nested nodes ``{"unit", "children"}`` and every unit in them by id."""
    covered = units.subtree_ids(db, admin_units())
    rows = [row for row in units.list_units(db, units.UnitFilter()) if row.id in covered]
    nodes = {row.id: {"unit": row, "children": []} for row in rows}
    roots = []
    for row in rows:
        (nodes[row.parent_id]["children"] if row.parent_id in nodes else roots).append(nodes[row.id])
    return roots, {row.id: row for row in rows}


def _parent_options(by_id: dict[int, Unit], exclude: set[int] = frozenset()) -> list[tuple[int, str]]:
    return [
        (unit_id, f"{unit.name} ({admin_labels.kind(unit.kind)}, {unit.code})")
        for unit_id, unit in by_id.items()
        if unit_id not in exclude
    ]


def _kind_options() -> list[tuple[str, str]]:
    return [(kind.value, admin_labels.kind(kind.value)) for kind in UnitKind if kind != UnitKind.PROVINCE]


@console.get("/admin/units")
@admin_required
def units_tree():
    roots, _by_id = _managed(tenant_session())
    return render_template("console/admin/units.html", roots=roots, today=dt.date.today())


def _read_form() -> tuple[dict, dict, dict[str, list[str]]]:
    """The form as typed (to show again) and as the service takes it, with what cannot even be parsed."""
    typed = {name: (request.form.get(name) or "").strip() for name in FIELDS}
    values: dict = {}
    errors: dict[str, list[str]] = {}
    for name in ("kind", "code", "name"):
        if typed[name]:
            values[name] = typed[name][:300]
    raw = typed["parent_id"]
    if raw:
        if raw.isascii() and raw.isdigit() and len(raw) < 19:
            values["parent_id"] = int(raw)
        else:
            errors["parent_id"] = [_("Choose the parent unit.")]
    for name in ("valid_from", "valid_to"):
        if typed[name]:
            try:
                values[name] = dt.date.fromisoformat(typed[name])
            except ValueError:
                errors[name] = [_("Enter a date as YYYY-MM-DD.")]
    return typed, values, errors


def _form(template_values: dict, errors: dict, *, unit: Unit | None, status: int = 200):
    db = tenant_session()
    _roots, by_id = _managed(db)
    exclude = units.subtree_ids(db, {unit.id}) if unit is not None else set()
    if unit is not None and unit.parent_id is not None and unit.parent_id not in by_id:
        # the top of a scoped admin's reach: its parent is above them, yet it is where the unit stays
        by_id = {unit.parent_id: units.get_unit(db, unit.parent_id), **by_id}
    page = render_template(
        "console/admin/unit_form.html",
        unit=unit,
        values=template_values,
        errors=errors,
        kinds=_kind_options(),
        parents=_parent_options(by_id, exclude),
    )
    return page, status


def _problems(error: InvalidInput) -> dict[str, list[str]]:
    return {name: [str(m) for m in (ms if isinstance(ms, list) else [ms])] for name, ms in error.errors.items()}


@console.route("/admin/units/new", methods=["GET", "POST"])
@admin_required
def unit_new():
    if request.method == "GET":
        return _form({"parent_id": request.args.get("parent", "")}, {}, unit=None)
    typed, values, errors = _read_form()
    for name, message in (("kind", _("Choose the kind of unit.")), ("code", _("Enter the unit's code."))):
        if name not in values:
            errors.setdefault(name, [message])
    if "name" not in values:
        errors["name"] = [_("Enter the unit's name.")]
    if "parent_id" not in values:
        errors.setdefault("parent_id", [_("Choose the parent unit.")])
    if errors:
        return _form(typed, errors, unit=None, status=422)
    db = tenant_session()
    try:
        unit = units.create_unit(db, session.actor(), admin_units(), **values)
    except InvalidInput as error:
        return _form(typed, _problems(error), unit=None, status=422)
    content_changed("units")
    flash(_("The unit “%(name)s” is created.", name=unit.name), "success")
    return redirect(url_for("console.units_tree"), 303)


def _editable(unit_id: int) -> Unit:
    """A unit of the caller's subtrees (any other is a 404 here, as it is not on their tree)."""
    db = tenant_session()
    unit = db.get(Unit, unit_id)
    if unit is None or unit.id not in units.subtree_ids(db, admin_units()):
        abort(404)
    return unit


@console.route("/admin/units/<int:unit_id>", methods=["GET", "POST"])
@admin_required
def unit_edit(unit_id: int):
    unit = _editable(unit_id)
    if request.method == "GET":
        current = {name: getattr(unit, name) for name in FIELDS}
        return _form({k: "" if v is None else str(v) for k, v in current.items()}, {}, unit=unit)
    typed, values, errors = _read_form()
    if errors:
        return _form(typed, errors, unit=unit, status=422)
    # Only what the form changes is sent, as a PATCH would: an emptied valid_to reopens the unit.
    changes = {
        name: value
        for name, value in values.items()
        if name != "parent_id" or unit.parent_id is not None  # the root has no parent field to send
    }
    if typed["valid_to"] == "" and unit.valid_to is not None:
        changes["valid_to"] = None
    changes = {name: value for name, value in changes.items() if getattr(unit, name) != value}
    if not changes:
        flash(_("Nothing was changed."), "info")
        return redirect(url_for("console.units_tree"), 303)
    try:
        units.update_unit(tenant_session(), session.actor(), admin_units(), unit_id, **changes)
    except InvalidInput as error:
        return _form(typed, _problems(error), unit=unit, status=422)
    except Conflict as error:
        return _form(typed, {"parent_id": [str(error.message)]}, unit=unit, status=409)
    content_changed("units")
    flash(_("The unit “%(name)s” is saved.", name=unit.name), "success")
    return redirect(url_for("console.units_tree"), 303)
