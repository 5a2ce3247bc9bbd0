from __future__ import annotations

import datetime as dt
import enum

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import CheckConstraint, Date, SmallInteger, String, Time, text
from sqlalchemy.orm import Mapped, mapped_column


class DayKind(enum.StrEnum):
    HOLIDAY = "holiday"  # public holiday (Labour Code Art. 112)
    DAY_OFF = "day_off"  # extra day off fixed by the government or the province (swaps, bridges)
    WORKING_DAY = "working_day"  # make-up working day, e.g. a Saturday worked to bridge a holiday


class DaySource(enum.StrEnum):
    HOLIDAYS = "holidays"  # seeded from the ``holidays`` package
    ADMIN = "admin"  # entered by a province admin


class CalendarDay(TenantBase):
    """A date that differs from the plain Monday–Friday week. Dates not listed follow the weekday rule."""

    __tablename__ = "calendar_days"
    __table_args__ = (
        CheckConstraint("kind IN ('holiday', 'day_off', 'working_day')", name="kind"),
        CheckConstraint("source IN ('holidays', 'admin')", name="source"),
    )

    id: Mapped[int] = id_column()
    date: Mapped[dt.date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = created_at_column()


class CalendarSettings(TenantBase):
    """Office hours of the province (one row, id 1). Defaults: 07:00–11:30 and 13:30–17:00."""

    __tablename__ = "calendar_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(
            "morning_start < morning_end AND morning_end <= afternoon_start AND afternoon_start < afternoon_end",
            name="hours_order",
        ),
    )

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default=text("1"))
    morning_start: Mapped[dt.time] = mapped_column(Time, server_default=text("'07:00'"))
    morning_end: Mapped[dt.time] = mapped_column(Time, server_default=text("'11:30'"))
    afternoon_start: Mapped[dt.time] = mapped_column(Time, server_default=text("'13:30'"))
    afternoon_end: Mapped[dt.time] = mapped_column(Time, server_default=text("'17:00'"))
