"""The province's staff accounts for its admins: the list (by unit, role, active; in pages), create an
account with roles per unit and a temporary password shown once, change the name and roles, reset the
password (shown once; every session ended), unlock, deactivate and reactivate.

Everything goes through ``auth.services`` as the staff API does (``/api/v1/staff``): the same reach (an
admin sees the accounts holding a role in their units, and changes only those whose every role lies
there), the same refusals (the province's last administrator is kept: a 409 saying so) and the same audit.
A form's roles are rows of role + unit; an emptied row drops that role."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_smorest.pagination import PaginationParameters
from motcua_onestop.units import services as units
from motcua_platform.auth import lockout
from motcua_platform.auth import services as auth
from motcua_platform.auth.models import StaffAccount, StaffRoleName
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.web.context import site_names, tenant_session
from motcua_platform.web.pagination import paginate

from motcua_console import admin_labels, session
from motcua_console.admin_access import admin_required, admin_units, covered_units
from motcua_console.blueprint import console

PAGE_SIZE = 25
EXTRA_ROLE_ROWS = 2  # empty role rows a form offers, to add roles without script
MAX_ROLE_ROWS = 100  # as the API's StaffUpdateSchema


def _number(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


def _unit_options(db, covered: set[int]) -> list[tuple[int, str]]:
    rows = units.list_units(db, units.UnitFilter())
    return [(row.id, f"{row.name} ({row.code})") for row in rows if row.id in covered]


def _role_options() -> list[tuple[str, str]]:
    return [(role.value, admin_labels.role(role.value)) for role in StaffRoleName]


def _unit_names(db) -> dict[int, str]:
    return {row.id: row.name for row in units.list_units(db, units.UnitFilter())}


@console.get("/admin/staff")
@admin_required
def staff_list():
    db = tenant_session()
    covered = covered_units()
    unit_id = _number(request.args.get("unit"))
    role = request.args.get("role") if request.args.get("role") in set(StaffRoleName) else None
    active = {"yes": True, "no": False}.get(request.args.get("active", ""))
    page = _number(request.args.get("page")) or 1
    filters = auth.StaffFilter(unit_id=unit_id if unit_id in covered else None, role=role, active=active)
    pagination = PaginationParameters(min(page, 10_000), PAGE_SIZE)
    rows = paginate(db, auth.staff_query(covered, filters), pagination)
    pages = max(1, -(-pagination.item_count // PAGE_SIZE))
    args = {"unit": filters.unit_id, "role": role, "active": request.args.get("active") if active is not None else None}
    return render_template(
        "console/admin/staff.html",
        staff_rows=rows,
        unit_names=_unit_names(db),
        units=_unit_options(db, covered),
        roles=_role_options(),
        filters=args,
        total=pagination.item_count,
        page=page,
        pages=pages,
        page_url=lambda number: url_for("console.staff_list", **args, page=number),
    )


def _typed_roles() -> tuple[list[tuple[str, str]], list[tuple[str, int]], list[str]]:
    """The form's role rows as typed (to show again), as the service takes them, and what is wrong."""
    typed, roles, problems = [], [], []
    for index in range(MAX_ROLE_ROWS):
        role, unit = request.form.get(f"role-{index}"), request.form.get(f"unit-{index}")
        if role is None and unit is None:
            break
        role, unit = (role or "").strip(), (unit or "").strip()
        if not role and not unit:
            continue
        typed.append((role, unit))
        if not role or _number(unit) is None:
            problems.append(_("Choose both a role and a unit on each row you fill in (row %(row)s).", row=index + 1))
        else:
            roles.append((role, _number(unit)))
    if not typed and not problems:
        problems.append(_("Give the account at least one role on a unit."))
    return typed, roles, problems


def _form(template: str, status: int = 200, **context):
    db = tenant_session()
    rows = list(context.pop("role_rows", []))
    rows += [("", "")] * EXTRA_ROLE_ROWS
    page = render_template(
        template,
        role_rows=rows,
        units=_unit_options(db, covered_units()),
        roles=_role_options(),
        **context,
    )
    return page, status


def _errors(error: InvalidInput) -> dict[str, list[str]]:
    return {name: [str(m) for m in (ms if isinstance(ms, list) else [ms])] for name, ms in error.errors.items()}


def _shown_once(template: str, **context):
    """A page with a temporary password: never kept by a cache or the browser's history."""
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


