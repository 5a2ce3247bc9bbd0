"""Extending a dossier's due date with an apology (form 04) from its page: the reason, the apology to the
applicant and how many working days to add; the service computes the new due date with the province's
calendar, as ``POST /api/v1/dossiers/<code>/extensions`` (``extensions.extend``, If-Match) does. The
dossier's extensions are listed, with the apology letter (form 04) to print once there is one."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.extensions import services as extensions
from motcua_onestop.dossiers.http import caller_units
from motcua_onestop.dossiers.models import Dossier
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.i18n import format_datetime
from motcua_platform.web.context import tenant_context, tenant_session
from sqlalchemy.orm import Session

from motcua_console import session
from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console
from motcua_console.dossier_panels import panel
from motcua_console.officer_pages import changed_meanwhile, detail_page, form_number

APOLOGY_FORM = "04"
MAX_DAYS = 365  # as the API's ExtensionRequestSchema
FIELDS = ("reason", "apology", "working_days")


@panel
def extensions_panel(db: Session, dossier: Dossier) -> dict:
    due = dossier.effective_due_at
    listed = extensions.extensions_of(db, dossier)
    return {
        "extensions": listed,
        # what the service accepts: a dossier being processed, before its due date
        "can_extend": dossier.status in extensions.EXTENSIBLE and due is not None and utcnow() < due,
    }


@console.post("/dossiers/<code>/extensions")
@staff_required
def extend(code: str):
    version = form_number("version")
    values = {name: (request.form.get(name) or "").strip() for name in FIELDS}
    db = tenant_session()
    row = dossiers.get_dossier(db, code, caller_units(), lock=True)
    if row.version != version:
        return detail_page(row, conflict=changed_meanwhile(), values=values), 409
    raw = values["working_days"]
    if not (raw.isascii() and raw.isdecimal() and len(raw) <= 3 and 1 <= int(raw) <= MAX_DAYS):
        errors = {"working_days": [_("A whole number of working days, from 1 to %(n)s.", n=MAX_DAYS)]}
        return detail_page(row, errors=errors, values=values), 422
    request_ = extensions.ExtensionRequest(reason=values["reason"], apology=values["apology"], working_days=int(raw))
    try:
        extension = extensions.extend(
            db, session.actor(), session.signed_in().id, row, version, request_, tenant=tenant_context()
        )
    except InvalidInput as error:
        errors = {name: [str(m) for m in error.errors[name]] for name in FIELDS if name in error.errors}
        return detail_page(row, errors=errors or {"working_days": [str(error.message)]}, values=values), 422
    except Conflict as error:  # not being processed, or already due
        return detail_page(row, conflict=str(error.message), values=values), 409
    new_due = format_datetime(extension.new_due_at, timezone=tenant_context().timezone)
    flash(_("The due date is extended to %(due)s. The applicant is told.", due=new_due), "success")
    return redirect(url_for("console.dossier", code=code, _anchor="extensions"), 303)
