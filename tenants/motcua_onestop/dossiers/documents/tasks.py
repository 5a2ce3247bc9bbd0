"""A daily storage snapshot (procrastinate): ``storage_gb`` is billed as the period's peak of its events,
and uploads alone leave a month without uploads with no event at all; one snapshot a day of each
tenant's total makes every day, so every period, carry the bytes still stored."""

from __future__ import annotations

import procrastinate
from motcua_platform.jobs import job_runtime

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="5 17 * * *")  # 00:05 in Hà Nội: the first event of each Vietnamese day
@blueprint.task(name="snapshot_storage", pass_context=True, queue="billing", queueing_lock="snapshot_storage")
def snapshot_storage(context, timestamp: int) -> None:
    from motcua_onestop.dossiers.documents.services import snapshot_all

    snapshot_all(job_runtime(context).db)
