"""Counter and postal intake: an officer of a receiving unit takes a dossier in person or from the post.
(1) the procedure, among those their units receive (the catalogue's accent-insensitive search); (2) the
receiving unit, the channel (and the postal item), the applicant and the procedure's form generated from
its plugin's JSON Schema; (3) review, the documents (scans uploaded now, or papers received to be
digitised), then receive.

Step 2 is checked by ``intake.check`` (every check intake makes, nothing written); receiving calls
``intake.intake`` exactly as ``POST /api/v1/dossiers`` does for a staff token, then attaches the scans
through the documents service (digitised), in the request's one unit of work: if intake or any document
fails, nothing is written and the objects already stored are deleted. The postal item's number and day,
and the papers to digitise, are the intake's note (the comment of its history entry, the API's ``note``).
The review step carries the answers in hidden inputs (no draft on the server): receiving checks them
again, so a tampered or outdated value is refused like any other."""

from __future__ import annotations

import datetime as dt
import re

from flask import redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from motcua_onestop.calendar.services import today
from motcua_onestop.catalogue import receiving, search
from motcua_onestop.catalogue import services as catalogue
from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.documents import services as documents
from motcua_onestop.dossiers.documents.api import MULTIPART_ALLOWANCE
from motcua_onestop.dossiers.documents.web_checks import signature_checking
from motcua_onestop.dossiers.http import caller_units
from motcua_onestop.dossiers.intake import services as intake
from motcua_onestop.dossiers.intake.lookup import ContentVersions
from motcua_onestop.dossiers.models import Channel
from motcua_onestop.units.models import Unit
from motcua_platform.errors import Forbidden, InvalidInput, ServiceError
from motcua_platform.pages import schema_form
from motcua_platform.plugins.engine import active
from motcua_platform.plugins.forms import form_json_schema
from motcua_platform.storage.services import tenant_objects
from motcua_platform.web.context import current_tenant, runtime, tenant_context, tenant_session
from motcua_platform.web.context import unit_of_work as request_work
from sqlalchemy import select

from motcua_console import print_pages, session
from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console

LIST_LIMIT = 50
CHANNELS = (Channel.COUNTER, Channel.POSTAL)
# The envelope's inputs; a plugin form's inputs are identifiers (no hyphen), so the names never meet.
UNIT, CHANNEL, NAME, CITIZEN_ID = "intake-unit", "intake-channel", "intake-name", "intake-citizen_id"
PHONE, EMAIL, ADDRESS = "intake-phone", "intake-email", "intake-address"
POSTAL_NUMBER, POSTAL_DAY = "intake-postal_number", "intake-postal_day"
ENVELOPE = (UNIT, CHANNEL, NAME, CITIZEN_ID, PHONE, EMAIL, ADDRESS, POSTAL_NUMBER, POSTAL_DAY)
# Where the service's messages about the envelope go (its error keys, as the API names them).
SERVICE_KEYS = {"receiving_unit_id": UNIT, "channel": CHANNEL, "applicant_name": NAME}
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 .\-]{7,18}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CONTACT_MAX = 200  # the dossier's applicant_contact column (the API's ApplicantSchema.contact)


# -- who receives what -------------------------------------------------------------------------------------
def _my_units() -> list[Unit]:
    """The open units the officer works for (their officer/admin units and every unit below): where they
    may receive a dossier. None: they have no receiving role, and intake is not theirs (403, as the API)."""
    db = tenant_session()
    ids = dossiers.officer_units(db, caller_units())
    on = today()
    units = [
        unit
        for unit in db.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.parent_id.nulls_first(), Unit.code))
        if unit.valid_from <= on and (unit.valid_to is None or unit.valid_to >= on)
    ]
    if not units:
        raise Forbidden(_("Only an officer of a receiving unit takes dossiers at the counter or by post."))
    return units


def _places(units: list[Unit]) -> list[tuple[Unit, receiving.Place]]:
    db = tenant_session()
    return [(unit, receiving.place_of(db, unit)) for unit in units]


def _receiving(row, places) -> list[Unit]:
    return [unit for unit, place in places if receiving.receives(row, place)]


