"""Which dossier events the applicant is told of: a status change (intake included) queues that status's
message through the notifications room, in the change's own transaction. The result message carries a
link to rate the processing (``ratings.invite``), made in the same transaction."""

from __future__ import annotations

from motcua_platform.tenant_context import TenantContext
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.models import Dossier, Status
from motcua_onestop.dossiers.ratings import services as ratings
from motcua_onestop.notifications.models import Event
from motcua_onestop.notifications.services import messages_for_dossier, queue_for_dossier, rating_url

EVENT_FOR_STATUS = {
    Status.SUBMITTED: Event.SUBMITTED,
    Status.RECEIVED: Event.INTAKE,
    Status.SUPPLEMENT: Event.SUPPLEMENT,
    Status.PAYMENT: Event.PAYMENT,
    Status.DONE: Event.DONE,
}

RECURRING_EVENTS = frozenset({Event.SUPPLEMENT, Event.PAYMENT})


def on_status_change(
    session: Session, tenant: TenantContext, dossier: Dossier, procedure_name: str, comment=None, contact=None
) -> int:
    """The hook called by ``dossiers.services`` after ``dossier.status`` changed (intake included); how
    many messages it queued. ``contact`` overrides the recipient (see ``queue_for_dossier``)."""
    event, fact = _event_of(dossier)
    if event is None:
        return 0
    link = None
    if event == Event.DONE and (token := ratings.invite(session, dossier)) is not None:
        link = rating_url(tenant.public_url, token)
    return queue_for_dossier(
        session,
        tenant,
        dossier,
        event,
        procedure_name=procedure_name,
        reason=comment,
        contact=contact,
        fact=fact,
        rating_url=link,
    )


def messages_on_status_change(
    tenant: TenantContext, dossier: Dossier, procedure_name: str, comment=None, contact=None
) -> list[dict]:
    """The outbox rows ``on_status_change`` would queue, for intake, which writes them in the same
    statement as the new dossier (``notifications.services.messages_for_dossier``)."""
    event, fact = _event_of(dossier)
    if event is None:
        return []
    return messages_for_dossier(
        tenant, dossier, event, procedure_name=procedure_name, reason=comment, contact=contact, fact=fact
    )


def _event_of(dossier: Dossier) -> tuple[Event | None, str | None]:
    event = EVENT_FOR_STATUS.get(Status(dossier.status))
    # a dossier may be asked for documents or payment more than once: each request is its own message,
    # named by the dossier version the change produced (a retry of the same change queues nothing new)
    fact = str(dossier.version) if event in RECURRING_EVENTS else None
    return event, fact
