"""The national sync's tables: the outbox of dossier changes, the province's settings of the remote end, and
the dossiers that came in from the national portal (its id → ours)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column


class SyncStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its turn, or for its next attempt after a failure
    DELIVERED = "delivered"  # the receiver answered 2xx
    HELD = "held"  # the receiver refused it for good (4xx): waits for an operator's "retry now"


class NationalSyncOutbox(TenantBase):
    """One change of one dossier to tell the national portal, written in the transaction of the change.
    ``sequence`` is the dossier's version after the change: it grows with every change of the dossier, so
    rows go out in that order, one dossier at a time, and a row that cannot go blocks only the later rows of
    its own dossier. ``payload`` is the section-2 record as it was at the change (a later change does not
    rewrite what an earlier one said). ``idempotency_key`` is sent with every attempt at the row: the
    receiver recognises a repeat (after a worker died between sending and recording) by it."""

    __tablename__ = "national_sync_outbox"
    __table_args__ = (
        UniqueConstraint("dossier_id", "sequence", name="uq_national_sync_outbox_dossier_sequence"),
        CheckConstraint("status IN ('pending', 'delivered', 'held')", name="status"),
        CheckConstraint("(status = 'delivered') = (delivered_at IS NOT NULL)", name="delivered"),
        # what the worker looks for: rows not delivered yet, by when they may next be tried
        Index(
            "ix_national_sync_outbox_due",
            "next_attempt_at",
            "dossier_id",
            "sequence",
            postgresql_where=text("status = 'pending'"),
        ),
        # what blocks a dossier's later rows: its undelivered ones (pending or held)
        Index(
            "ix_national_sync_outbox_undelivered",
            "dossier_id",
            "sequence",
            postgresql_where=text("status <> 'delivered'"),
        ),
    )

    id: Mapped[int] = id_column()
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"))
    sequence: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    payload: Mapped[dict] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(10), default=SyncStatus.PENDING)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = created_at_column()
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class NationalSyncSettings(TenantBase):
    """The province's remote end: at most one row. ``secret`` signs what we send and checks what the
    national portal sends us (HMAC-SHA256); it is never shown back, logged or put in an audit event."""

    __tablename__ = "national_sync_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("timeout_seconds BETWEEN 1 AND 120", name="timeout"),
        CheckConstraint("NOT enabled OR (endpoint_url IS NOT NULL AND secret IS NOT NULL)", name="enabled_complete"),
    )

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1, autoincrement=False)
    enabled: Mapped[bool] = mapped_column(default=False)
    endpoint_url: Mapped[str | None] = mapped_column(String(500))
    secret: Mapped[str | None] = mapped_column(String(200))
    timeout_seconds: Mapped[int] = mapped_column(SmallInteger, default=10)
    updated_at: Mapped[dt.datetime] = created_at_column()


class NationalIntake(TenantBase):
    """A dossier submitted on the national portal, by the portal's own id: the same id sent again is the
    same dossier, never a second one."""

    __tablename__ = "national_intakes"

    national_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"), unique=True)
    received_at: Mapped[dt.datetime] = created_at_column()
