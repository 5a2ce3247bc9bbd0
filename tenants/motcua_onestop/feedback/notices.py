"""What the sender of a feedback item is told, at the contact they gave: that it was received, with the
private link (the only message that can carry it: the token is kept hashed), and each step the office takes
that asks something of them or ends it (a request for more information, a rejection, the answer). Queued in
the step's transaction; sent by the notifications' drain."""

from __future__ import annotations

from sqlalchemy.orm import Session

from motcua_onestop.feedback.models import FeedbackItem
from motcua_onestop.notifications import services as notifications
from motcua_onestop.notifications.models import Event
from motcua_onestop.notifications.templates import render_feedback

STEPS = {  # the step → its event, when it happened, and the office's words
    "request_info": (Event.FEEDBACK_INFO, "info_requested_at", "info_request"),
    "reject": (Event.FEEDBACK_REJECTED, "rejected_at", "reject_reason"),
    "answer": (Event.FEEDBACK_ANSWERED, "answered_at", "answer"),
}


def received(session: Session, item: FeedbackItem, link: str, *, locale: str) -> int:
    rendered = render_feedback(Event.FEEDBACK_RECEIVED, item.code, item.submitter_name, link=link, locale=locale)
    return notifications.queue_for_feedback(
        session, item.id, item.submitter_contact, Event.FEEDBACK_RECEIVED, rendered, fact="received"
    )


def step(session: Session, item: FeedbackItem, action: str, *, locale: str) -> int:
    """The message of ``action`` just taken on ``item`` (nothing for the steps that ask nothing of the
    sender: assignment, publication)."""
    if action not in STEPS:
        return 0
    event, moment, words = STEPS[action]
    rendered = render_feedback(event, item.code, item.submitter_name, text=getattr(item, words) or "", locale=locale)
    fact = f"{getattr(item, moment):%Y%m%d%H%M%S%f}"
    return notifications.queue_for_feedback(session, item.id, item.submitter_contact, event, rendered, fact=fact)
