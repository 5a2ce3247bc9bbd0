"""The officer's uploads on the dossier page: a component (one of the procedure's required documents,
optionally marked as scanned from the paper original, then or later) and the result, as the staff API's upload
(``POST /api/v1/dossiers/<code>/documents``): ``documents.authorize`` for the officer's units, the file
checked by its content, stored once, committed with ``commit_or_discard``.

As in the API, an upload carries no version: it adds a file without changing what a colleague's pending
change was based on; a status that takes no such file (the dossier moved on meanwhile) is a 409."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from motcua_onestop.dossiers.documents import services as documents
from motcua_onestop.dossiers.documents.api import MULTIPART_ALLOWANCE
from motcua_onestop.dossiers.documents.checklist import checklist
from motcua_onestop.dossiers.documents.models import DocumentKind
from motcua_onestop.dossiers.documents.web_checks import signature_checking
from motcua_onestop.dossiers.http import caller_units
from motcua_onestop.dossiers.models import Dossier
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.storage.services import tenant_objects
from motcua_platform.web.context import current_tenant, runtime, tenant_session
from sqlalchemy.orm import Session

from motcua_console import session
from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console
from motcua_console.dossier_panels import panel
from motcua_console.officer_pages import detail_page

UPLOAD_ENDPOINT = "console.upload_document"


@console.before_app_request  # app-wide hooks run before the blueprint's CSRF check reads the form
def allow_document_uploads():
    """An upload may be larger than MOTCUA_MAX_BODY_BYTES, up to the file limit plus the multipart
    envelope, as on the API's upload route."""
    if request.endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = runtime().config.upload_max_bytes + MULTIPART_ALLOWANCE


@panel
def documents_panel(db: Session, dossier: Dossier) -> dict:
    can_add_component = dossier.status in documents.COMPONENT_STATUSES
    return {
        "can_add_component": can_add_component,
        "can_add_result": dossier.status in documents.RESULT_STATUSES,
        "component_options": [
            (item["index"], _("%(name)s (uploaded)", name=item["name"]) if item["present"] else item["name"])
            for item in checklist(db, dossier)
        ]
        if can_add_component
        else [],
    }


@console.post("/dossiers/<code>/documents")
@staff_required
def upload_document(code: str):
    db = tenant_session()
    kind = DocumentKind.RESULT.value if request.form.get("kind") == "result" else DocumentKind.COMPONENT.value
    action = documents.ADD_RESULT if kind == DocumentKind.RESULT.value else documents.ADD_COMPONENT
    row = documents.authorize(db, code, documents.Requester(officer_units=frozenset(caller_units())), action, lock=True)
    component = (request.form.get("component") or "").strip() if kind == DocumentKind.COMPONENT.value else ""
    digitised = kind == DocumentKind.COMPONENT.value and request.form.get("digitised") == "1"
    field = "result_file" if kind == DocumentKind.RESULT.value else "file"
    values = {"component": component, "digitised": digitised}
    upload_file = request.files.get(field)
    if upload_file is None or not upload_file.filename:
        return detail_page(row, errors={field: [_("Choose the file to upload.")]}, values=values), 422
    try:
        upload = documents.spool(upload_file.stream, runtime().config.upload_max_bytes)
    except documents.PayloadTooLarge:
        limit = runtime().config.upload_max_bytes // (1024 * 1024)
        errors = {field: [_("The file is larger than %(n)s MB. Choose a smaller file.", n=limit)]}
        return detail_page(row, errors=errors, values=values), 413
    except InvalidInput:
        errors = {field: [_("The file is empty or is not a PDF, JPEG or PNG file.")]}
        return detail_page(row, errors=errors, values=values), 422
    objects = tenant_objects(runtime().config, current_tenant().slug)
    try:
        new = documents.NewDocument(kind, upload_file.filename, component or None, digitised)
        document, created = documents.add_document(
            db,
            objects,
            session.actor(),
            row,
            upload,
            new,
            tenant_slug=current_tenant().slug,
            signatures=signature_checking(),
        )
    except InvalidInput:
        return detail_page(row, errors={"component": [_("Choose which document this file is.")]}, values=values), 422
    except Conflict as error:  # the dossier's status takes no such document (it moved on meanwhile)
        return detail_page(row, conflict=str(error.message), values=values), 409
    finally:
        upload.close()
    documents.commit_or_discard(db, objects, document, created)  # as the API: a failed commit takes the file too
    if not created:
        flash(_("This file was already uploaded: nothing changed."), "success")
    elif kind == DocumentKind.RESULT.value:
        flash(_("%(file)s is uploaded as the result.", file=document.filename), "success")
    else:
        flash(_("%(file)s is uploaded as: %(name)s.", file=document.filename, name=document.component_name), "success")
    return redirect(url_for("console.dossier", code=code, _anchor="documents"), 303)


@console.post("/dossiers/<code>/documents/<int:document_id>/digitised")
@staff_required
def mark_digitised(code: str, document_id: int):
    """Mark a component as scanned from the paper original, as ``POST …/documents/<id>/digitised``."""
    db = tenant_session()
    who = documents.Requester(officer_units=frozenset(caller_units()))
    row = documents.authorize(db, code, who, documents.ADD_COMPONENT, lock=True)
    try:
        document, _changed = documents.mark_digitised(db, session.actor(), row, document_id)
    except Conflict as error:  # not a current component, or the status takes no more components
        return detail_page(row, conflict=str(error.message)), 409
    flash(_("%(file)s is marked as scanned from the paper original.", file=document.filename), "success")
    return redirect(url_for("console.dossier", code=code, _anchor="documents"), 303)
