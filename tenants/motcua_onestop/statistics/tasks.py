"""The statistics' schedules (procrastinate): hourly, each province's finished months and days are kept
(``kept.run_keeping``), and each province whose report day and hour have passed gets the week's report once
(``reports.run_due``); a worker that was down catches up at its next run."""

from __future__ import annotations

import procrastinate
from motcua_platform.jobs import job_runtime
from motcua_platform.rendering.pdf import find_font

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="5 * * * *")
@blueprint.task(name="make_weekly_reports", pass_context=True, queue="statistics", queueing_lock="make_weekly_reports")
def make_weekly_reports(context, timestamp: int) -> None:
    from motcua_onestop.statistics.reports import run_due

    runtime = job_runtime(context)
    run_due(runtime.db, runtime.tenant_context, find_font(runtime.config.pdf_font))


@blueprint.periodic(cron="2 * * * *")
@blueprint.task(
    name="keep_statistics_periods", pass_context=True, queue="statistics", queueing_lock="keep_statistics_periods"
)
def keep_statistics_periods(context, timestamp: int) -> None:
    """Hourly, a few minutes before the weekly reports: each province's finished months and days not kept yet
    (``kept.run_keeping``), so that a month or a day is kept within the hour after it ends."""
    from motcua_onestop.statistics.kept import run_keeping

    run_keeping(job_runtime(context).db)
