from motcua_platform.db.base import TenantBase, id_column
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column


class CivilStatusRegister(TenantBase):
    """A register book (sổ hộ tịch) of one unit, event and year, and the last number used in it."""

    __tablename__ = "civil_status_registers"
    __table_args__ = (UniqueConstraint("unit_id", "event", "year", name="uq_civil_status_registers_unit_event_year"),)

    id: Mapped[int] = id_column()
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    event: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, server_default="0")
