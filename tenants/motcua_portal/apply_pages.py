"""The online submission wizard: (1) where to submit, (2) the form generated from the plugin's JSON
Schema, (3) the documents, (4) review, then submit; every step's POST is saved in the citizen's draft of
the procedure (``motcua_portal.drafts``), which they can leave, resume and delete. A step posted after the
session expired is parked server-side and replayed on that step once the citizen logs in again.

Submitting calls the intake service exactly as the API's online branch does (``dossiers.api``) and then
attaches the draft's files through the documents service, in the request's one unit of work: if intake or
any document fails, nothing is written (and the objects already stored for the dossier are deleted)."""

from __future__ import annotations

import logging
from functools import wraps

from flask import flash, g, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext as _
from motcua_onestop.calendar.services import today
from motcua_onestop.catalogue import receiving
from motcua_onestop.catalogue import services as catalogue
from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.citizens import services as citizens
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.documents import services as documents
from motcua_onestop.dossiers.documents import store
from motcua_onestop.dossiers.documents.api import MULTIPART_ALLOWANCE
from motcua_onestop.dossiers.documents.web_checks import signature_checking
from motcua_onestop.dossiers.intake import services as intake
from motcua_onestop.dossiers.intake.lookup import ContentVersions
from motcua_onestop.dossiers.models import Channel
from motcua_onestop.units.models import Unit
from motcua_platform.errors import InvalidInput, NotFound, ServiceError, TooManyAttempts
from motcua_platform.pages import schema_form
from motcua_platform.plugins.engine import active
from motcua_platform.plugins.forms import form_json_schema
from motcua_platform.storage.services import tenant_objects
from motcua_platform.web.context import current_tenant, on_commit, runtime, tenant_context, tenant_session
from motcua_platform.web.context import unit_of_work as request_work
from werkzeug.datastructures import MultiDict

from motcua_portal import labels, payment_pages, session
from motcua_portal.account_pages import citizen_required
from motcua_portal.blueprint import portal
from motcua_portal.drafts import services as drafts
from motcua_portal.drafts.models import PortalDraft

log = logging.getLogger(__name__)

PARKED_KEY = "portal_parked"  # the session cookie's pointer to a parked post (kept across a new login)
STEPS = (
    ("site.apply", "Where to submit"),
    ("site.apply_form", "Application form"),
    ("site.apply_documents", "Documents"),
    ("site.apply_review", "Review and submit"),
)


def N_(message: str) -> str:
    return message


for _endpoint, _title in STEPS:
    N_(_title)


# -- what every step needs -------------------------------------------------------------------------
def _objects():
    return tenant_objects(runtime().config, current_tenant().slug)


def _definition(row):
    return catalogue.definition_for(active(), row)


def online_procedure(code: str):
    """The procedure's current version, if it can be submitted online here; a clear 404 otherwise."""
    row = catalogue.get_procedure(tenant_session(), code, tenant_context().enabled)
    if row.online_mode == "none" or _definition(row) is None:
        raise NotFound(
            _("This procedure cannot be submitted online. Submit it at one of the units listed on its page.")
        )
    return row


@portal.app_template_global()
def can_apply_online(procedure) -> bool:
    """For the procedure page's "Apply online" button."""
    return procedure.online_mode != "none" and _definition(procedure) is not None


def _fields(row) -> list[schema_form.FormField]:
    return schema_form.fields_of(form_json_schema(_definition(row).form))


def _draft(code: str, *, create: bool) -> PortalDraft:
    """The citizen's draft of the procedure: locked (and created) for a step's POST; for a GET, the saved
    one or an empty one that is not saved."""
    account_id = session.signed_in().id
    if create:
        return drafts.draft_for(tenant_session(), account_id, code)
    found = drafts.find_draft(tenant_session(), account_id, code)
    return found or PortalDraft(citizen_account_id=account_id, procedure_code=code, form={}, documents={})


