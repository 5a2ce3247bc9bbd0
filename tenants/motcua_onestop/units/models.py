from __future__ import annotations

import datetime as dt
import enum

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import CheckConstraint, Date, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column


class UnitKind(enum.StrEnum):
    PROVINCE = "province"
    DEPARTMENT = "department"
    SERVICE_CENTRE = "service_centre"
    COMMUNE = "commune"
    SECTOR_OFFICE = "sector_office"


# The shape of the tree, in one place: the kinds of unit each kind may sit under. The province is the
# root (no parent); departments (Sở, and their sub-departments, Chi cục) sit under the province or a
# department; communes (xã, phường, đặc khu) under the province, as there are no districts since the 2025
# reform; a public-administration service centre (TTPVHCC) under the province (the provincial centre) or
# a commune (the commune's centre) — never under another centre, so the province's centre cannot end up
# inside a commune's; vertical-sector offices (land registration, tax…) and their branches under the
# province, a department or another sector office. ``units.services`` enforces it on create and move, and
# also keeps a moved centre at its level (the province's centre never moves under a commune, nor back).
PARENT_KINDS: dict[str, frozenset[str]] = {
    UnitKind.PROVINCE: frozenset(),
    UnitKind.DEPARTMENT: frozenset({UnitKind.PROVINCE, UnitKind.DEPARTMENT}),
    UnitKind.COMMUNE: frozenset({UnitKind.PROVINCE}),
    UnitKind.SERVICE_CENTRE: frozenset({UnitKind.PROVINCE, UnitKind.COMMUNE}),
    UnitKind.SECTOR_OFFICE: frozenset({UnitKind.PROVINCE, UnitKind.DEPARTMENT, UnitKind.SECTOR_OFFICE}),
}


class Unit(TenantBase):
    """One node of the province's organisation tree.

    ``code`` is the unit's electronic identifier (mã định danh, QĐ 20/2020) and prefixes dossier codes.
    Units are effective-dated rather than deleted, because the 2025 reform merged and closed many of
    them while old dossiers must keep pointing at the unit that received them.
    """

    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('province', 'department', 'service_centre', 'commune', 'sector_office')", name="kind"
        ),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="validity"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    id: Mapped[int] = id_column()
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    valid_from: Mapped[dt.date] = mapped_column(Date, server_default=func.current_date())
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = created_at_column()
