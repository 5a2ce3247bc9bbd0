from __future__ import annotations

import datetime as dt

from motcua_platform.db.base import TenantBase, created_at_column
from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column


class FormTemplate(TenantBase):
    """A province's own wording of one form (01–07): the Jinja2 template text used instead of the one
    shipped in ``forms/templates``. No row: the shipped template."""

    __tablename__ = "form_templates"
    __table_args__ = (CheckConstraint("number IN ('01', '02', '03', '04', '05', '06', '07')", name="number"),)

    number: Mapped[str] = mapped_column(String(2), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[dt.datetime] = created_at_column()
