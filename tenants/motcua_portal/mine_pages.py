"""A signed-in citizen's own dossiers: the list (filtered by status), one dossier (procedure, status, dates,
current step, the history meant for its owner, documents, the forms addressed to the applicant, the
result) and the actions its status allows: withdraw, upload the documents asked for, say "supplement
done", rate the processing once the result is ready. Ownership is ``dossiers.services.get_own_dossier``'s
alone (through ``documents.authorize`` for files): someone else's dossier is a 404, like a code that does not
exist. The services are the API's (dossiers/citizen_api.py, dossiers/documents/api.py, dossiers/forms/api.py,
dossiers/ratings), called the same way.

A change names the dossier version the page was drawn from (a hidden field, the API's If-Match): when
someone else changed the dossier meanwhile, nothing is written and the page shows its current state."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_smorest.pagination import PaginationParameters
from motcua_onestop.dossiers import labels as status_words
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.documents import downloads, store
from motcua_onestop.dossiers.documents import services as documents
from motcua_onestop.dossiers.documents.api import MULTIPART_ALLOWANCE
from motcua_onestop.dossiers.documents.checklist import checklist
from motcua_onestop.dossiers.documents.models import DocumentKind
from motcua_onestop.dossiers.documents.web_checks import signature_checking
from motcua_onestop.dossiers.forms import services as forms
from motcua_onestop.dossiers.forms import signing as form_signing
from motcua_onestop.dossiers.models import Dossier, Status
from motcua_onestop.dossiers.ratings import services as ratings
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.rendering.pdf import find_font
from motcua_platform.storage.services import tenant_objects
from motcua_platform.web.context import current_tenant, runtime, tenant_context, tenant_session
from motcua_platform.web.pagination import paginate

from motcua_portal import labels, payment_pages, rating_pages, session
from motcua_portal.account_pages import citizen_required
from motcua_portal.blueprint import portal

PAGE_SIZE = 20
REASON_MAX = 2000  # as the API's WithdrawalSchema and SupplementDoneSchema
UPLOAD_ENDPOINT = "site.my_dossier_upload"


@portal.before_app_request  # app-wide hooks run before the blueprint's CSRF check reads the form
def allow_document_uploads():
    """An upload may be larger than MOTCUA_MAX_BODY_BYTES, up to the file limit plus the multipart
    envelope, as on the API's upload route."""
    if request.endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = runtime().config.upload_max_bytes + MULTIPART_ALLOWANCE


def _requester() -> documents.Requester:
    return documents.Requester(citizen_account_id=session.signed_in().id)


def _objects():
    return tenant_objects(runtime().config, current_tenant().slug)


def _detail_url(code: str, anchor: str | None = None) -> str:
    return url_for("site.my_dossier", code=code, _anchor=anchor)


def _status_filter() -> int | None:
    raw = request.args.get("status", "")
    return int(raw) if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= len(status_words.STATUSES) else None


def _version() -> int:
    """The dossier version the form was drawn from (the API's If-Match)."""
    raw = request.form.get("version", "")
    if not (raw.isascii() and raw.isdecimal() and len(raw) <= 18):
        abort(400)
    return int(raw)


def _text(name: str) -> str:
    return (request.form.get(name) or "").strip()


