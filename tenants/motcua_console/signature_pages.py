"""Signing the result at a step that needs it, from the officer's dossier page (ADR 0062): the "Ký số / Sign"
button on the current step when its template asks for a signature (personal or the agency's seal), and, on
every step signed so, who signed and when.

The service and its authorisation are the staff API's (``POST …/steps/<index>/signature``):
``signing.sign_step`` with the caller's roles and id; the button shows only to the officer who claimed the
step and may act on it. The form carries the dossier version (the API's If-Match) and the step's index."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.documents import services as documents
from motcua_onestop.dossiers.documents import web_checks
from motcua_onestop.dossiers.http import caller_units
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.dossiers.workflow import services as workflow
from motcua_onestop.dossiers.workflow import signing
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.signatures.signer import SigningError
from motcua_platform.storage.services import tenant_objects
from motcua_platform.web.context import current_tenant, runtime, tenant_context, tenant_session
from sqlalchemy.orm import Session

from motcua_console import people, session
from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console
from motcua_console.dossier_panels import panel
from motcua_console.officer_pages import changed_meanwhile, detail_page, form_number


@panel
def signature_panel(db: Session, dossier: Dossier) -> dict:
    """The signatures put on the result, by step index, and whether the signed-in officer may sign now."""
    done = signing.signatures_of(db, dossier)
    steps = {step.id: step.index for step in workflow.steps_of(db, dossier)} if done else {}
    names = people.staff_names(db, (signature.staff_id for signature in done))
    step = workflow.current_step(db, dossier) if dossier.status == 4 else None
    principal = session.signed_in()
    can_sign = (
        step is not None
        and step.finished_at is None
        and step.signature is not None
        and step.claimed_by == principal.id
        and not workflow.is_signed(db, step)
        and workflow.may_act(db, principal.roles, step)
    )
    return {
        "step_signatures": {
            steps[signature.step_id]: {
                "kind": signature.kind,
                "signer": signature.signer_name,
                "by": names.get(signature.staff_id, ""),
                "at": signature.signed_at,
            }
            for signature in done
        },
        "can_sign": can_sign,
    }


@console.post("/dossiers/<code>/steps/sign")
@staff_required
def sign_step(code: str):
    """Sign the result at the current step, as ``POST /api/v1/dossiers/<code>/steps/<index>/signature``."""
    version = form_number("version")
    index = form_number("step", digits=4)
    db = tenant_session()
    row = dossiers.get_dossier(db, code, caller_units(), lock=True)
    if row.version != version:
        return detail_page(row, conflict=changed_meanwhile()), 409
    principal = session.signed_in()
    objects = tenant_objects(runtime().config, current_tenant().slug)
    try:  # someone without the step's role on its unit, or not the one who claimed it: Forbidden, a 403
        done = signing.sign_step(
            db,
            objects,
            session.actor(),
            principal.roles,
            principal.id,
            row,
            version,
            index,
            config=runtime().config,
            tenant_slug=current_tenant().slug,
            public_url=tenant_context().public_url,
        )
    except (Conflict, InvalidInput, NotFound, SigningError) as error:  # nothing to sign, no certificate, a bad key
        # nothing was written (the request's unit of work is rolled back on an error answer)
        return detail_page(row, conflict=str(error.message)), error.status
    documents.commit_or_discard(db, objects, done.document, True)
    web_checks.recheck_signed_result(done.document.id, done.document.signature_check)
    flash(_("The result is signed at step %(number)s: %(name)s.", number=index + 1, name=done.step.name), "success")
    return redirect(url_for("console.dossier", code=code, _anchor="steps"), 303)
