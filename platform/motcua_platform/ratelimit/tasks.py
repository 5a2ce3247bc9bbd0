"""Removing rate-limit windows that have ended (one row per client and minute would otherwise pile up)."""

from __future__ import annotations

import procrastinate

from motcua_platform.jobs import unit_of_work
from motcua_platform.ratelimit.services import prune

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="*/10 * * * *")
@blueprint.task(name="prune_rate_limits", pass_context=True, queue="maintenance", queueing_lock="prune_rate_limits")
def prune_rate_limits(context, timestamp: int) -> None:
    with unit_of_work(context) as work:
        prune(work.control_session())
