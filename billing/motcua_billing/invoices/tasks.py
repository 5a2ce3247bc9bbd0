"""Scheduled billing work (procrastinate periodic tasks; the worker's clock is UTC).

* ``drain_usage`` every minute: tenant usage outboxes → ledger;
* ``check_alerts`` every 15 minutes: quota and overage-budget alerts, each sent once;
* ``snapshot_seats`` daily at 17:10 UTC (00:10 in Hà Nội): each tenant's active staff accounts as that
  Vietnamese day's ``officer_seats`` snapshot (billed as the period's peak; ``usage.seats``);
* ``monthly_run`` daily at 18:00 UTC (01:00 in Hà Nội): the invoice run for the previous Vietnamese month.
  Re-running is harmless (drafts are recomputed, finalized invoices never change), so running daily keeps
  drafts current during finance's review and catches a missed day.

Each task can also be deferred by hand with an explicit ``period``.
"""

from __future__ import annotations

import datetime as dt
import logging

import procrastinate
from motcua_platform.audit.services import Actor
from motcua_platform.dates import add_months
from motcua_platform.db.unit_of_work import UnitOfWork
from motcua_platform.jobs import job_runtime
from motcua_platform.timezones import VIETNAM

from motcua_billing.rating import periods

blueprint = procrastinate.Blueprint()
log = logging.getLogger(__name__)
SCHEDULER = Actor("system", None, "billing-scheduler")


def previous_month(now: dt.datetime) -> dt.date:
    return add_months(periods.month_of(now), -1)


def run_billing(runtime, month: dt.date, actor: Actor = SCHEDULER) -> dict:
    """The run for ``month`` as the API, the command line and the jobs do it: refuse a month that has not
    ended, drain the tenant outboxes, rate, commit; the report, with every tenant not billed and why."""
    from motcua_billing.invoices.run import ensure_month_over, run_period
    from motcua_billing.usage.services import drain_all

    ensure_month_over(month)
    drain_all(runtime.db)
    with UnitOfWork(runtime.db) as work:
        report = run_period(work.control_session(), actor, month, vat_rate=runtime.config.vat_rate)
    log.info("billing run %s: %s", f"{month:%Y-%m}", report.as_dict())
    for slug, reason in report.skipped.items():
        level = logging.WARNING if reason.startswith("no contract") else logging.INFO
        log.log(level, "%s not billed: %s", slug, reason)
    return report.as_dict()


@blueprint.periodic(cron="* * * * *")
@blueprint.task(name="drain_usage", pass_context=True, queue="billing", queueing_lock="drain_usage")
def drain_usage(context, timestamp: int) -> None:
    from motcua_billing.usage.services import drain_all

    drain_all(job_runtime(context).db)


@blueprint.periodic(cron="*/15 * * * *")
@blueprint.task(name="check_alerts", pass_context=True, queue="billing", queueing_lock="check_alerts")
def check_alerts(context, timestamp: int) -> None:
    from motcua_billing.alerts.services import check_all, mailer_from_config

    runtime = job_runtime(context)
    check_all(runtime.db, mailer_from_config(runtime.config), runtime.config.billing_vendor_emails)


@blueprint.periodic(cron="10 17 * * *")  # 00:10 in Hà Nội, before the run for the month just ended (01:00)
@blueprint.task(name="snapshot_seats", pass_context=True, queue="billing", queueing_lock="snapshot_seats")
def snapshot_seats(context, timestamp: int) -> dict:
    from motcua_billing.usage.seats import snapshot_all

    # the day the job was scheduled for, not the day a late worker picks it up
    day = dt.datetime.fromtimestamp(timestamp, dt.UTC).astimezone(VIETNAM).date()
    return {s.tenant: s.seats for s in snapshot_all(job_runtime(context).db, day)}


@blueprint.periodic(cron="0 18 * * *")
@blueprint.task(name="monthly_run", pass_context=True, queue="billing", queueing_lock="monthly_run")
def monthly_run(context, timestamp: int) -> dict:
    return run_billing(job_runtime(context), previous_month(dt.datetime.fromtimestamp(timestamp, dt.UTC)))


@blueprint.task(name="run_period", pass_context=True, queue="billing")
def run_period_task(context, period: str) -> dict:
    return run_billing(job_runtime(context), periods.parse_month(period))
