from __future__ import annotations

import datetime as dt
import enum

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column


class Event(enum.StrEnum):
    SUBMITTED = "submitted"  # submitted online (status 1): the code, waiting for an officer's intake
    INTAKE = "intake"  # received (status 2): receipt, due date
    SUPPLEMENT = "supplement"  # status 5: documents to add
    PAYMENT = "payment"  # status 6: fees to pay
    DONE = "done"  # status 9: the result is ready
    LATE = "late"  # the effective due date passed (the late-notice job): apology, current status
    EXTENSION = "extension"  # an officer extended the due date (form 04): reason, apology, new date
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an event name: an account's one-time code
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - an event name: a reset by code was used
    WEEKLY_REPORT = "weekly_report"  # the province's weekly statistics report is ready (to its set addresses)
    # feedback and complaints (PAKN), to the contact its sender gave: received (with the private link), the
    # office's request for more information, its rejection, its answer
    FEEDBACK_RECEIVED = "feedback_received"
    FEEDBACK_INFO = "feedback_info"
    FEEDBACK_REJECTED = "feedback_rejected"
    FEEDBACK_ANSWERED = "feedback_answered"


# Messages carrying a one-time secret, and how long it is worth sending one: past that the code is dead,
# and the drain discards the message (and its text) instead of sending it.
SECRET_EVENT_TTL = {Event.PASSWORD_RESET: dt.timedelta(minutes=15)}


class NotifyChannel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS


class NotificationOutbox(TenantBase):
    """One message to one person, written in the transaction of the fact it announces and sent later by the
    job queue. A row belongs to exactly one of a dossier (a status change), a citizen account (a password-reset
    code), a statistics report (its notice to the province's addresses) or a feedback item (its steps, to the
    contact its sender gave). ``idempotency_key``
    (``dossier:<id>:<event>:<channel>``, ``dossier:<id>:<event>:<fact>:<channel>`` for events that recur,
    ``citizen:<id>:<event>:<fact>:<channel>`` for an account's, ``report:<id>:<event>:<address hash>:email``,
    ``feedback:<id>:<event>:<fact>:<channel>``)
    is unique: the same fact never queues two messages."""

    __tablename__ = "notification_outbox"
    __table_args__ = (
        CheckConstraint(
            "event IN ('submitted', 'intake', 'supplement', 'payment', 'done', 'late', 'extension', 'password_reset', "
            "'password_changed', 'weekly_report', 'feedback_received', 'feedback_info', 'feedback_rejected', "
            "'feedback_answered')",
            name="event",
        ),
        CheckConstraint("num_nonnulls(dossier_id, citizen_account_id, report_id, feedback_item_id) = 1", name="owner"),
        CheckConstraint("channel IN ('email', 'sms')", name="channel"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        Index("ix_notification_outbox_pending", "id", postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = id_column()
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"), index=True)
    # a statistics report's notice; no foreign key: notifications sit below the statistics, which own the table
    report_id: Mapped[int | None] = mapped_column(BigInteger)
    feedback_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback_items.id", ondelete="RESTRICT"), index=True
    )
    citizen_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("citizen_accounts.id", ondelete="RESTRICT"), index=True
    )
    event: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
