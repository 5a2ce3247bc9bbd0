"""Keeping every province's calendar seeded ahead (procrastinate). ``seed_calendars`` runs daily over
every active tenant and loads, from the holidays package, each year of ``years_to_keep_seeded`` that
has no holidays yet: from December on that includes next year and the two after it. Years already
seeded are never touched (an admin may have corrected them), so the task is idempotent; running it
daily rather than once in December means a worker that was down on the day catches up the next."""

from __future__ import annotations

import procrastinate
from motcua_platform.jobs import job_runtime

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="40 1 * * *")
@blueprint.task(name="seed_calendars", pass_context=True, queue="calendar", queueing_lock="seed_calendars")
def seed_calendars(context, timestamp: int) -> None:
    from motcua_onestop.calendar.services import seed_all_tenants

    seed_all_tenants(job_runtime(context).db)