@console.get("/intake")
@staff_required
def intake_start():
    """(1) The procedures the officer's units receive, searched without accents as the portal's catalogue."""
    places = _places(_my_units())
    q = (request.args.get("q") or "").strip()[:200]
    rows, _total = search.find(tenant_session(), catalogue.CatalogueFilter(q=q or None), tenant_context().enabled)
    found, more = [], False
    for row in rows:
        if _receiving(row, places):
            if len(found) == LIST_LIMIT:
                more = True
                break
            found.append(row)
    # a dossier is taken on the procedure's electronic form: one without (a province's own procedure, which no
    # plugin defines) is listed, so the officer knows it is the right one, but cannot be taken here yet
    with_form = {row.code for row in found if _has_form(row)}
    return render_template("console/intake/start.html", procedures=found, with_form=with_form, more=more, q=q)


def _has_form(row: search.Summary) -> bool:
    """Whether a listed procedure has the electronic form its dossier is taken on: a loaded plugin defines it."""
    plugin = active().get(row.plugin) if row.plugin else None
    return plugin is not None and any(definition.code == row.code for definition in plugin.procedures)


# -- (2) the unit, the applicant and the form ---------------------------------------------------------------
def _procedure(code: str) -> tuple[Procedure, list[Unit], list[schema_form.FormField]]:
    """The procedure, the officer's units that receive it (else 403) and its form's fields."""
    row = catalogue.get_procedure(tenant_session(), code, tenant_context().enabled)  # 404 when unknown
    units = _receiving(row, _places(_my_units()))
    if not units:
        raise Forbidden(_("None of your units receives this procedure."))
    definition = catalogue.definition_for(active(), row)
    if definition is None:
        raise InvalidInput(_("This procedure has no electronic form yet."), {"_": [_("No electronic form.")]})
    return row, units, schema_form.fields_of(form_json_schema(definition.form))


def _channel(raw: str | None) -> str:
    return raw if raw in CHANNELS else Channel.COUNTER


def _page(template: str, row, units, fields, values: dict, errors: dict, status: int = 200, **more):
    posted = values.get("_posted", {})
    return (
        render_template(
            template,
            procedure=row,
            units=units,
            unit_options=[(unit.id, f"{unit.name} ({unit.code})") for unit in units],
            fields=fields,
            values=values,
            posted=posted,
            envelope=values.get("_envelope", {}),
            errors=errors,
            shown=schema_form.shown,
            channels=[(c.value, c.value) for c in CHANNELS],
            today=today(),
            **more,
        ),
        status,
    )


def _envelope(posted) -> dict[str, str]:
    return {name: (posted.get(name) or "").strip() for name in ENVELOPE}


