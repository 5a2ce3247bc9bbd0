"""The processing steps of a dossier, created from its procedure version's workflow template when
processing starts (status 2 → 4). Steps are never deleted; the history keeps who did what."""

from __future__ import annotations

import datetime as dt

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from motcua_onestop.dossiers.models import Dossier


class DossierStep(TenantBase):
    """One step of a dossier's processing: assigned to a unit and a role, claimed by one officer.

    ``due_at`` is set when the step starts (its start plus ``allotted_hours`` of office time);
    ``outcome`` (early / on_time / late) when it finishes."""

    __tablename__ = "dossier_steps"
    __table_args__ = (
        UniqueConstraint("dossier_id", "index", name="uq_dossier_steps_dossier_index"),
        CheckConstraint("outcome IS NULL OR outcome IN ('early', 'on_time', 'late')", name="outcome"),
        CheckConstraint("allotted_hours > 0", name="allotted_hours"),
        CheckConstraint("signature IS NULL OR signature IN ('personal', 'seal')", name="signature"),
        # the open steps of a unit: "dossiers whose current step is on my units"
        Index(
            "ix_dossier_steps_open_unit",
            "unit_id",
            "due_at",
            postgresql_where=text("started_at IS NOT NULL AND finished_at IS NULL"),
        ),
    )

    id: Mapped[int] = id_column()
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"))
    index: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(40))
    unit_kind: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    allotted_hours: Mapped[int] = mapped_column(Integer)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id", ondelete="RESTRICT"))
    claimed_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    due_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(10))
    # copied from the template: the result must be signed so (personal / seal) before the step completes
    signature: Mapped[str | None] = mapped_column(String(10))


class DossierSignature(TenantBase):
    """A signature put on a dossier's result at a step (``workflow.signing``): the signed revision is a new
    ``DossierDocument`` that supersedes ``signed_from_id``. Never updated nor deleted.

    The certificate is named by its SHA-256 fingerprint (the register's key, ``signing_certificates``),
    not a foreign key: a seal's certificate stays with its province in a merge, the signature's record
    goes with the dossier."""

    __tablename__ = "dossier_signatures"
    __table_args__ = (
        CheckConstraint("kind IN ('personal', 'seal')", name="kind"),
        CheckConstraint("fingerprint ~ '^[0-9a-f]{64}$'", name="fingerprint"),
        UniqueConstraint("step_id", "kind", name="uq_dossier_signatures_step_kind"),  # once per step
    )

    id: Mapped[int] = id_column()
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"), index=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("dossier_steps.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(10))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="RESTRICT"))
    document_id: Mapped[int] = mapped_column(ForeignKey("dossier_documents.id", ondelete="RESTRICT"), unique=True)
    signed_from_id: Mapped[int] = mapped_column(ForeignKey("dossier_documents.id", ondelete="RESTRICT"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    signer_name: Mapped[str] = mapped_column(String(500))  # the certificate's CN, as the stamp shows it
    signed_at: Mapped[dt.datetime] = created_at_column()


# Indexes on ``dossiers`` for the officer inbox and the overdue list (declared here, next to the
# workflow that needs them, so the dossier model stays as it was). Every list is ordered by SORT_DUE and
# then id: the effective due date, with "no due date yet" as infinity so the order has no NULLs and a
# cursor can continue after any row with one row comparison, (SORT_DUE, id) > (…, …), on these indexes.
# The status lists are written out as literals: a partial index is only used when the query's
# condition implies its WHERE, which PostgreSQL proves by comparing constants.
EFFECTIVE_DUE = func.coalesce(Dossier.extended_due_at, Dossier.due_at)
SORT_DUE = func.coalesce(Dossier.extended_due_at, Dossier.due_at, literal_column("'infinity'::timestamptz"))
OPEN_STATUSES = (1, 2, 4, 5, 6, 7, 9)  # not final: still needs an officer (services.TRANSITIONS)
CLOCK_STATUSES = (2, 4, 6)  # the clock runs: these can be overdue
# The two due columns are INCLUDEd wherever an index-only scan must compute SORT_DUE (PostgreSQL needs
# the columns an expression is computed from for that): the whole-tenant capped count reads the first
# 10,001 entries in this order, and an officer's page is picked from its units' entries alone.
DUE_COLUMNS = {"postgresql_include": ["extended_due_at", "due_at"]}
# an officer's units: every matching entry is read and sorted, index-only, then the page's rows fetched
Index("ix_dossiers_unit_status_due", Dossier.receiving_unit_id, Dossier.status, SORT_DUE, Dossier.id, **DUE_COLUMNS)
Index(
    "ix_dossiers_clock_unit_due",
    Dossier.receiving_unit_id,
    SORT_DUE,
    Dossier.id,
    postgresql_where=Dossier.status.in_(CLOCK_STATUSES),
    **DUE_COLUMNS,
)
# step_unit: dossiers in processing by the unit of their open current step (partial: intake never writes it)
Index(
    "ix_dossiers_step_unit_due",
    Dossier.current_step_unit_id,
    SORT_DUE,
    Dossier.id,
    postgresql_where=Dossier.status == literal_column("4"),
    **DUE_COLUMNS,
)
# the whole tenant (a province-level officer): no unit condition, the index gives the order
Index("ix_dossiers_due", SORT_DUE, Dossier.id, **DUE_COLUMNS)
Index("ix_dossiers_status_due", Dossier.status, SORT_DUE, Dossier.id, **DUE_COLUMNS)
Index("ix_dossiers_open_due", SORT_DUE, Dossier.id, postgresql_where=Dossier.status.in_(OPEN_STATUSES), **DUE_COLUMNS)
Index("ix_dossiers_clock_due", SORT_DUE, Dossier.id, postgresql_where=Dossier.status.in_(CLOCK_STATUSES), **DUE_COLUMNS)
