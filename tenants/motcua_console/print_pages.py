"""Printing forms 01–07 of TT 03/2025 from the console, with the PDF renderers the API serves them with
(``dossiers.forms.services``): a dossier's forms 01–06 as ``GET /api/v1/dossiers/<code>/forms/<n>.pdf``
(an officer of its units; another unit's dossier is a 404, a form that does not fit its state a 409 saying
why), and a unit's register, form 07, as ``GET /api/v1/register.pdf`` (an officer or admin of that unit or
a unit above it, else 403). ``forms_to_print`` lists the forms that fit a dossier now, for the dossier page
(``console/_forms_to_print.html``) and the intake's result page.

An officer of the dossier's receiving unit also issues each of them sealed with the agency's seal ("Ký số và
phát hành", ``POST /api/v1/dossiers/<code>/forms/<n>/signature``'s service, ``forms.signing.issue_form``):
stored, what the applicant downloads from then on, and linked here as the signed copy."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_onestop.calendar.services import today
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.documents import web_checks
from motcua_onestop.dossiers.forms import services as forms
from motcua_onestop.dossiers.forms import signing
from motcua_onestop.dossiers.http import caller_units
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.units.models import Unit
from motcua_platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from motcua_platform.rendering.pdf import find_font
from motcua_platform.signatures.signer import SigningError
from motcua_platform.storage.services import tenant_objects
from motcua_platform.web.context import current_tenant, runtime, tenant_context, tenant_session
from sqlalchemy import select

from motcua_console import session
from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console
from motcua_console.labels import N_

FORM_TITLES = {
    "01": N_("Receipt and appointment (form 01)"),
    "02": N_("Supplement request (form 02)"),
    "03": N_("Refusal notice (form 03)"),
    "04": N_("Apology and new appointment (form 04)"),
    "05": N_("Notice that processing stopped (form 05)"),
    "06": N_("Control slip (form 06)"),
}
MAX_REGISTER_DAYS = forms.MAX_REGISTER_DAYS


def forms_to_print(dossier: Dossier) -> list[dict]:
    """Each of forms 01–06 that fits the dossier's state now: ``number``, ``title``, ``address`` (rendered now,
    unsigned), ``signed`` (the newest sealed issue's address and time, or None) and ``can_issue`` (the officer
    may issue it sealed: one of the receiving unit's)."""
    db = tenant_session()
    issues = signing.issues_of(db, dossier)
    can_issue = dossier.receiving_unit_id in dossiers.officer_units(db, caller_units())
    return [
        {
            "number": number,
            "title": _(FORM_TITLES[number]),
            "address": url_for("console.dossier_form", code=dossier.code, number=number),
            "signed": {
                "address": url_for("console.signed_dossier_form", code=dossier.code, number=number),
                "at": issues[number].issued_at,
            }
            if number in issues
            else None,
            "can_issue": can_issue,
        }
        for number in forms.forms_that_apply(db, dossier)
    ]


@console.context_processor
def print_context() -> dict:
    return {"forms_to_print": forms_to_print}


def _pdf(body: bytes, name: str):
    return body, 200, {"Content-Type": "application/pdf", "Content-Disposition": f'inline; filename="{name}"'}


@console.get("/dossiers/<code>/forms/<number>.pdf")
@staff_required
def dossier_form(code: str, number: str):
    db = tenant_session()
    dossier = dossiers.get_dossier(db, code, caller_units())
    body = forms.render_form(db, dossier, number, tenant_context(), font=find_font(runtime().config.pdf_font))
    return _pdf(body, f"{dossier.code}-mau-{number}.pdf")


def _objects():
    return tenant_objects(runtime().config, current_tenant().slug)


@console.post("/dossiers/<code>/forms/<number>/sign")
@staff_required
def sign_dossier_form(code: str, number: str):
    """Issue the form sealed with the agency's seal, as ``POST /api/v1/dossiers/<code>/forms/<n>/signature``;
    a refusal (no seal, a form that does not apply, a bad key) is the dossier page saying why, nothing stored."""
    from motcua_console.officer_pages import detail_page  # the dossier page imports this module's context

    db = tenant_session()
    row = dossiers.get_dossier(db, code, caller_units(), lock=True)
    objects = _objects()
    try:  # not an officer of the receiving unit: Forbidden, a 403
        issue = signing.issue_form(
            db,
            objects,
            session.actor(),
            session.signed_in().id,
            caller_units(),
            row,
            number,
            tenant_context(),
            config=runtime().config,
            font=find_font(runtime().config.pdf_font),
        )
    except (Conflict, InvalidInput, NotFound, SigningError) as error:
        return detail_page(row, conflict=str(error.message)), error.status
    signing.commit_or_discard(db, objects, issue)
    web_checks.recheck_issued_form(issue.id, issue.signature_check)
    flash(_("Form %(number)s is signed with the agency's seal and issued.", number=number), "success")
    return redirect(url_for("console.dossier", code=code, _anchor="print-title"), 303)


@console.get("/dossiers/<code>/forms/<number>/signed.pdf")
@staff_required
def signed_dossier_form(code: str, number: str):
    db = tenant_session()
    dossier = dossiers.get_dossier(db, code, caller_units())
    issue = signing.latest_issue(db, dossier, number)
    if issue is None:
        raise NotFound(_("Form %(number)s of dossier %(code)s was never issued signed.", number=number, code=code))
    return _pdf(signing.read_issue(_objects(), issue), f"{dossier.code}-mau-{number}-da-ky.pdf")


def _register_units() -> list[Unit]:
    """The units whose register the officer may print (their units and every unit below), else 403."""
    db = tenant_session()
    ids = dossiers.officer_units(db, caller_units())
    if not ids:
        raise Forbidden(_("Only an officer or admin of a unit prints its register."))
    return list(db.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.parent_id.nulls_first(), Unit.code)))


