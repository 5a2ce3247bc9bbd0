"""A question and its answer, kept by the unit that answers it (``unit_id``): about a field, about one
procedure (``procedure_code``), or about using the portal (neither). Entries made from the catalogue carry
the ``topic`` they answer (``pairs.py``), so making them again finds them (``generate.py``)."""

from __future__ import annotations

import datetime as dt

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

QUESTION_MAX = 500
ANSWER_MAX = 5000


class FaqEntry(TenantBase):
    __tablename__ = "faq_entries"
    __table_args__ = (
        # one entry per topic of a procedure, and per topic of the portal (no procedure: NULLs not distinct)
        Index("uq_faq_entries_topic", "procedure_code", "topic", unique=True,
              postgresql_where=text("topic IS NOT NULL"), postgresql_nulls_not_distinct=True),
        Index("ix_faq_entries_procedure_code", "procedure_code"),
        # Unlike the catalogue's (ADR 0035), fastupdate stays on with a small pending list: the questions are
        # made from the catalogue tens of thousands at a time, which a GIN index takes far faster in batches,
        # and a search scans at most 64 kB of pending entries (ADR 0044).
        Index("ix_faq_entries_search_prefixes", "search_prefixes", postgresql_using="gin",
              postgresql_with={"fastupdate": "on", "gin_pending_list_limit": 64}),
        CheckConstraint(f"char_length(question) BETWEEN 1 AND {QUESTION_MAX}", name="question_length"),
        CheckConstraint(f"char_length(answer) BETWEEN 1 AND {ANSWER_MAX}", name="answer_length"),
        CheckConstraint(f"char_length(question_en) <= {QUESTION_MAX}", name="question_en_length"),
        CheckConstraint(f"char_length(answer_en) <= {ANSWER_MAX}", name="answer_en_length"),
        CheckConstraint("(question_en IS NULL) = (answer_en IS NULL)", name="english_pair"),
    )  # fmt: skip

    id: Mapped[int] = id_column()
    unit_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    field: Mapped[str | None] = mapped_column(String(200))
    procedure_code: Mapped[str | None] = mapped_column(String(40))
    topic: Mapped[str | None] = mapped_column(String(60))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    # the English pair, both or neither; the portal in English shows it, or the Vietnamese where there is none
    question_en: Mapped[str | None] = mapped_column(Text)
    answer_en: Mapped[str | None] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # changed by the province (or written by it): making the entries again leaves it alone (generate.py)
    edited: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # folded question (weighted first), then the answer, the field and the procedure code, after a space
    search_question: Mapped[str] = mapped_column(Text)
    search_prefixes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = created_at_column()
