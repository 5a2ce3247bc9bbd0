from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column


class Channel(enum.StrEnum):
    ONLINE = "online"  # submitted by the citizen on the portal
    COUNTER = "counter"  # received at the counter by an officer
    POSTAL = "postal"  # received through the public postal service (BCCI)


class Status(enum.IntEnum):
    """DVCQG-aligned status codes (docs/dossiers.md)."""

    SUBMITTED = 1  # Mới đăng ký: submitted online, awaiting intake
    RECEIVED = 2  # Được tiếp nhận: receipt issued, the clock runs
    REFUSED = 3  # Không được tiếp nhận
    PROCESSING = 4  # Đang xử lý
    SUPPLEMENT = 5  # Yêu cầu bổ sung giấy tờ: clock paused
    PAYMENT = 6  # Yêu cầu thực hiện nghĩa vụ tài chính
    WITHDRAWN = 7  # Công dân yêu cầu rút hồ sơ
    STOPPED = 8  # Dừng xử lý
    DONE = 9  # Đã xử lý xong
    RETURNED = 10  # Đã trả kết quả


# Nothing is left to do on a dossier in these statuses: refused (3), stopped (8) and result returned (10)
# are final, and a withdrawn one (7) only waits for the officer to record the stop. Such a dossier has no
# current step, whatever step it was on when it ended (``Dossier.step_in_progress``).
FINISHED_STATUSES = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED})


class DossierCounter(TenantBase):
    """The last sequence number handed out per receiving unit and (Vietnam-local) day."""

    __tablename__ = "dossier_counters"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


# When a dossier ended: finished, or closed without a result; never before its intake (a clock set by hand),
# NULL while it is open. A dossier is open at an instant t when it was received before t and had not ended
# before t: its span from intake to its end, open-ended while it is open, contains t. The statistics find
# the dossiers that ended in a period by the first (ix_dossiers_ended_at) and those open at an instant by the
# second (``@>``, ix_dossiers_open_span); a query must write each exactly so for PostgreSQL to use the index.
# What the statistics read of a dossier besides its times: the received-at index carries them, so that a
# period's intake is counted from the index alone (an index-only scan once the table is vacuumed).
REPORT_COLUMNS = (
    "receiving_unit_id",
    "procedure_id",
    "channel",
    "finished_at",
    "closed_at",
    "closed_status",
    "supplement_rounds",
    "report_due_at",
    "paused_at",
    "has_digitised_components",
    "has_result_file",
    "processing_time",
)
# what the statistics read of the dossiers open at a period's end (the open-now index carries them)
OPEN_REPORT_COLUMNS = (
    "receiving_unit_id",
    "procedure_id",
    "channel",
    "supplement_rounds",
    "report_due_at",
    "paused_at",
)
# Written as PostgreSQL prints the index back (pg_get_indexdef, line breaks included), which is what
# alembic compares the model with.
ENDED_AT = (
    "(\nCASE\n    WHEN COALESCE(finished_at, closed_at) IS NOT NULL"
    " THEN GREATEST(received_at, COALESCE(finished_at, closed_at))\n    ELSE NULL::timestamp with time zone\nEND)"
)
REPORT_SPAN = (
    "tstzrange(received_at,\nCASE\n    WHEN COALESCE(finished_at, closed_at) IS NOT NULL"
    " THEN GREATEST(received_at, COALESCE(finished_at, closed_at))\n    ELSE NULL::timestamp with time zone\nEND,"
    " '(]'::text)"
)
ENDED = "received_at IS NOT NULL AND COALESCE(finished_at, closed_at) IS NOT NULL"
OPEN = "received_at IS NOT NULL AND finished_at IS NULL AND closed_at IS NULL"
RESULT_MISSING = "finished_at IS NOT NULL AND NOT has_result_file"


