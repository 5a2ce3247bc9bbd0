"""The national sync's schedule (procrastinate): every minute, each active province's due rows are sent
(``delivery.deliver_all``); the queueing lock keeps one run at a time, and rows are claimed with SKIP LOCKED
besides, so an overlapping run would only share the work."""

from __future__ import annotations

import procrastinate
from motcua_platform.jobs import job_runtime

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="* * * * *")
@blueprint.task(name="deliver_national_sync", pass_context=True, queue="national_sync", queueing_lock="national_sync")
def deliver_national_sync(context, timestamp: int) -> None:
    from motcua_onestop.national_sync.delivery import deliver_all

    deliver_all(job_runtime(context).db)