def _postal_day(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def _envelope_problems(envelope: dict[str, str]) -> dict[str, list[str]]:
    """What the page checks beyond the service: the contact's parts and the postal item."""
    errors: dict[str, list[str]] = {}
    if envelope[PHONE] and not PHONE_PATTERN.match(envelope[PHONE]):
        errors[PHONE] = [_("Enter a phone number, for example 0912 345 678.")]
    if envelope[EMAIL] and (len(envelope[EMAIL]) > 254 or not EMAIL_PATTERN.match(envelope[EMAIL])):
        errors[EMAIL] = [_("Enter an e-mail address, for example ten@example.vn.")]
    if len(envelope[CITIZEN_ID]) > 20:
        errors[CITIZEN_ID] = [_("At most %(count)s characters.", count=20)]
    if len(_contact(envelope)) > CONTACT_MAX:
        errors[ADDRESS] = [_("The phone, e-mail and address together take at most %(count)s characters.", count=200)]
    if envelope[CHANNEL] == Channel.POSTAL:
        if not envelope[POSTAL_NUMBER]:
            errors[POSTAL_NUMBER] = [_("Enter the postal item's number.")]
        elif len(envelope[POSTAL_NUMBER]) > 40:
            errors[POSTAL_NUMBER] = [_("At most %(count)s characters.", count=40)]
        day = _postal_day(envelope[POSTAL_DAY])
        if day is None:
            errors[POSTAL_DAY] = [_("Enter the day the item arrived, for example 2024-05-31.")]
        elif day > today():
            errors[POSTAL_DAY] = [_("The day the item arrived cannot be in the future.")]
    return errors


def _contact(envelope: dict[str, str]) -> str:
    """The dossier's one contact text (the API's ``applicant.contact``): the phone first, where the
    notifications look for it, then the e-mail and the address."""
    return "; ".join(part for part in (envelope[PHONE], envelope[EMAIL], envelope[ADDRESS]) if part)


def _unit_id(envelope: dict[str, str]) -> int:
    raw = envelope[UNIT]
    return int(raw) if raw.isascii() and raw.isdecimal() and len(raw) < 18 else 0


def _intake_data(row, envelope: dict[str, str], form: dict, note: str | None = None) -> intake.Intake:
    return intake.Intake(
        procedure_code=row.code,
        receiving_unit_id=_unit_id(envelope),
        channel=envelope[CHANNEL],
        applicant_name=envelope[NAME][:200],
        applicant_citizen_id=envelope[CITIZEN_ID] or None,
        applicant_contact=_contact(envelope) or None,
        form=form,
        note=note,
    )


def _content() -> ContentVersions:
    info = current_tenant()
    return ContentVersions(info.id, info.catalogue_version, info.units_version)


def _by_input(errors: dict, fields) -> dict[str, list[str]]:
    """The service's messages next to the inputs they are about; the rest at the top of the page."""
    known = schema_form.names(fields)
    result: dict[str, list[str]] = {}
    for name, messages in schema_form.flat_errors(errors).items():
        target = SERVICE_KEYS.get(name, name if name in known else "_")
        result.setdefault(target, []).extend(messages)
    return result


def _checked(row, fields, posted) -> tuple[dict, dict, dict]:
    """The envelope, the form's JSON and the problems of what was posted (``intake.check``, which writes
    nothing, and the page's own checks)."""
    envelope = _envelope(posted)
    envelope[CHANNEL] = _channel(envelope[CHANNEL])
    form = schema_form.read(fields, posted)
    errors = _envelope_problems(envelope)
    try:
        intake.check(tenant_session(), caller_units(), active(), tenant_context(), _intake_data(row, envelope, form))
    except InvalidInput as error:
        for name, messages in _by_input(error.errors or {"_": [error.message]}, fields).items():
            errors.setdefault(name, []).extend(messages)
    return envelope, form, errors


def _posted_pairs(posted) -> list[tuple[str, str]]:
    """What the review page carries forward in hidden inputs: every answer but the CSRF token and files."""
    return [(name, value) for name, value in posted.items(multi=True) if name != "csrf_token" and name != "step"]


@console.route("/intake/<code>", methods=["GET", "POST"])
@staff_required
def intake_form(code: str):
    """(2) the envelope and the form; a POST is checked and, when right, shows the review (3)."""
    row, units, fields = _procedure(code)
    if request.method == "GET":
        envelope = dict.fromkeys(ENVELOPE, "")
        envelope[CHANNEL] = _channel(request.args.get("channel"))
        envelope[UNIT] = str(units[0].id) if len(units) == 1 else ""
        envelope[POSTAL_DAY] = today().isoformat() if envelope[CHANNEL] == Channel.POSTAL else ""
        return _page("console/intake/form.html", row, units, fields, {"_envelope": envelope}, {})
    envelope, form, errors = _checked(row, fields, request.form)
    values = {**form, "_envelope": envelope}
    if request.form.get("step") == "edit":  # back from the review: the answers as they were, no messages
        return _page("console/intake/form.html", row, units, fields, values, {})
    if errors:
        return _page("console/intake/form.html", row, units, fields, values, errors, 422)
    return _review(row, units, fields, values, request.form, {})


def _review(row, units, fields, values, posted, errors, status: int = 200):
    envelope = values["_envelope"]
    unit = next((u for u in units if u.id == _unit_id(envelope)), None)
    return _page(
        "console/intake/review.html",
        row,
        units,
        fields,
        values,
        errors,
        status,
        unit=unit,
        carried=_posted_pairs(posted),
        documents=list(row.documents or []),
        paper=set(posted.getlist("paper")),
    )


# -- (3) receive ----------------------------------------------------------------------------------------------
@console.before_request  # after the app's: the tenant is known by then
def _allow_scans():
    """The receiving POST carries a scan per required document: up to the upload limit for each."""
    if request.endpoint == "console.intake_receive" and request.method == "POST":
        code = (request.view_args or {}).get("code", "")
        count = max(1, min(50, len(_documents_of(code))))
        request.max_content_length = count * runtime().config.upload_max_bytes + MULTIPART_ALLOWANCE


def _documents_of(code: str) -> list:
    try:
        row = catalogue.get_procedure(tenant_session(), code, tenant_context().enabled)
    except ServiceError:
        return []
    return list(row.documents or [])


def _note(row, envelope: dict[str, str], paper: list[int]) -> str | None:
    """The intake's note, in Vietnamese whatever the officer's language (it is the dossier's record)."""
    lines = []
    with force_locale("vi"):
        if envelope[CHANNEL] == Channel.POSTAL:
            day = _postal_day(envelope[POSTAL_DAY])
            shown = day.strftime("%d/%m/%Y") if day else envelope[POSTAL_DAY]
            lines.append(
                _("Received by post: item %(number)s, arrived on %(day)s.", number=envelope[POSTAL_NUMBER], day=shown)
            )
        names = [row.documents[i]["name"] for i in paper]
        if names:
            lines.append(_("Received on paper, to be digitised: %(names)s.", names="; ".join(names)))
    return "\n".join(lines) or None


@console.post("/intake/<code>/receive")
@staff_required
def intake_receive(code: str):
    """Receive: ``intake.intake`` as ``POST /api/v1/dossiers`` with a staff token, then the scans."""
    row, units, fields = _procedure(code)
    envelope, form, errors = _checked(row, fields, request.form)
    values = {**form, "_envelope": envelope}
    if errors:  # changed since the review (a unit closed, the catalogue revised): back to the form
        return _page("console/intake/form.html", row, units, fields, values, errors, 422)
    count = len(row.documents or [])
    paper = sorted({int(v) for v in request.form.getlist("paper") if v.isascii() and v.isdecimal() and int(v) < count})
    scans, file_errors = {}, {}
    try:
        for index in range(count):
            upload = request.files.get(f"document-{index}")
            if upload is None or not upload.filename:
                continue
            try:
                scans[index] = (upload.filename, documents.spool(upload.stream, runtime().config.upload_max_bytes))
            except InvalidInput as error:
                file_errors[f"document-{index}"] = [str(m) for m in (error.errors or {}).get("file", [error.message])]
        if file_errors:
            return _review(row, units, fields, values, request.form, file_errors, 422)
        return _receive(row, envelope, form, scans, [i for i in paper if i not in scans])
    finally:
        for _name, spooled in scans.values():
            spooled.close()


def _receive(row, envelope, form, scans: dict, paper: list[int]):
    db, work = tenant_session(), request_work()
    objects = tenant_objects(runtime().config, current_tenant().slug)
    created: list[str] = []
    try:
        dossier = intake.intake(
            db,
            session.actor(),
            caller_units(),
            active(),
            tenant_context(),
            _intake_data(row, envelope, form, _note(row, envelope, paper)),
            content=_content(),
        )
        for index, (filename, spooled) in sorted(scans.items()):
            document, new = documents.add_document(
                db,
                objects,
                session.actor(),
                dossier,
                spooled,
                # scanned by the officer from the paper original, as the API's digitised=true
                documents.NewDocument("component", filename, str(index), digitised=True),
                tenant_slug=current_tenant().slug,
                signatures=signature_checking(),
            )
            if new:
                created.append(document.storage_key)
        work.commit()
    except BaseException:
        for key in created:
            documents.discard(objects, key)
        raise
    return redirect(url_for("console.intake_done", code=dossier.code), 303)


@console.get("/intake/received/<code>")
@staff_required
def intake_done(code: str):
    """The dossier just received: its code, and the forms to print (the receipt, form 01, first)."""
    db = tenant_session()
    dossier = dossiers.get_dossier(db, code, caller_units())
    return render_template(
        "console/intake/done.html",
        dossier=dossier,
        procedure=dossiers.procedure_of(db, dossier),
        forms=print_pages.forms_to_print(dossier),
    )