class Dossier(TenantBase):
    """One application. ``procedure_id`` is the catalogue VERSION row it was submitted under; ``due_at``
    is set once, when the clock starts, and never changes; extensions go to ``extended_due_at``."""

    __tablename__ = "dossiers"
    __table_args__ = (
        CheckConstraint("channel IN ('online', 'counter', 'postal')", name="channel"),
        CheckConstraint("status BETWEEN 1 AND 10", name="status"),
        CheckConstraint("version >= 1", name="version"),
        # a citizen's own dossiers, newest first; counter and postal dossiers mostly have no account
        Index(
            "ix_dossiers_citizen_submitted",
            "citizen_account_id",
            "submitted_at",
            postgresql_where=text("citizen_account_id IS NOT NULL"),
        ),
        # the statistics find a period's dossiers by these (ADR 0038)
        Index("ix_dossiers_received_at", "received_at", postgresql_include=list(REPORT_COLUMNS)),
        Index(
            "ix_dossiers_ended_at",
            text(ENDED_AT),
            postgresql_include=["received_at", *REPORT_COLUMNS],
            postgresql_where=text(ENDED),
        ),
        # the dossiers open now: what a period not over yet counts as pending, from a small index alone
        Index(
            "ix_dossiers_open",
            "receiving_unit_id",
            postgresql_include=["received_at", *OPEN_REPORT_COLUMNS[1:]],
            postgresql_where=text(OPEN),
        ),
        # finished without a result file: what a longer period's online and digitised intake leaves out
        Index(
            "ix_dossiers_result_missing",
            "received_at",
            postgresql_include=[
                "receiving_unit_id",
                "procedure_id",
                "channel",
                "finished_at",
                "has_digitised_components",
            ],
            postgresql_where=text(RESULT_MISSING),
        ),
        Index(
            "ix_dossiers_open_span",
            text(REPORT_SPAN),
            postgresql_using="gist",
            postgresql_where=text("received_at IS NOT NULL"),
        ),
        Index("ix_dossiers_refused_at", "closed_at", postgresql_where=text("closed_status = 3")),
    )

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(80), unique=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id", ondelete="RESTRICT"), index=True)
    receiving_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    channel: Mapped[str] = mapped_column(String(10))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_citizen_id: Mapped[str | None] = mapped_column(String(20))
    applicant_contact: Mapped[str | None] = mapped_column(String(200))
    # the citizen account that owns the dossier: always for online intake, never set for counter/postal
    citizen_account_id: Mapped[int | None] = mapped_column(ForeignKey("citizen_accounts.id", ondelete="RESTRICT"))
    form_data: Mapped[dict] = mapped_column(JSONB)
    fees: Mapped[list] = mapped_column(JSONB)
    total_fee: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[int] = mapped_column(SmallInteger)
    submitted_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime | None]
    due_at: Mapped[dt.datetime | None]
    extended_due_at: Mapped[dt.datetime | None]
    paused_at: Mapped[dt.datetime | None]  # when the current supplement request started
    finished_at: Mapped[dt.datetime | None]
    returned_at: Mapped[dt.datetime | None]
    # Facts the statistics read, kept by the transaction that changes the dossier (ADR 0038): the due date
    # for reports (due_at moved by supplement pauses, never by an extension, which is the apology for being
    # late), the supplements asked after intake, and when and how it ended without a result (3 refused, 7
    # withdrawn, 8 stopped; the first of those only).
    report_due_at: Mapped[dt.datetime | None]
    supplement_rounds: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    closed_at: Mapped[dt.datetime | None]
    closed_status: Mapped[int | None] = mapped_column(SmallInteger)
    # Kept where documents are stored (documents.services): a current component that is a scan of the paper
    # original or came with an online dossier; a result file attached (QĐ 766 indicators 3.3, 4.1, 4.2).
    has_digitised_components: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    has_result_file: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # submitted by a citizen signed in with national identity (DVCQG TaiKhoanDuocXacThucVoiVNeID, 766 item 4.5)
    identity_verified: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # how long it took from intake to the result, in its procedure version's time unit, less the supplement
    # pauses (clock.measure_processing; QĐ 766 indicator 2.2)
    processing_time: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    # how its fees were paid (online, cash or transfer), kept by the payments area with the payment; NULL
    # while unpaid or free (QĐ 766 indicator 3.6, the national record's DuocThanhToanTrucTuyen)
    payment_method: Mapped[str | None] = mapped_column(String(10))
    current_step: Mapped[int | None] = mapped_column(SmallInteger)
    # the unit of the current step while it is open (started, not finished), kept by workflow.py where
    # steps start, finish and move: the inbox's step_unit list reads it from one index instead of
    # joining every open step of the officer's units to its dossier
    current_step_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def effective_due_at(self) -> dt.datetime | None:
        return self.extended_due_at or self.due_at

    @property
    def step_in_progress(self) -> int | None:
        """The index of the workflow step the dossier is on, or None once it is finished
        (FINISHED_STATUSES): every view of "the current step" (tracking, the dossier, its steps) reads this,
        not ``current_step``, which keeps where the work stopped."""
        return None if self.status in FINISHED_STATUSES else self.current_step


class DossierHistory(TenantBase):
    """Append-only log of every action on a dossier (who, when, what, comment)."""

    __tablename__ = "dossier_history"

    id: Mapped[int] = id_column()
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"), index=True)
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[int | None] = mapped_column(SmallInteger)
    to_status: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = created_at_column()