def _keep_draft_despite_the_error() -> None:
    """Commit the draft now: the answer is an error (422), which rolls the request back, yet what the
    citizen posted must be kept."""
    request_work().commit()


def _posted() -> MultiDict | None:
    """The fields of this step's submission: the POST's, or a parked post replayed after a new login."""
    if request.method == "POST":
        return request.form
    return g.get("replayed")


def _account():
    return citizens.get_account(tenant_session(), session.signed_in().id)


def _render(template: str, row, draft: PortalDraft, status: int = 200, **context):
    current = request.endpoint if request.endpoint in dict(STEPS) else "site.apply_review"
    return (
        render_template(
            template,
            procedure=row,
            draft=draft,
            steps=STEPS,
            current_step=current,
            saved=draft.id is not None,
            upload_mb=_megabytes(runtime().config.upload_max_bytes),
            shown=schema_form.shown,
            kept=_kept(row) if template == "portal/apply_documents.html" else {},
            **context,
        ),
        status,
    )


def _kept(row) -> dict:
    """The citizen's kept documents of the kind each required document asks for (documents given once)."""
    return store.offers(tenant_session(), session.signed_in().id, list(row.documents or []))


def _next_step(endpoint: str, code: str):
    """After a step is saved: the next step; after a replayed post, the same step again, showing what was
    restored."""
    if g.get("replayed") is not None:
        return redirect(request.path, 303)
    return redirect(url_for(endpoint, code=code), 303)


