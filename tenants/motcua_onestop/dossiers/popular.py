"""The procedures people use most in a province: what its portal's home page puts first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from motcua_platform.db.base import utcnow
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.catalogue.services import SUMMARY_COLUMNS, visible
from motcua_onestop.dossiers.models import Dossier


def most_used(session: Session, enabled: Iterable[str], *, limit: int = 6, days: int = 365) -> list[dict]:
    """Summaries of the published procedures with the most dossiers over the last ``days``, most first;
    a new province with few dossiers is topped up with the first of its catalogue."""
    enabled = list(enabled)
    since = utcnow() - dt.timedelta(days=days)
    used = (
        select(Procedure.code, func.count(Dossier.id).label("uses"))
        .join(Dossier, Dossier.procedure_id == Procedure.id)
        .where(Dossier.submitted_at >= since)
        .group_by(Procedure.code)
        .subquery()
    )
    query = (
        select(*SUMMARY_COLUMNS, func.coalesce(used.c.uses, 0).label("uses"))
        .outerjoin(used, used.c.code == Procedure.code)
        .where(visible(enabled))
        .order_by(func.coalesce(used.c.uses, 0).desc(), Procedure.field, Procedure.name_vi)
        .limit(limit)
    )
    return [dict(row._mapping) for row in session.execute(query)]
