"""The weekly report (Bến Tre's plan: every unit's figures each Friday at 10:00, rolled up to the province):
made on schedule or on demand, kept as made (XLSX and PDF), downloadable, and announced to the addresses the
province sets. ``weekly`` builds its contents and files.

- **When**: each week on the province's day and hour (``ReportSettings``, default Friday 10:00, Vietnam time);
  the job runs hourly and makes the report of the latest scheduled moment that has passed if it is not there
  yet, so a worker down at 10:00 catches up at its next run, and never makes one twice (one report per week,
  ``first_day`` unique; two makers racing both find the same row).
- **Told**: every address in the settings gets an e-mail that the report is ready, with the link to the
  console's reports (the files stay behind the staff login: they are the province's internal figures).
- **Billed**: each report made is a ``statistics_reports`` usage event, charged only by a contract whose
  price version prices that metric; reading statistics is never metered."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.db.database import Database
from motcua_platform.directory.services import in_each_active_tenant
from motcua_platform.errors import InvalidInput, NotFound
from motcua_platform.i18n import _
from motcua_platform.tenant_context import TenantContext
from motcua_platform.timezones import VIETNAM
from motcua_platform.usage import report_usage
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from motcua_onestop.notifications import services as notifications
from motcua_onestop.notifications.models import Event
from motcua_onestop.statistics import weekly
from motcua_onestop.statistics.models import ReportSettings, StatisticsReport

USAGE_METRIC = "statistics_reports"
MAX_RECIPIENTS = 20
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
SCHEDULER = Actor("system", None, "weekly report")
CONSOLE_REPORTS = "/console/statistics/reports"


def settings_of(session: Session) -> ReportSettings:
    """The province's settings (the defaults until an admin sets them)."""
    return session.get(ReportSettings, 1) or ReportSettings(id=1, enabled=True, weekday=4, hour=10, recipients=[])


def update_settings(
    session: Session, actor: Actor, *, enabled: bool, weekday: int, hour: int, recipients: list[str]
) -> ReportSettings:
    """Set when the report is made and who is told; 422 naming each bad field, nothing changed."""
    errors: dict[str, list] = {}
    if not 0 <= weekday <= 6:
        errors["weekday"] = [_("Must be a day of the week, 0 (Monday) to 6 (Sunday).")]
    if not 0 <= hour <= 23:
        errors["hour"] = [_("Must be an hour from 0 to 23.")]
    cleaned = [address.strip().lower() for address in recipients]
    if len(cleaned) > MAX_RECIPIENTS:
        errors["recipients"] = [_("At most %(count)s addresses.", count=MAX_RECIPIENTS)]
    bad = [address for address in cleaned if not EMAIL.match(address) or len(address) > 200]
    if bad:
        errors.setdefault("recipients", []).append(_("Not an e-mail address: %(addresses)s.", addresses=", ".join(bad)))
    if errors:
        raise InvalidInput(_("The report settings were not saved."), errors)
    values = {"enabled": enabled, "weekday": weekday, "hour": hour, "recipients": sorted(set(cleaned))}
    session.execute(
        insert(ReportSettings).values(id=1, **values).on_conflict_do_update(index_elements=["id"], set_=values)
    )
    record(session, actor, "statistics.report_settings", target="report-settings", **values)
    session.expire_all()
    return settings_of(session)


def latest_run_day(settings: ReportSettings, now: dt.datetime) -> dt.date:
    """The day of the latest scheduled report at or before ``now``: the province's weekday, once its hour has
    come. Every report is this day's, so a week has one report whoever makes it (the job or an admin)."""
    local = now.astimezone(VIETNAM)
    day = local.date() - dt.timedelta(days=(local.weekday() - settings.weekday) % 7)
    if day == local.date() and local.hour < settings.hour:
        day -= dt.timedelta(days=7)
    return day


def due_run_day(settings: ReportSettings, now: dt.datetime) -> dt.date | None:
    """What the schedule makes at ``now``: the latest scheduled day's report (None when the schedule is off)."""
    return latest_run_day(settings, now) if settings.enabled else None


def chosen_run_day(settings: ReportSettings, requested: dt.date | None, now: dt.datetime) -> dt.date:
    """The report day an admin asks for: the latest scheduled one by default, or an earlier one on the
    province's weekday (to make a week the schedule missed); 422 for another weekday or a day to come."""
    latest = latest_run_day(settings, now)
    if requested is None:
        return latest
    if requested > latest or requested.weekday() != settings.weekday:
        problem = _("Must be a report day (the province's weekday) that has come, at the latest %(day)s.",
                    day=latest.isoformat())  # fmt: skip
        raise InvalidInput(_("The report was not made."), {"run_day": [problem]})
    return requested