def _register_page(units: list[Unit], values: dict, errors: dict) -> str:
    options = [(unit.id, f"{unit.name} ({unit.code})") for unit in units]
    return render_template("console/print/register.html", unit_options=options, values=values, errors=errors)


def _day(source, name: str, errors: dict) -> dt.date | None:
    raw = (source.get(name) or "").strip()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = [_("Enter a day, for example 2024-05-31.")]
        return None


def _register_choice(units: list[Unit], source) -> tuple[dict, dict, tuple[int, dt.date, dt.date] | None]:
    """The unit and period chosen in ``source`` (the query, or a posted form): the values to show again, the
    errors by field, and (unit id, first day, last day) when all is well. A unit not the officer's: 403."""
    values = {key: source.get(key, "") for key in ("unit_id", "from", "to")}
    errors: dict[str, list[str]] = {}
    raw = values["unit_id"]
    unit_id = int(raw) if raw.isascii() and raw.isdecimal() and len(raw) < 18 else None
    if unit_id is None:
        errors["unit_id"] = [_("Choose a unit.")]
    elif unit_id not in {unit.id for unit in units}:
        raise Forbidden(_("Only an officer or admin of this unit (or a unit above it) may print its register."))
    since, until = _day(source, "from", errors), _day(source, "to", errors)
    if since and until:
        if until < since:
            errors["to"] = [_("The last day must be on or after the first.")]
        elif (until - since).days >= MAX_REGISTER_DAYS:
            errors["to"] = [_("At most %(count)s days after the first day.", count=MAX_REGISTER_DAYS)]
    if errors:
        return values, errors, None
    return values, errors, (unit_id, since, until)


@console.get("/register")
@staff_required
def register():
    """Form 07: choose a unit and a period (this month so far, to start with); with them (a GET form, so
    the PDF's address can be bookmarked) the register is served, or the choice again with what is wrong
    (422)."""
    units = _register_units()
    if "from" not in request.args and "to" not in request.args:  # a unit alone (the dossier page's link): the choice
        first = today().replace(day=1)
        values = {"unit_id": request.args.get("unit_id", ""), "from": f"{first:%Y-%m-%d}", "to": f"{today():%Y-%m-%d}"}
        return _register_page(units, values, {})
    values, errors, chosen = _register_choice(units, request.args)
    if chosen is None:
        return _register_page(units, values, errors), 422
    unit_id, since, until = chosen
    font = find_font(runtime().config.pdf_font)
    body = forms.render_register(tenant_session(), unit_id, since, until, tenant_context(), font=font)
    return _pdf(body, f"so-theo-doi-{unit_id}-{since:%Y%m%d}-{until:%Y%m%d}.pdf")


def _sign_page(units: list[Unit], values: dict, chosen: tuple[int, dt.date, dt.date], conflict: str | None = None):
    unit_id, since, until = chosen
    unit = next(unit for unit in units if unit.id == unit_id)
    return render_template(
        "console/print/register_sign.html", unit=unit, since=since, until=until, values=values, conflict=conflict
    )


@console.get("/register/sign")
@staff_required
def register_sign_confirm():
    """The register sealed with the agency's seal, step one: what will be sealed, and the button that does it
    (a POST with the CSRF token; this page itself changes nothing)."""
    units = _register_units()
    values, errors, chosen = _register_choice(units, request.args)
    if chosen is None:
        return _register_page(units, values, errors), 422
    return _sign_page(units, values, chosen)


@console.post("/register/sign")
@staff_required
def register_sign():
    """The register sealed now with the agency's seal and returned, not stored, as ``POST
    /api/v1/register/signature``; audited with its SHA-256. No seal or no key: the confirmation again saying
    what to set up (409), nothing signed."""
    units = _register_units()
    values, errors, chosen = _register_choice(units, request.form)
    if chosen is None:
        return _register_page(units, values, errors), 422
    unit_id, since, until = chosen
    try:
        body = signing.sign_register(
            tenant_session(),
            session.actor(),
            unit_id,
            since,
            until,
            tenant_context(),
            config=runtime().config,
            font=find_font(runtime().config.pdf_font),
        )
    except (Conflict, InvalidInput, NotFound, SigningError) as error:
        return _sign_page(units, values, chosen, conflict=str(error.message)), error.status
    return _pdf(body, f"so-theo-doi-{unit_id}-{since:%Y%m%d}-{until:%Y%m%d}-da-ky.pdf")