@console.route("/admin/staff/new", methods=["GET", "POST"])
@admin_required
def staff_new():
    if request.method == "GET":
        return _form("console/admin/staff_new.html", values={}, errors={})
    values = {name: (request.form.get(name) or "").strip()[:254] for name in ("full_name", "email")}
    typed, roles, problems = _typed_roles()
    errors: dict[str, list[str]] = {}
    if not values["full_name"]:
        errors["full_name"] = [_("Enter the staff member's full name.")]
    if not values["email"]:
        errors["email"] = [_("Enter the staff member's work e-mail.")]
    if problems:
        errors["roles"] = problems
    if errors:
        return _form("console/admin/staff_new.html", 422, values=values, errors=errors, role_rows=typed)
    password = auth.temporary_password()
    try:
        staff = auth.create_staff(
            tenant_session(),
            session.actor(),
            email=values["email"],
            full_name=values["full_name"],
            password=password,
            roles=roles,
            site=site_names(),
            admin_units=admin_units(),
            must_change_password=True,
        )
    except InvalidInput as error:
        return _form("console/admin/staff_new.html", 422, values=values, errors=_errors(error), role_rows=typed)
    return _shown_once("console/admin/staff_password.html", member=staff, password=password, created=True)


def _managed(staff_id: int) -> StaffAccount:
    return auth.get_staff(tenant_session(), staff_id, covered_units())  # 404 outside the caller's units


def _detail(member: StaffAccount, status: int = 200, *, values=None, errors=None, role_rows=None, problem=None):
    db = tenant_session()
    return _form(
        "console/admin/staff_edit.html",
        status,
        member=member,
        values=values or {"full_name": member.full_name},
        errors=errors or {},
        problem=problem,
        role_rows=role_rows if role_rows is not None else [(r.role, str(r.unit_id)) for r in member.roles],
        unit_names=_unit_names(db),
        locked=lockout.locked_addresses(db, "staff", member.id, now=utcnow()),
        # roles outside the caller's units: the service refuses every change (an admin above must make it)
        beyond=any(role.unit_id not in covered_units() for role in member.roles),
        own=member.id == session.signed_in().id,
    )


@console.route("/admin/staff/<int:staff_id>", methods=["GET", "POST"])
@admin_required
def staff_edit(staff_id: int):
    member = _managed(staff_id)
    if request.method == "GET":
        return _detail(member)
    full_name = (request.form.get("full_name") or "").strip()[:200]
    typed, roles, problems = _typed_roles()
    errors: dict[str, list[str]] = {}
    if not full_name:
        errors["full_name"] = [_("Enter the staff member's full name.")]
    if problems:
        errors["roles"] = problems
    if errors:
        return _detail(member, 422, values={"full_name": full_name}, errors=errors, role_rows=typed)
    db = tenant_session()
    try:
        auth.update_staff(db, session.actor(), staff_id, covered_units(), full_name=full_name, roles=roles)
    except InvalidInput as error:
        return _detail(member, 422, values={"full_name": full_name}, errors=_errors(error), role_rows=typed)
    except Conflict as error:  # the province's last administrator would lose the role
        db.rollback()
        member = _managed(staff_id)
        return _detail(member, 409, values={"full_name": full_name}, role_rows=typed, problem=str(error.message))
    flash(_("The account of %(name)s is saved.", name=full_name), "success")
    return redirect(url_for("console.staff_edit", staff_id=staff_id), 303)


@console.post("/admin/staff/<int:staff_id>/active")
@admin_required
def staff_active(staff_id: int):
    wanted = {"yes": True, "no": False}.get(request.form.get("active", ""))
    if wanted is None:
        abort(400)
    db = tenant_session()
    try:
        member = auth.update_staff(db, session.actor(), staff_id, covered_units(), active=wanted)
    except Conflict as error:  # the last administrator, or the caller's own account
        db.rollback()
        return _detail(_managed(staff_id), 409, problem=str(error.message))
    message = _("%(name)s can log in again.") if wanted else _("%(name)s can no longer log in.")
    flash(message % {"name": member.full_name}, "success")
    return redirect(url_for("console.staff_edit", staff_id=staff_id), 303)


@console.post("/admin/staff/<int:staff_id>/reset-password")
@admin_required
def staff_reset_password(staff_id: int):
    db = tenant_session()
    try:
        result = auth.reset_staff_password(db, session.actor(), staff_id, covered_units())
    except Conflict as error:  # one's own password is changed on the password page
        db.rollback()
        return _detail(_managed(staff_id), 409, problem=str(error.message))
    member = _managed(staff_id)
    return _shown_once(
        "console/admin/staff_password.html", member=member, password=result["temporary_password"], result=result
    )


@console.post("/admin/staff/<int:staff_id>/unlock")
@admin_required
def staff_unlock(staff_id: int):
    result = auth.unlock_staff(tenant_session(), session.actor(), staff_id, covered_units())
    member = _managed(staff_id)
    flash(
        _(
            "%(name)s is unlocked (%(count)s address(es) released).",
            name=member.full_name,
            count=result["locks_cleared"],
        ),
        "success",
    )
    return redirect(url_for("console.staff_edit", staff_id=staff_id), 303)