def wizard_step(view):
    """A step of a signed-in citizen. A POST that arrives after the session expired is parked (its fields,
    never a file), the citizen is sent to log in, and back on the same step the post is replayed."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if session.signed_in() is None:
            if request.method == "POST":
                fields = [(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"]
                cookie[PARKED_KEY] = drafts.park(tenant_session(), request.path, fields)
                flash(
                    _(
                        "Your session has ended. Log in again: what you entered on this step is kept and "
                        "will be filled in again."
                    ),
                    "warning",
                )
                return redirect(url_for("site.login", next=request.path), 303)
            return citizen_required(view)(*args, **kwargs)
        if request.method == "GET" and cookie.get(PARKED_KEY):
            fields = drafts.unpark(tenant_session(), cookie.pop(PARKED_KEY), request.path)
            if fields is not None:
                g.replayed = MultiDict(fields)
                flash(_("Welcome back. What you entered before your session ended is filled in again."), "success")
        return view(*args, **kwargs)

    return wrapper


# -- (1) where to submit -----------------------------------------------------------------------------
def _unit_problem(row, units: list[Unit], posted) -> tuple[int | None, str | None]:
    raw = (posted.get("unit_id") or "").strip()
    if not raw.isdigit() or len(raw) > 18:
        return None, _("Choose the unit where you submit.")
    unit_id = int(raw)
    if unit_id in {unit.id for unit in units}:
        return unit_id, None
    unit = tenant_session().get(Unit, unit_id)
    name = unit.name if unit is not None else str(unit_id)
    # the same rule as intake (catalogue.receiving): only the units listed receive this procedure
    return None, _(
        "%(unit)s does not receive the procedure “%(procedure)s”. Choose one of the units listed: they are "
        "the ones that receive it.",
        unit=name,
        procedure=labels.procedure_name(row),
    )


@portal.route("/procedures/<code>/apply", methods=["GET", "POST"])
@wizard_step
def apply(code: str):
    row = online_procedure(code)
    units = receiving.receiving_units(tenant_session(), row, today())
    posted = _posted()
    if posted is None:
        draft = _draft(code, create=False)
        return _render("portal/apply_unit.html", row, draft, units=units, errors={}, chosen=draft.receiving_unit_id)
    unit_id, problem = _unit_problem(row, units, posted)
    if problem:
        draft = _draft(code, create=False)
        return _render(
            "portal/apply_unit.html", row, draft, 422, units=units, errors={"unit_id": [problem]}, chosen=None
        )
    drafts.set_unit(_draft(code, create=True), unit_id)
    return _next_step("site.apply_form", code)


# -- (2) the form --------------------------------------------------------------------------------------
def _applicant(form: dict, account) -> tuple[str, str | None]:
    part = form.get("applicant") or form.get("owner") or {}
    part = part if isinstance(part, dict) else {}
    name = part.get("full_name") if isinstance(part.get("full_name"), str) else None
    number = part.get("citizen_id") if isinstance(part.get("citizen_id"), str) else None
    return (name or account.full_name or "").strip(), number or account.document_number


def form_problems(row, form: dict, account, fields) -> dict[str, list[str]]:
    """Every error at once: the plugin's validator (``catalogue.check_form``) and the intake's own check
    of the applicant, by input name."""
    errors: dict[str, list[str]] = {}
    name, _number = _applicant(form, account)
    if not name:
        errors["_"] = [_("Enter the applicant's full name.")]
    try:
        catalogue.check_form(active(), row, form, current_tenant().plugins.get(row.plugin or ""))
    except InvalidInput as error:
        errors.update(_by_input(error.errors, fields))
    return errors


def _by_input(errors: dict, fields) -> dict[str, list[str]]:
    known = schema_form.names(fields)
    flat = schema_form.flat_errors(errors)
    result: dict[str, list[str]] = {}
    for name, messages in flat.items():
        result.setdefault(name if name in known else "_", []).extend(messages)
    return result


@portal.route("/procedures/<code>/apply/form", methods=["GET", "POST"])
@wizard_step
def apply_form(code: str):
    row = online_procedure(code)
    fields = _fields(row)
    posted = _posted()
    if posted is None:
        draft = _draft(code, create=False)
        values = draft.form or schema_form.prefilled(fields, _profile(_account()))
        return _render("portal/apply_form.html", row, draft, fields=fields, values=values, errors={})
    draft = _draft(code, create=True)
    data = schema_form.read(fields, posted)
    drafts.set_form(draft, data)
    errors = form_problems(row, data, _account(), fields)
    if errors:
        _keep_draft_despite_the_error()
        return _render("portal/apply_form.html", row, draft, 422, fields=fields, values=data, errors=errors)
    return _next_step("site.apply_documents", code)


def _profile(account) -> dict:
    return {
        "full_name": account.full_name,
        "national_id": account.national_id,
        "phone": account.phone,
        "email": account.email,
    }


# -- (3) documents --------------------------------------------------------------------------------------
@portal.before_app_request
def _upload_limit() -> None:
    """The documents step takes a file up to MOTCUA_UPLOAD_MAX_BYTES (plus the multipart envelope), like
    the documents API: set before the CSRF check reads the form."""
    if request.endpoint == "site.apply_documents" and request.method == "POST":
        request.max_content_length = runtime().config.upload_max_bytes + MULTIPART_ALLOWANCE


def _component(row, posted) -> int | None:
    raw = (posted.get("component") or "").strip()
    if raw.isdigit() and int(raw) < len(row.documents or ()):
        return int(raw)
    return None


def _megabytes(size: int) -> str:
    # in MiB, as the limit is set and as the "larger than %(n)s MB" error counts it
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


@portal.route("/procedures/<code>/apply/documents", methods=["GET", "POST"])
@wizard_step
def apply_documents(code: str):
    row = online_procedure(code)
    posted = _posted()
    if posted is None:
        draft = _draft(code, create=False)
        return _render("portal/apply_documents.html", row, draft, errors={})
    index = _component(row, posted)
    if index is None:
        return _render(
            "portal/apply_documents.html",
            row,
            _draft(code, create=False),
            422,
            errors={"_": [_("Choose which document you are sending.")]},
        )
    draft = _draft(code, create=True)
    objects = _objects()
    if posted.get("action") == "reuse":
        return _give_again(row, draft, objects, index, posted.get("kept", ""))
    if posted.get("action") == "remove":
        previous = drafts.detach_file(draft, index)
        if previous:
            on_commit(lambda: drafts.remove_files(objects, [previous], _log_orphan))
        return redirect(url_for("site.apply_documents", code=code) + f"#document-{index}", 303)
    upload = request.files.get("file") if request.method == "POST" else None
    name = f"file-{index}"
    if upload is None or not upload.filename:
        problem = (
            _("Choose the file again: files are not kept while you log in.")
            if g.get("replayed") is not None
            else _("Choose a file to upload.")
        )
        return _render("portal/apply_documents.html", row, draft, 422, errors={name: [problem]})
    limit = runtime().config.upload_max_bytes
    try:
        spooled = documents.spool(upload.stream, limit)  # the documents service's own checks
    except documents.PayloadTooLarge:
        problem = _(
            "The file is larger than %(mb)s MB. Choose a smaller file (a scan at 150–200 dpi is enough).",
            mb=_megabytes(limit),
        )
        return _render("portal/apply_documents.html", row, draft, 413, errors={name: [problem]})
    except InvalidInput as error:
        empty = "empty" in str(error.message)
        problem = (
            _("The file is empty. Choose the file again.")
            if empty
            else _("Only PDF, JPEG and PNG files are accepted. This file is none of them (its content was checked).")
        )
        return _render("portal/apply_documents.html", row, draft, 422, errors={name: [problem]})
    stored = _hold(draft, objects, index, spooled, documents.display_name(upload.filename, spooled.content_type))
    flash(_("“%(name)s” is uploaded.", name=stored.filename), "success")
    return redirect(url_for("site.apply_documents", code=code) + f"#document-{index}", 303)


def _hold(draft: PortalDraft, objects, index: int, spooled, filename: str, reused_from: int | None = None):
    """Store checked bytes as the draft's answer to required document ``index`` and commit; the file it
    replaces goes once that is committed. Committed here, like the documents API: should the commit fail,
    the object just stored goes too."""
    try:
        key = drafts.store_file(objects, spooled.file, spooled.content_type)
    finally:
        spooled.close()
    stored = drafts.DraftFile(key, filename, spooled.size, spooled.content_type, spooled.sha256, reused_from)
    previous = drafts.attach_file(draft, index, stored)
    try:
        request_work().commit()
    except BaseException:
        documents.discard(objects, key)
        raise
    if previous:
        drafts.remove_files(objects, [previous], _log_orphan)
    return stored


def _give_again(row, draft: PortalDraft, objects, index: int, raw_kept: str):
    """Answer required document ``index`` with one of the citizen's kept documents of the same kind: its
    bytes copied into the draft (as an upload is), marked as given again; the dossier records it at submit."""
    kept_id = int(raw_kept) if raw_kept.isascii() and raw_kept.isdigit() and len(raw_kept) < 19 else 0
    name = f"kept-{index}"
    try:
        source = store.source_of(tenant_session(), session.signed_in().id, kept_id, row.documents[index]["name"])
        with documents.open_content(objects, source) as stream:  # its bytes may be gone, or over today's limit
            spooled = documents.spool(stream, runtime().config.upload_max_bytes)
    except (NotFound, documents.PayloadTooLarge, InvalidInput):
        problem = _("This kept document cannot be given again: choose another, or upload the file.")
        return _render("portal/apply_documents.html", row, draft, 422, errors={name: [problem]})
    stored = _hold(draft, objects, index, spooled, source.filename, reused_from=source.id)
    flash(_("“%(name)s” is given again from your documents.", name=stored.filename), "success")
    return redirect(url_for("site.apply_documents", code=row.code) + f"#document-{index}", 303)


def _log_orphan(key: str) -> None:
    log.exception("could not delete the draft file %s", key)


# -- (4) review and submit -----------------------------------------------------------------------------
def _missing_documents(row, draft: PortalDraft) -> list[str]:
    held = draft.documents or {}
    return [
        document["name"]
        for index, document in enumerate(row.documents or ())
        if document.get("required", True) and str(index) not in held
    ]


def _review(row, draft: PortalDraft, status: int = 200, errors: dict | None = None):
    session_ = tenant_session()
    account = _account()
    fields = _fields(row)
    unit = session_.get(Unit, draft.receiving_unit_id) if draft.receiving_unit_id else None
    form_errors = form_problems(row, draft.form or {}, account, fields) if draft.form else {}
    fees = []
    if draft.form and not form_errors:
        _cleaned, fees = catalogue.check_form(active(), row, draft.form, current_tenant().plugins.get(row.plugin or ""))
    problems = []
    if unit is None:
        problems.append((_("Choose where to submit."), url_for("site.apply", code=row.code)))
    if not draft.form or form_errors:
        problems.append((_("Complete the application form."), url_for("site.apply_form", code=row.code)))
    missing = _missing_documents(row, draft)
    if missing:
        problems.append(
            (_("Upload: %(names)s.", names="; ".join(missing)), url_for("site.apply_documents", code=row.code))
        )
    return _render(
        "portal/apply_review.html",
        row,
        draft,
        status,
        unit=unit,
        fields=fields,
        values=draft.form or {},
        fees=fees,
        total_fee=sum(f.amount for f in fees),
        problems=problems,
        errors=errors or {},
    )


@portal.get("/procedures/<code>/apply/review")
@wizard_step
def apply_review(code: str):
    row = online_procedure(code)
    return _review(row, _draft(code, create=False))


@portal.post("/procedures/<code>/apply/submit")
@wizard_step
def apply_submit(code: str):
    row = online_procedure(code)
    draft = drafts.find_draft(tenant_session(), session.signed_in().id, code, lock=True)
    if draft is None:
        return redirect(url_for("site.apply", code=code), 303)
    if draft.receiving_unit_id is None or not draft.form or _missing_documents(row, draft):
        return _review(row, draft, 422)
    work, objects, created = request_work(), _objects(), []
    try:
        dossier = _intake(row, draft)
        for index, entry in sorted((draft.documents or {}).items(), key=lambda item: int(item[0])):
            document, new = _attach(objects, dossier, int(index), entry)
            if new:
                created.append(document.storage_key)
        keys = drafts.delete_draft(tenant_session(), draft)
        work.commit()
    except BaseException as error:
        for key in created:
            documents.discard(objects, key)
        if not isinstance(error, ServiceError):
            raise
        work.rollback()
        return _submission_failed(code, error)
    drafts.remove_files(objects, keys, _log_orphan)
    return redirect(url_for("site.apply_done", code=dossier.code), 303)


def _intake(row, draft: PortalDraft):
    """``intake.intake`` as the API's online branch calls it: the citizen account is the owner, the
    acknowledgement goes to its own contact, at most MOTCUA_ONLINE_SUBMISSIONS_PER_HOUR an hour."""
    session_ = tenant_session()
    citizen = session.signed_in()
    owner = citizens.get_account(session_, citizen.id)
    name, number = _applicant(draft.form or {}, owner)
    info = current_tenant()
    return intake.intake(
        session_,
        session.actor(),
        set(),
        active(),
        tenant_context(),
        intake.Intake(
            procedure_code=row.code,
            receiving_unit_id=draft.receiving_unit_id,
            channel=Channel.ONLINE,
            applicant_name=name,
            applicant_citizen_id=number,
            applicant_contact=owner.contact or None,
            citizen_account_id=owner.id,
            account_contact=owner.contact,
            form=draft.form,
            identity_verified=citizens.submits_verified(citizen, owner, number),
        ),
        content=ContentVersions(info.id, info.catalogue_version, info.units_version),
        submissions_per_hour=runtime().config.online_submissions_per_hour,
    )


def _attach(objects, dossier, index: int, entry: dict):
    """One draft file attached to the new dossier through the documents service (checked again, stored
    under a documents/ key; the draft's copy goes once the submission is committed)."""
    with objects.open(entry["key"]) as stream:
        spooled = documents.spool(stream, runtime().config.upload_max_bytes)
    try:
        return documents.add_document(
            tenant_session(),
            objects,
            session.actor(),
            dossier,
            spooled,
            documents.NewDocument("component", entry.get("filename"), str(index), reused_from=entry.get("reused_from")),
            tenant_slug=current_tenant().slug,
            signatures=signature_checking(),
        )
    finally:
        spooled.close()


def _submission_failed(code: str, error: ServiceError):
    """Nothing was written: back to the step that can put it right, with the service's reason."""
    row = online_procedure(code)
    draft = _draft(code, create=False)
    fields_ = error.errors or {}
    if "receiving_unit_id" in fields_:
        units = receiving.receiving_units(tenant_session(), row, today())
        problem = _("The unit you chose no longer receives this procedure. Choose one of the units listed.")
        return _render(
            "portal/apply_unit.html", row, draft, 422, units=units, errors={"unit_id": [problem]}, chosen=None
        )
    if isinstance(error, TooManyAttempts):
        message = _("You have submitted many dossiers in the last hour. Your draft is kept: submit it a little later.")
        response = _review(row, draft, 429, errors={"_": [message]})
        return response[0], 429, {"Retry-After": str(error.retry_after)}
    if isinstance(error, InvalidInput) and not isinstance(error, documents.PayloadTooLarge) and set(fields_) - {"file"}:
        fields = _fields(row)
        errors = _by_input(fields_, fields)
        return _render("portal/apply_form.html", row, draft, 422, fields=fields, values=draft.form, errors=errors)
    return _review(row, draft, error.status, errors={"_": [str(error.message)]})


# -- after submitting ------------------------------------------------------------------------------------
@portal.get("/my/dossiers/<code>/submitted")
@citizen_required
def apply_done(code: str):
    dossier = dossiers.get_own_dossier(tenant_session(), code, session.signed_in().id)
    row = tenant_session().get(Procedure, dossier.procedure_id)
    fees = payment_pages.fees_of(tenant_session(), dossier)
    return render_template("portal/apply_done.html", dossier=dossier, procedure=row, fees=fees)


# -- saved drafts ---------------------------------------------------------------------------------------
def _resume_step(draft: PortalDraft) -> str:
    if draft.receiving_unit_id is None:
        return "site.apply"
    if not draft.form:
        return "site.apply_form"
    return "site.apply_documents" if not draft.documents else "site.apply_review"


@portal.get("/my/drafts")
@citizen_required
def my_drafts():
    session_ = tenant_session()
    rows = []
    for draft in drafts.own_drafts(session_, session.signed_in().id):
        try:
            procedure = catalogue.get_procedure(session_, draft.procedure_code, tenant_context().enabled)
        except NotFound:
            procedure = None
        rows.append({"draft": draft, "procedure": procedure, "resume": url_for("site.my_draft", draft_id=draft.id)})
    return render_template("portal/my_drafts.html", rows=rows)


@portal.get("/my/drafts/<int:draft_id>")
@citizen_required
def my_draft(draft_id: int):
    draft = drafts.get_own_draft(tenant_session(), session.signed_in().id, draft_id)
    return redirect(url_for(_resume_step(draft), code=draft.procedure_code), 303)


@portal.post("/my/drafts/<int:draft_id>/delete")
@citizen_required
def delete_draft(draft_id: int):
    session_ = tenant_session()
    draft = drafts.get_own_draft(session_, session.signed_in().id, draft_id, lock=True)
    keys = drafts.delete_draft(session_, draft)
    objects = _objects()
    on_commit(lambda: drafts.remove_files(objects, keys, _log_orphan))
    flash(_("The draft is deleted."), "success")
    return redirect(url_for("site.my_drafts"), 303)
