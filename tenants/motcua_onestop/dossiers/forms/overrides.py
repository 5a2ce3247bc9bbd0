"""A province's own wording of a form: its template text, checked when saved (it must parse, render with
sample data and lay out as a PDF) and used by every print of that form in the tenant afterwards.

No Flask here.
"""

from __future__ import annotations

from pathlib import Path

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import NotFound
from motcua_platform.i18n import _
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.forms import rendering
from motcua_onestop.dossiers.forms.models import FormTemplate
from motcua_onestop.dossiers.forms.samples import sample_context
from motcua_onestop.dossiers.forms.services import FORMS


def check_number(number: str) -> None:
    if number not in FORMS:
        raise NotFound(_("No form %(number)s; the forms are %(forms)s.", number=number, forms=", ".join(FORMS)))


def describe(session: Session, number: str) -> dict:
    """Form ``number``'s template as printed now: the province's own, else the shipped one."""
    check_number(number)
    row = session.get(FormTemplate, number)
    return {
        "number": number,
        "title": FORMS[number],
        "overridden": row is not None,
        "template": row.source if row else rendering.default_source(number),
        "updated_by": row.updated_by if row else None,
        "updated_at": row.updated_at if row else None,
    }


def save(session: Session, actor: Actor, number: str, source: str, *, font: Path) -> FormTemplate:
    """Store ``source`` as the province's form ``number`` once it renders with sample data (422 otherwise)."""
    check_number(number)
    context = sample_context(number)
    context["qr"] = rendering.qr_data_uri("sample")
    rendering.check_source(number, source, context, font)
    row = session.get(FormTemplate, number)
    if row is None:
        row = FormTemplate(number=number, source=source, updated_by=str(actor))
        session.add(row)
    else:
        row.source, row.updated_by, row.updated_at = source, str(actor), utcnow()
    session.flush()
    record(session, actor, "form_template.save", target=f"form_template:{number}", chars=len(source))
    return row


def clear(session: Session, actor: Actor, number: str) -> None:
    """Back to the shipped template; a form without an override is a 404."""
    check_number(number)
    row = session.get(FormTemplate, number)
    if row is None:
        raise NotFound(
            _("Form %(number)s has no template of the province's own; it prints the shipped one.", number=number)
        )
    session.delete(row)
    session.flush()
    record(session, actor, "form_template.clear", target=f"form_template:{number}")


def list_all(session: Session) -> list[dict]:
    """Every form, saying which ones the province has reworded."""
    rows = {row.number: row for row in session.scalars(select(FormTemplate))}
    return [
        {
            "number": number,
            "title": title,
            "overridden": number in rows,
            "updated_by": rows[number].updated_by if number in rows else None,
            "updated_at": rows[number].updated_at if number in rows else None,
        }
        for number, title in FORMS.items()
    ]
