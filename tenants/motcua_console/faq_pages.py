"""The province's questions and answers for its admins (``faq.services``, as ``/api/v1/faq``): the entries of
the units they manage, drafts too, searched as the portal searches; add, change, unpublish or delete one;
how many each unit answers beside the plan's targets (Bến Tre: a department at least 50, a district with
its communes at least 100); and, for an admin of the province itself, the missing entries made from the
catalogue."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_onestop.calendar.services import today
from motcua_onestop.faq import generate
from motcua_onestop.faq import services as faq
from motcua_onestop.units import services as units
from motcua_onestop.units.models import UnitKind
from motcua_platform.errors import InvalidInput, NotFound
from motcua_platform.pages.paging import page_number
from motcua_platform.web.context import tenant_context, tenant_session

from motcua_console import admin_labels, session
from motcua_console.admin_access import admin_required, admin_units, covered_units
from motcua_console.blueprint import console

PAGE_SIZE = 25
# The Bến Tre plan's floor per unit (docs/faq.md): a department 50, a district with its communes 100; after
# the 2025 reform a commune stands where the district stood.
TARGETS = {UnitKind.DEPARTMENT: 50, UnitKind.COMMUNE: 100}
FIELDS = tuple(name for name in faq.EDITABLE if name != "published")  # the checkbox is read on its own


def _reach() -> set[int]:
    return covered_units()


def _unit_options(reach: set[int], names: dict[int, str] | None = None) -> list[tuple[int, str]]:
    names = names if names is not None else units.unit_names(tenant_session())
    return sorted(((unit_id, names[unit_id]) for unit_id in reach if unit_id in names), key=lambda o: o[1])


def _province_admin() -> bool:
    return units.root_unit_id(tenant_session()) in admin_units()


@console.get("/admin/faq")
@admin_required
def faq_admin():
    db = tenant_session()
    reach = _reach()
    q = (request.args.get("q") or "").strip()[:200]
    raw_unit = request.args.get("unit", "")
    unit_id = int(raw_unit) if raw_unit.isascii() and raw_unit.isdigit() and int(raw_unit) in reach else None
    page = page_number()
    filters = faq.FaqFilter(q=q, unit_id=unit_id, published_only=False)
    entries, total = faq.find(db, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, units=reach)
    names = units.unit_names(db)
    counts = faq.count_by_unit(db, reach)
    kinds = {unit.id: unit.kind for unit in units.list_units(db, units.UnitFilter()) if unit.id in reach}
    per_unit = [
        {"id": unit_id_, "name": names[unit_id_], "kind": admin_labels.kind(kind), "count": counts.get(unit_id_, 0),
         "target": TARGETS.get(kind)}
        for unit_id_, kind in sorted(kinds.items(), key=lambda item: names[item[0]])
        if counts.get(unit_id_) or kind in TARGETS
    ]  # fmt: skip

    def page_url(number: int) -> str:
        return url_for("console.faq_admin", q=q or None, unit=unit_id, page=number)

    return render_template(
        "console/admin/faq.html",
        entries=entries,
        total=total,
        q=q,
        unit_id=unit_id,
        unit_options=_unit_options(reach, names),
        names=names,
        per_unit=per_unit,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        page_url=page_url,
        can_generate=_province_admin(),
    )


@console.post("/admin/faq/generate")
@admin_required
def faq_generate():
    if not _province_admin():
        abort(403)  # the catalogue's questions are the province's: an admin of the province itself makes them
    made = generate.make(tenant_session(), session.actor(), tenant_context().enabled, today())
    flash(_("Questions from the catalogue: %(added)s added, %(rewritten)s rewritten, %(removed)s removed.",
            added=made.added, rewritten=made.rewritten, removed=made.removed), "success")  # fmt: skip
    return redirect(url_for("console.faq_admin"), 303)


def _typed() -> dict[str, str]:
    return {name: (request.form.get(name) or "").strip() for name in FIELDS} | {
        "published": "1" if request.form.get("published") else ""
    }


def _values(typed: dict[str, str]) -> tuple[dict, dict[str, list[str]]]:
    """The form as the service takes it, with what cannot even be parsed."""
    values: dict = {name: typed[name] for name in FIELDS if name != "unit_id"}
    values["published"] = bool(typed["published"])
    errors: dict[str, list[str]] = {}
    raw = typed["unit_id"]
    if raw.isascii() and raw.isdigit() and len(raw) < 19:
        values["unit_id"] = int(raw)
    else:
        errors["unit_id"] = [_("Choose one of the units you manage.")]
    return values, errors


def _form(entry, typed: dict, errors: dict, status: int = 200):
    page = render_template(
        "console/admin/faq_form.html",
        entry=entry,
        values=typed,
        errors=errors,
        unit_options=_unit_options(_reach()),
    )
    return page, status


def _problems(error: InvalidInput) -> dict[str, list[str]]:
    return {name: [str(m) for m in (ms if isinstance(ms, list) else [ms])] for name, ms in error.errors.items()}


@console.route("/admin/faq/new", methods=["GET", "POST"])
@admin_required
def faq_new():
    if request.method == "GET":
        first = min(admin_units()) if admin_units() else ""
        return _form(None, {"unit_id": str(request.args.get("unit", first)), "published": "1"}, {})
    typed = _typed()
    values, errors = _values(typed)
    if errors:
        return _form(None, typed, errors, 422)
    try:
        entry = faq.create(tenant_session(), session.actor(), _reach(), values)
    except InvalidInput as error:
        return _form(None, typed, _problems(error), 422)
    flash(_("The question is added."), "success")
    return redirect(url_for("console.faq_edit", entry_id=entry.id), 303)


def _entry(entry_id: int):
    try:
        return faq.get_entry(tenant_session(), entry_id, _reach())
    except NotFound:
        abort(404)


@console.route("/admin/faq/<int:entry_id>", methods=["GET", "POST"])
@admin_required
def faq_edit(entry_id: int):
    entry = _entry(entry_id)
    if request.method == "GET":
        current = {name: getattr(entry, name) for name in FIELDS}
        typed = {k: "" if v is None else str(v) for k, v in current.items()}
        typed["published"] = "1" if entry.published else ""
        return _form(entry, typed, {})
    typed = _typed()
    values, errors = _values(typed)
    if errors:
        return _form(entry, typed, errors, 422)
    try:
        faq.update(tenant_session(), session.actor(), _reach(), entry_id, values)
    except InvalidInput as error:
        return _form(entry, typed, _problems(error), 422)
    flash(_("The question is saved."), "success")
    return redirect(url_for("console.faq_edit", entry_id=entry_id), 303)


@console.post("/admin/faq/<int:entry_id>/delete")
@admin_required
def faq_delete(entry_id: int):
    _entry(entry_id)
    faq.delete(tenant_session(), session.actor(), _reach(), entry_id)
    flash(_("The question is deleted."), "success")
    return redirect(url_for("console.faq_admin"), 303)
