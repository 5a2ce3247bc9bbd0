"""The moment a dossier counts as received: its clock starts, its original due date is fixed, and it is
metered. Intake does it for a complete dossier at the counter; a transition to "received" does it for one
submitted online."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from motcua_platform.plugins.definitions import TimeLimit
from motcua_platform.tenant_context import TenantContext
from motcua_platform.timezones import VIETNAM
from motcua_platform.usage import report_usage
from sqlalchemy.orm import Session

from motcua_onestop.calendar import services as calendar
from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.dossiers.models import Dossier

USAGE_METRIC = "dossiers_received"


def time_limit(row: Procedure) -> TimeLimit:
    return TimeLimit(
        value=row.time_limit_value, unit=row.time_limit_unit, same_day_cutoff_hour=row.same_day_cutoff_hour
    )


def start_clock(session: Session, dossier: Dossier, row: Procedure, now: dt.datetime) -> None:
    """Intake of a complete dossier: the clock starts and the original due date is fixed (then
    ``count_received`` once the dossier has its id)."""
    dossier.received_at = now
    if dossier.due_at is None:
        try:
            dossier.due_at = calendar.due_at(session, now, time_limit(row))
        except (ValueError, OverflowError) as exc:
            raise InvalidInput(_("No due date can be computed."), {"received_at": [str(exc)]}) from None
    dossier.report_due_at = dossier.due_at  # the statistics' due date: moved by pauses only (ADR 0038)


def measure_processing(session: Session, dossier: Dossier, row: Procedure, now: dt.datetime) -> None:
    """The result is ready: keep how long the dossier took, in its procedure version's time unit, less the
    office time it waited for supplements (QĐ 766 indicator 2.2; ADR 0039). The pauses are what moved the
    reports' due date from the original one, so they are measured between those two."""
    if dossier.received_at is None:
        return
    cal = calendar.load_calendar(session, since=dossier.received_at.astimezone(VIETNAM).date())
    paused = (
        cal.working_time_between(dossier.due_at, dossier.report_due_at)
        if dossier.due_at is not None and dossier.report_due_at is not None
        else dt.timedelta()
    )
    value = cal.elapsed(dossier.received_at, now, row.time_limit_unit, paused)
    dossier.processing_time = Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP)


def count_received(session: Session, tenant: TenantContext, dossier: Dossier, now: dt.datetime) -> None:
    report_usage(session, tenant.slug, USAGE_METRIC, f"dossier:{dossier.id}:received", 1, now)
