from __future__ import annotations

import datetime as dt
import enum

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column


class DocumentKind(enum.StrEnum):
    COMPONENT = "component"  # thành phần hồ sơ: answers one required document of the procedure version
    RESULT = "result"  # kết quả giải quyết: attached by an officer when the dossier is being finished


class DossierDocument(TenantBase):
    """One stored file of a dossier. Rows are never updated except to mark them superseded, and never
    deleted: a replaced component keeps its row (``superseded_at``, ``superseded_by_id``) and its bytes."""

    __tablename__ = "dossier_documents"
    __table_args__ = (
        CheckConstraint("kind IN ('component', 'result')", name="kind"),
        CheckConstraint("(kind = 'component') = (component_index IS NOT NULL)", name="component"),
        CheckConstraint("size_bytes > 0", name="size"),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256"),
        # At most one current document per required component (the service also locks the dossier).
        Index(
            "uq_dossier_documents_current_component",
            "dossier_id",
            "component_index",
            unique=True,
            postgresql_where=text("kind = 'component' AND superseded_at IS NULL"),
        ),
        # a result's QR link (unique; built concurrently by its migration)
        Index("uq_dossier_documents_verify_token", "verify_token", unique=True),
        # which live dossiers gave a kept document again (store.kept, for every page that offers them)
        Index(
            "ix_dossier_documents_reused_from", "reused_from_id", postgresql_where=text("reused_from_id IS NOT NULL")
        ),
    )

    id: Mapped[int] = id_column()
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    component_index: Mapped[int | None] = mapped_column(SmallInteger)  # into the procedure version's documents
    component_name: Mapped[str | None] = mapped_column(String(500))  # copied for display
    filename: Mapped[str] = mapped_column(String(255))  # sanitised; for display and downloads only
    content_type: Mapped[str] = mapped_column(String(100))  # from the bytes' magic number, not the client
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)  # random, under the tenant's prefix
    digitised: Mapped[bool] = mapped_column(Boolean, default=False)  # scanned from paper at the counter
    uploaded_by: Mapped[str] = mapped_column(String(300))
    uploaded_at: Mapped[dt.datetime] = created_at_column()
    superseded_at: Mapped[dt.datetime | None]
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_documents.id", ondelete="RESTRICT"))
    # given once: the bytes are those of this earlier document of the same citizen, offered from their kept
    # documents (``store.py``); QĐ 766 item 4.3 counts the dossiers with such a component
    reused_from_id: Mapped[int | None] = mapped_column(ForeignKey("dossier_documents.id", ondelete="RESTRICT"))
    # a PDF's signatures as verified at upload (``signature_checks.py``; ADR 0063); None for images. The one
    # column updated after the insert: the revocation re-check replaces it. None is SQL NULL (not JSON null),
    # as in the rows stored before the column existed, so a backup restored and migrated reads back the same.
    signature_check: Mapped[dict | None] = mapped_column(JSONB(none_as_null=True))
    # a result's public verification link, /verify/<token> on the portal (ADR 0063): random, given once when the
    # result is stored, for the QR printed on it; components (citizens' papers) have none and are never public
    verify_token: Mapped[str | None] = mapped_column(String(43))


class KeptDocument(TenantBase):
    """A document a citizen account keeps to give again (``store.py``): a component it handed in, or a result
    it received. It points at the dossier's document, whose row and bytes the dossier keeps whatever the
    citizen does: forgetting it removes it from their kept documents only."""

    __tablename__ = "kept_documents"
    __table_args__ = (UniqueConstraint("citizen_account_id", "document_id"),)

    id: Mapped[int] = id_column()
    citizen_account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("citizen_accounts.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("dossier_documents.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(500))  # what it is: the component's name, or the result's
    kept_at: Mapped[dt.datetime] = created_at_column()


class StoredBytes(TenantBase):
    """The tenant's running total of stored document bytes: one row, incremented under its row lock in the
    transaction that stores a document, so concurrent uploads each see an exact total (the storage usage
    event carries it; a SUM over the documents would miss a concurrent, not yet committed upload)."""

    __tablename__ = "document_storage_totals"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"), CheckConstraint("bytes >= 0", name="bytes"))

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)  # always 1
    bytes: Mapped[int] = mapped_column(BigInteger)