# -- the list and one dossier ----------------------------------------------------------------------
@portal.get("/my/dossiers")
@citizen_required
def my_dossiers():
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10_000 else 1
    status = _status_filter()
    pagination = PaginationParameters(page, PAGE_SIZE)
    db = tenant_session()
    rows = paginate(db, dossiers.own_dossiers_query(session.signed_in().id, status), pagination)
    pages = max(1, -(-pagination.item_count // PAGE_SIZE))
    return render_template(
        "portal/my_dossiers.html",
        dossiers=rows,
        procedures={row.id: dossiers.procedure_of(db, row) for row in rows},
        status=status,
        statuses=[(code, _(name)) for code, name in status_words.STATUSES.items()],
        page=page,
        pages=pages,
        page_url=lambda number: url_for("site.my_dossiers", page=number, status=status),
    )


def _detail(dossier: Dossier, *, errors: dict | None = None, values: dict | None = None, conflict: str | None = None):
    """The page of one dossier as it is now; ``conflict`` explains why a change was not made."""
    db = tenant_session()
    history = dossiers.citizen_history(db, dossier)
    files = documents.list_documents(db, dossier)
    can_upload = dossier.status in documents.CITIZEN_UPLOAD_STATUSES
    supplement_reason = None
    rating = ratings.rating_of(db, dossier)
    applicant_forms = forms.applicant_forms(db, dossier)
    issued = form_signing.issues_of(db, dossier)  # one statement; most dossiers have none
    if dossier.status == Status.SUPPLEMENT:
        asked = [entry for entry in history if entry["to_status"] == Status.SUPPLEMENT]
        supplement_reason = asked[-1]["comment"] if asked else None
    return render_template(
        "portal/my_dossier.html",
        dossier=dossier,
        procedure=dossiers.procedure_of(db, dossier),
        current_step=dossiers.current_step_name(db, dossier),
        history=history,
        components=[d for d in files if d.kind == DocumentKind.COMPONENT],
        # the current version of each result: a signed one supersedes the unsigned file it was made from
        results=[d for d in files if d.kind == DocumentKind.RESULT and d.superseded_at is None]
        if dossier.status == Status.RETURNED
        else [],
        component_options=_component_options(db, dossier) if can_upload else [],
        kept_options=_kept_options(db, dossier) if can_upload else [],
        can_upload=can_upload,
        can_withdraw=int(Status.WITHDRAWN) in dossiers.allowed_targets(dossier),
        can_report_supplement=dossier.status == Status.SUPPLEMENT,
        supplement_reason=supplement_reason,
        forms=[(number, _(labels.APPLICANT_FORMS[number])) for number in applicant_forms],
        # the forms whose download is the office's sealed copy now (the same test as the download's)
        signed_forms={
            number
            for number in applicant_forms
            if number in issued and form_signing.still_true(db, dossier, issued[number])
        },
        rating=rating,
        fees=payment_pages.fees_of(db, dossier),
        can_rate=rating is None and ratings.rateable(dossier),
        levels=ratings.named_levels(),
        errors=errors or {},
        values=values or {},
        conflict=conflict,
    )


def _kept_options(db, dossier: Dossier) -> list[tuple[str, str]]:
    """The citizen's kept documents that answer one of the dossier's required documents, as
    ("<index>:<kept id>", "<required document>: <file> (dossier …)") (documents given once)."""
    required = [{"name": item["name"]} for item in checklist(db, dossier)]
    offered = store.offers(db, session.signed_in().id, required)
    return [
        (f"{index}:{item.id}", f"{required[index]['name']}: {item.filename} ({item.dossier_code})")
        for index, items in offered.items()
        for item in items
        if item.dossier_code != dossier.code
    ]


def _component_options(db, dossier: Dossier) -> list[tuple[int, str]]:
    """The procedure's required documents to choose from, those already uploaded marked."""
    return [
        (item["index"], _("%(name)s (uploaded)", name=item["name"]) if item["present"] else item["name"])
        for item in checklist(db, dossier)
    ]


def _changed_meanwhile() -> str:
    return _(
        "Someone else changed this dossier while you had it open, so nothing was changed. "
        "Here is its current state: check it, then do it again if you still need to."
    )


@portal.get("/my/dossiers/<code>")
@citizen_required
def my_dossier(code: str):
    dossier = dossiers.get_own_dossier(tenant_session(), code, session.signed_in().id)
    return _detail(dossier)


# -- withdrawal ------------------------------------------------------------------------------------
def _withdraw_page(dossier: Dossier, version: int, reason: str, errors: dict) -> str:
    return render_template("portal/my_withdraw.html", dossier=dossier, version=version, reason=reason, errors=errors)


@portal.route("/my/dossiers/<code>/withdraw", methods=["GET", "POST"])
@citizen_required
def my_dossier_withdraw(code: str):
    """Asks for the reason and a confirmation (the page itself: it works without JavaScript), then asks the
    state machine to withdraw (status 7) as the API's withdrawal does."""
    db = tenant_session()
    if request.method == "GET":
        dossier = dossiers.get_own_dossier(db, code, session.signed_in().id)
        if int(Status.WITHDRAWN) not in dossiers.allowed_targets(dossier):
            flash(_("This dossier can no longer be withdrawn."), "error")
            return redirect(_detail_url(code), 303)
        return _withdraw_page(dossier, dossier.version, "", {})
    version = _version()
    reason = _text("reason")
    dossier = dossiers.get_own_dossier(db, code, session.signed_in().id, lock=True)
    if dossier.version != version:
        return _detail(dossier, conflict=_changed_meanwhile()), 409
    errors = {}
    if not reason:
        errors["reason"] = [_("Say why you withdraw the dossier.")]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [_("At most %(n)s characters.", n=REASON_MAX)]
    if errors:
        return _withdraw_page(dossier, version, reason, errors), 422
    try:
        dossiers.transition(db, session.actor(), dossier, Status.WITHDRAWN, version, reason, tenant=tenant_context())
    except Conflict as error:  # the state machine no longer allows it
        return _detail(dossier, conflict=str(error.message)), 409
    flash(_("Your request to withdraw the dossier is sent. The office will confirm it."), "success")
    return redirect(_detail_url(code), 303)


# -- supplement ------------------------------------------------------------------------------------
def _taking_documents(db, code: str):
    """The citizen's own dossier, locked to take a document, and None; or, when its status takes none from
    them, the dossier and its page saying so (409)."""
    try:
        return documents.authorize(db, code, _requester(), documents.ADD_COMPONENT, lock=True), None
    except Conflict:
        dossier = dossiers.get_own_dossier(db, code, session.signed_in().id)
        conflict = _("This dossier takes no more documents from you in its present status.")
        return dossier, (_detail(dossier, conflict=conflict), 409)


@portal.post("/my/dossiers/<code>/documents")
@citizen_required
def my_dossier_upload(code: str):
    """Add a document answering one of the procedure's required documents (statuses 1 and 5), as the API's
    upload: checked by content, stored once, a new file for the same document supersedes the old one."""
    db = tenant_session()
    dossier, refused = _taking_documents(db, code)
    if refused:
        return refused
    component = _text("component")
    values = {"component": component}
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        return _detail(dossier, errors={"file": [_("Choose the file to upload.")]}, values=values), 422
    try:
        upload = documents.spool(upload_file.stream, runtime().config.upload_max_bytes)
    except documents.PayloadTooLarge:
        limit = runtime().config.upload_max_bytes // (1024 * 1024)
        errors = {"file": [_("The file is larger than %(n)s MB. Choose a smaller file.", n=limit)]}
        return _detail(dossier, errors=errors, values=values), 413
    except InvalidInput:
        errors = {"file": [_("The file is empty or is not a PDF, JPEG or PNG file.")]}
        return _detail(dossier, errors=errors, values=values), 422
    objects = _objects()
    try:
        new = documents.NewDocument(DocumentKind.COMPONENT.value, upload_file.filename, component)
        document, created = documents.add_document(
            db,
            objects,
            session.actor(),
            dossier,
            upload,
            new,
            tenant_slug=current_tenant().slug,
            signatures=signature_checking(),
        )
    except InvalidInput:
        return _detail(dossier, errors={"component": [_("Choose which document this file is.")]}, values=values), 422
    finally:
        upload.close()
    documents.commit_or_discard(db, objects, document, created)  # as the API: a failed commit takes the file too
    if created:
        flash(_("%(file)s is uploaded as: %(name)s.", file=document.filename, name=document.component_name), "success")
    else:
        flash(_("This file was already uploaded: nothing changed."), "success")
    return redirect(_detail_url(code, "documents"), 303)


@portal.post("/my/dossiers/<code>/documents/reuse")
@citizen_required
def my_dossier_reuse(code: str):
    """Answer a required document with one of the citizen's kept documents (``documents.give_again``, as the
    API's reuse), in the statuses an upload is taken."""
    db = tenant_session()
    dossier, refused = _taking_documents(db, code)
    if refused:
        return refused
    offer = _text("offer")
    index, _sep, kept = offer.partition(":")
    if not (index.isascii() and index.isdigit() and kept.isascii() and kept.isdigit() and len(kept) < 19):
        return _detail(dossier, errors={"offer": [_("Choose one of your kept documents.")]}), 422
    objects = _objects()
    try:
        document, created = documents.give_again(
            db, objects, session.actor(), dossier, session.signed_in().id, int(kept), index,
            max_bytes=runtime().config.upload_max_bytes, tenant_slug=current_tenant().slug,
            signatures=signature_checking(),
        )  # fmt: skip
    except (NotFound, InvalidInput, documents.PayloadTooLarge):  # not theirs, another kind, or its bytes gone
        problem = _("This kept document cannot be given again: choose another, or upload the file.")
        return _detail(dossier, errors={"offer": [problem]}, values={"offer": offer}), 422
    documents.commit_or_discard(db, objects, document, created)
    flash(_("%(file)s is given again as: %(name)s.", file=document.filename, name=document.component_name), "success")
    return redirect(_detail_url(code, "documents"), 303)


@portal.post("/my/dossiers/<code>/supplement-done")
@citizen_required
def my_dossier_supplement_done(code: str):
    """Say that the documents asked for are uploaded: the service the API's supplement-done calls."""
    db = tenant_session()
    version = _version()
    comment = _text("comment")
    dossier = dossiers.get_own_dossier(db, code, session.signed_in().id, lock=True)
    if dossier.version != version:
        return _detail(dossier, conflict=_changed_meanwhile()), 409
    if len(comment) > REASON_MAX:
        errors = {"comment": [_("At most %(n)s characters.", n=REASON_MAX)]}
        return _detail(dossier, errors=errors, values={"comment": comment}), 422
    try:
        dossiers.supplement_done(db, session.actor(), dossier, version, comment or None, tenant=tenant_context())
    except Conflict as error:
        return _detail(dossier, conflict=str(error.message)), 409
    flash(_("Thank you. The office is told that the documents asked for are uploaded."), "success")
    return redirect(_detail_url(code), 303)


# -- rating ----------------------------------------------------------------------------------------
@portal.post("/my/dossiers/<code>/rating")
@citizen_required
def my_dossier_rate(code: str):
    """Rate the processing once the result is ready (once), as the API's rating does."""
    db = tenant_session()
    dossier = dossiers.get_own_dossier(db, code, session.signed_in().id)
    level, comment = rating_pages.read_form(request.form)
    try:
        ratings.rate(
            db, session.actor(), dossier, level, comment, via="portal", citizen_account_id=session.signed_in().id
        )
    except InvalidInput as error:
        return _detail(dossier, errors=error.errors, values=dict(request.form)), 422
    except Conflict as error:
        return _detail(dossier, conflict=str(error.message)), 409
    flash(_("Thank you for your rating."), "success")
    return redirect(_detail_url(code, "rating"), 303)


# -- files -----------------------------------------------------------------------------------------
@portal.get("/my/dossiers/<code>/documents/<int:document_id>")
@citizen_required
def my_dossier_document(code: str, document_id: int):
    """One of the dossier's files, as the API's download: an attachment under its sanitised name."""
    db = tenant_session()
    dossier = documents.authorize(db, code, _requester(), documents.READ)
    document = documents.get_document(db, dossier, document_id)
    return downloads.attachment(db, _objects(), document)


@portal.get("/my/dossiers/<code>/forms/<number>.pdf")
@citizen_required
def my_dossier_form(code: str, number: str):
    """A form addressed to the applicant (01–05) when it applies, as the API's own-dossier form: the copy the
    office issued sealed, when it did, else the form as it prints now."""
    forms.check_applicant_form(number)
    db = tenant_session()
    dossier = dossiers.get_own_dossier(db, code, session.signed_in().id)
    font = find_font(runtime().config.pdf_font)
    body = form_signing.applicant_copy(db, _objects(), dossier, number, tenant_context(), font=font)
    name = f"{dossier.code}-mau-{number}.pdf"
    return body, 200, {"Content-Type": "application/pdf", "Content-Disposition": f'inline; filename="{name}"'}
