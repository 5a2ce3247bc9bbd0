"""The officer's workspace: the inbox of the officer's units (the staff API's filters, with counts), one
dossier (form data, documents, history) and the status changes its state allows, each a plain POST form.

Everything goes through the staff API's services, called the same way (dossiers/api.py): the inbox is
``inbox_select`` over ``caller_inbox_scope()``, a dossier is ``get_dossier`` (another unit's is a 404 like a code
that does not exist), the actions are ``allowed_targets`` and a change is ``transition``. A form names the
dossier version the page was drawn from (a hidden field, the API's If-Match): when someone else changed the
dossier meanwhile, nothing is written and the answer is a 409 showing its current state."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_smorest.pagination import PaginationParameters
from motcua_onestop.catalogue import services as catalogue
from motcua_onestop.dossiers import labels as status_words
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.documents import downloads, signature_checks
from motcua_onestop.dossiers.documents import services as documents
from motcua_onestop.dossiers.http import caller_inbox_scope, caller_units
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.dossiers.ratings import services as ratings
from motcua_onestop.dossiers.workflow import services as workflow
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.i18n import current_locale
from motcua_platform.plugins.engine import active
from motcua_platform.plugins.forms import form_json_schema
from motcua_platform.signatures import registry
from motcua_platform.storage.services import tenant_objects
from motcua_platform.web.context import current_tenant, runtime, tenant_context, tenant_session
from motcua_platform.web.pagination import paginate
from sqlalchemy import func, select

from motcua_console import dossier_panels, labels, people, session
from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console
from motcua_console.labels import N_

PAGE_SIZE = 20
COMMENT_MAX = 2000
DUE_SOON_HOURS = 16  # two working days
# The inbox's views: the staff API's filters (GET /api/v1/dossiers), by name.
VIEWS = {
    "open": ({}, N_("Open dossiers")),
    "mine": ({"step_unit": True}, N_("At my unit's step")),
    "due_soon": ({"due_soon": DUE_SOON_HOURS}, N_("Due within two working days")),
    "overdue": ({"overdue": True}, N_("Overdue")),
}


def _view_name() -> str:
    name = request.args.get("view", "open")
    return name if name in VIEWS else "open"


def _status_filter() -> int | None:
    raw = request.args.get("status", "")
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) in status_words.STATUSES else None


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 10_000 else 1


def _count(db, query, cap: int) -> tuple[int, bool]:
    """How many rows ``query`` has, counting at most ``cap`` (then the second value is False)."""
    counted = db.scalar(select(func.count()).select_from(query.order_by(None).limit(cap + 1).subquery()))
    return min(counted, cap), counted <= cap


@console.get("")
@staff_required
def inbox():
    view, status, page = _view_name(), _status_filter(), _page_number()
    db = tenant_session()
    scope = caller_inbox_scope(db)
    cap = runtime().config.list_count_cap
    counts = {
        name: _count(db, dossiers.inbox_select(db, scope, dossiers.InboxFilter(**filters)), cap)
        for name, (filters, _title) in VIEWS.items()
    }
    filters = dossiers.InboxFilter(**VIEWS[view][0], status=status)
    query = dossiers.inbox_select(db, scope, filters)
    pagination = PaginationParameters(page, PAGE_SIZE)
    rows = paginate(db, query, pagination, count_cap=cap, keyset=dossiers.inbox_order(query))
    pages = max(1, -(-pagination.item_count // PAGE_SIZE))
    now = utcnow()
    return render_template(
        "console/inbox.html",
        dossiers=rows,
        procedures={row.id: dossiers.procedure_of(db, row) for row in rows},
        outcomes={row.id: workflow.dossier_outcome(row, now) for row in rows},
        views=[(name, _(title)) for name, (_filters, title) in VIEWS.items()],
        view=view,
        counts=counts,
        status=status,
        statuses=[(code, _(name)) for code, name in status_words.STATUSES.items()],
        page=page,
        pages=pages,
        page_url=lambda number: url_for("console.inbox", view=view, status=status, page=number),
    )


def _with_register(db, checks: dict[int, dict | None]) -> dict[int, dict | None]:
    """Each shown signature that is valid and intact, made with one of the province's registered certificates,
    says whose it is: the agency's seal, or the officer's name. The certificate is public, so a broken or forged
    signature naming it says nothing of the kind; one made after the certificate was retired is flagged."""
    shown = [signature for check in checks.values() if check for signature in check["signatures"]]
    genuine = [signature for signature in shown if signature.get("intact") and signature.get("valid")]
    known = registry.registered_among(db, (signature.get("fingerprint") or "" for signature in genuine))
    names = people.staff_names(db, (row.staff_id for row in known.values()))
    for signature in genuine:
        row = known.get(signature.get("fingerprint") or "")
        if row is not None:
            signed_at = signature.get("signed_at")
            signature["registered"] = {
                "seal": row.purpose == "seal",
                "staff": names.get(row.staff_id, ""),
                "retired": row.retired_at is not None,
                "signed_after_retirement": bool(row.retired_at and signed_at and signed_at >= row.retired_at),
            }
    return checks


def detail_page(
    dossier: Dossier, *, errors: dict | None = None, values: dict | None = None, conflict: str | None = None
):
    """The page of one dossier as it is now; ``conflict`` explains why a change was not made."""
    db = tenant_session()
    procedure = dossiers.procedure_of(db, dossier)
    history = dossiers.history(db, dossier)
    current = documents.current_documents(db, dossier)
    return render_template(
        "console/dossier.html",
        dossier=dossier,
        procedure=procedure,
        current_step=dossiers.current_step_name(db, dossier),
        outcome=workflow.dossier_outcome(dossier, utcnow()),
        form_data=_form_rows(procedure, dossier.form_data),
        documents=current,
        signature_checks=_with_register(db, {d.id: signature_checks.display(d.signature_check) for d in current}),
        rating=ratings.rating_of(db, dossier),
        rating_levels=ratings.LEVELS,
        history=history,
        actor_names=people.actor_names(db, (entry.actor for entry in history)),
        actions=dossiers.allowed_targets(dossier),
        reason_required=labels.REASON_REQUIRED,
        errors=errors or {},
        values=values or {},
        conflict=conflict,
        **dossier_panels.context(db, dossier),
    )


def _form_rows(procedure, data) -> list[tuple[str, str]]:
    """The dossier's form as label and text pairs, in the order and with the titles of the procedure's form
    (its plugin's JSON Schema, as the portal's wizard shows it); lists one item a line, parts flattened."""
    definition = catalogue.definition_for(active(), procedure)
    schema = form_json_schema(definition.form) if definition is not None else {}
    english = current_locale() == "en"
    rows: list[tuple[str, str]] = []

    def title(key: str, node: dict) -> str:
        named = (english and node.get("x-title-en")) or node.get("title") or node.get("description")
        return str(named) if named else key.replace("_", " ").capitalize()  # as the portal's wizard does

    def walk(prefix: str, value, node: dict) -> None:
        if isinstance(value, dict):
            properties = node.get("properties") or {}
            keys = [k for k in properties if k in value] + [k for k in value if k not in properties]
            for key in keys:
                name = title(key, properties.get(key) or {})
                walk(f"{prefix} › {name}" if prefix else name, value[key], properties.get(key) or {})
        elif isinstance(value, list):
            rows.append((prefix, "\n".join(str(item) for item in value)))
        elif isinstance(value, bool):
            rows.append((prefix, _("Yes") if value else _("No")))
        else:
            choices = (english and node.get("x-enum-titles-en")) or node.get("x-enum-titles") or {}
            shown = "" if value is None else str(value)
            rows.append((prefix, str(choices.get(shown, shown))))

    walk("", data or {}, schema)
    return rows


@console.get("/dossiers/<code>")
@staff_required
def dossier(code: str):
    return detail_page(dossiers.get_dossier(tenant_session(), code, caller_units()))


def changed_meanwhile() -> str:
    return _(
        "Someone else changed this dossier while you had it open, so nothing was changed. "
        "Here is its current state: check it, then do it again if you still need to."
    )


def form_number(name: str, digits: int = 18) -> int:
    raw = request.form.get(name, "")
    if not (raw.isascii() and raw.isdecimal() and len(raw) <= digits):
        abort(400)
    return int(raw)


@console.post("/dossiers/<code>/transitions")
@staff_required
def move(code: str):
    """Change the dossier's status, as ``POST /api/v1/dossiers/<code>/transitions`` with If-Match."""
    version = form_number("version")
    target = form_number("to_status", 2)
    comment = (request.form.get("comment") or "").strip()[:COMMENT_MAX]
    db = tenant_session()
    row = dossiers.get_dossier(db, code, caller_units(), lock=True)
    if row.version != version:
        return detail_page(row, conflict=changed_meanwhile()), 409
    try:
        dossiers.transition(db, session.actor(), row, target, version, comment or None, tenant=tenant_context())
    except Conflict as error:  # the state machine does not allow it (or a required document is missing)
        return detail_page(row, conflict=str(error.message)), 409
    except InvalidInput as error:
        errors = {f"comment-{target}": [str(m) for m in error.errors.get("comment", [error.message])]}
        return detail_page(row, errors=errors, values={"target": target, "comment": comment}), 422
    flash(_("Done: the dossier is now “%(status)s”.", status=status_words.status(row.status)), "success")
    return redirect(url_for("console.dossier", code=code), 303)


@console.get("/dossiers/<code>/documents/<int:document_id>")
@staff_required
def document(code: str, document_id: int):
    """One of the dossier's files, as the API's download: an attachment under its sanitised name."""
    db = tenant_session()
    who = documents.Requester(officer_units=frozenset(caller_units()))
    row = documents.authorize(db, code, who, documents.READ)
    stored = documents.get_document(db, row, document_id)
    return downloads.attachment(db, tenant_objects(runtime().config, current_tenant().slug), stored)