def make_report(
    session: Session,
    tenant: TenantContext,
    actor: Actor,
    run_day: dt.date,
    font: Path,
    *,
    now: dt.datetime | None = None,
) -> tuple[StatisticsReport, bool]:
    """The report of the week before ``run_day``: made, kept, metered and announced, or the one already made
    for that week (``(report, False)``)."""
    now = now or utcnow()
    period = weekly.week_before(run_day)
    existing = session.scalar(select(StatisticsReport).where(StatisticsReport.first_day == period.first_day))
    if existing is not None:
        return existing, False
    week = weekly.figures(session, tenant.name, period, tenant.enabled, now=now)
    made = session.execute(
        insert(StatisticsReport)
        .values(
            first_day=period.first_day,
            last_day=period.last_day,
            made_by=str(actor),
            xlsx=weekly.to_xlsx(week),
            pdf=weekly.to_pdf(week, font),
        )
        .on_conflict_do_nothing(index_elements=["first_day"])
        .returning(StatisticsReport.id)
    ).scalar()
    if made is None:  # another maker got there first, in a transaction that has committed since
        return session.scalar(select(StatisticsReport).where(StatisticsReport.first_day == period.first_day)), False
    report = session.get(StatisticsReport, made)
    report_usage(session, tenant.slug, USAGE_METRIC, f"statistics_report:{period.first_day.isoformat()}", 1, now)
    recipients = settings_of(session).recipients
    if recipients:
        notifications.queue_for_report(session, made, recipients, _notice(tenant, week), event=Event.WEEKLY_REPORT)
    record(session, actor, "statistics.report_made", target=f"report:{made}", first_day=period.first_day.isoformat())
    session.flush()
    return report, True


def _notice(tenant: TenantContext, week: weekly.WeeklyFigures) -> tuple[str, str]:
    first, last = week.period.first_day, week.period.last_day
    total = week.total
    subject = f"[{tenant.display_name}] Báo cáo tuần {first:%d/%m/%Y} - {last:%d/%m/%Y}"
    body = (
        f"Báo cáo tuần về tiếp nhận và giải quyết thủ tục hành chính của {tenant.name}, "
        f"từ ngày {first:%d/%m/%Y} đến ngày {last:%d/%m/%Y}, đã được lập.\n\n"
        f"Tiếp nhận: {total['received']} hồ sơ (trực tuyến {total['received_online']}).\n"
        f"Đã giải quyết: {total['resolved']}; đúng hạn (chỉ số 2.1): "
        f"{'–' if total['on_time_rate'] is None else total['on_time_rate']} %.\n"
        f"Đang giải quyết quá hạn: {total['pending_past_due']}.\n\n"
        f"Tải báo cáo (XLSX, PDF) sau khi đăng nhập: {tenant.link(CONSOLE_REPORTS)}\n"
    )
    return subject, body


def list_reports(session: Session, limit: int = 104) -> list[StatisticsReport]:
    """The reports kept, newest week first (two years by default)."""
    query = select(StatisticsReport).order_by(StatisticsReport.first_day.desc()).limit(limit)
    return list(session.scalars(query))


FILES = {  # a report's files: its column, and the type they are served as
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def report_file(session: Session, report_id: int, kind: str) -> tuple[bytes, str, str]:
    """One report's file as it was made: (bytes, content type, file name); 404 for another kind or report."""
    if kind not in FILES:
        raise NotFound(_("A report is an xlsx or a pdf file."))
    report = get_report(session, report_id)
    name = f"bao-cao-tuan-{report.first_day:%Y%m%d}-{report.last_day:%Y%m%d}.{kind}"
    return getattr(report, kind), FILES[kind], name


def get_report(session: Session, report_id: int) -> StatisticsReport:
    report = session.get(StatisticsReport, report_id)
    if report is None:
        raise NotFound(_("No report %(id)s.", id=report_id))
    return report


def run_due(
    db: Database, context_of: Callable[[str], TenantContext], font: Path, now: dt.datetime | None = None
) -> dict[str, int]:
    """The scheduled run: every active tenant whose latest report is due and not made yet gets it, one
    transaction each; one tenant's failure is logged and does not hold back the others. Returns the id of
    each report made, by tenant."""
    now = now or utcnow()

    def make_due(session: Session, slug: str) -> int | None:
        run_day = due_run_day(settings_of(session), now)
        if run_day is None:
            return None
        report, created = make_report(session, context_of(slug), SCHEDULER, run_day, font, now=now)
        return report.id if created else None

    made = in_each_active_tenant(db, make_due, "the weekly report")
    return {slug: report_id for slug, report_id in made.items() if report_id is not None}
