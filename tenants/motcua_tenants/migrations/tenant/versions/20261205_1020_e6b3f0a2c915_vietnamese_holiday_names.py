"""Vietnamese holiday names: days seeded from the holidays package were named in English ("Lunar New
Year"); staff and citizens read them in the calendar API, so seeded days are renamed to the package's
Vietnamese names ("Tết Nguyên Đán"). Only rows with source 'holidays' whose date the package still lists
are touched; days entered by an admin keep their names. Downgrade restores the English names.

The names are computed here with the holidays package itself rather than calendar.services, so this
revision keeps meaning what it meant if that module changes.

Revision ID: e6b3f0a2c915
Revises: a838eadb0e9b
Create Date: 2026-12-05 10:20:00
"""

from collections.abc import Sequence

import holidays
import sqlalchemy as sa
from alembic import op

revision: str = "e6b3f0a2c915"
down_revision: str | None = "a838eadb0e9b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEEDED_YEARS = sa.text(
    "SELECT DISTINCT CAST(extract(year FROM date) AS integer) FROM calendar_days WHERE source = 'holidays'"
)
RENAME = sa.text("UPDATE calendar_days SET name = :name WHERE date = :date AND source = 'holidays' AND name <> :name")


def _rename(language: str, make_up_name: str) -> None:
    conn = op.get_bind()
    for (year,) in conn.execute(SEEDED_YEARS).all():
        known = holidays.country_holidays("VN", years=year, language=language)
        names = {day: name[:200] for day, name in known.items()}
        for day in getattr(known, "weekend_workdays", ()):
            if day.year == year:
                names.setdefault(day, make_up_name)
        if names:
            conn.execute(RENAME, [{"date": day, "name": name} for day, name in names.items()])


def upgrade() -> None:
    _rename("vi", "Ngày làm việc bù")


def downgrade() -> None:
    _rename("en_US", "Make-up working day")
