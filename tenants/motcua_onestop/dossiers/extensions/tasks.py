"""The late-notice job (procrastinate). It runs in the ``notifications`` namespace, under the name it has
always had (``notifications:notify_late_dossiers``), so queued and periodic jobs keep working; it lives here
because it knows dossiers, which the notifications room does not."""

from __future__ import annotations

import procrastinate
from motcua_platform.jobs import job_runtime

from motcua_onestop.dossiers.extensions.late_notices import notify_all

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="*/10 * * * *")
@blueprint.task(
    name="notify_late_dossiers", pass_context=True, queue="notifications", queueing_lock="notify_late_dossiers"
)
def notify_late_dossiers(context, timestamp: int) -> None:
    """Every ten minutes: one apology to the applicant of each dossier newly past its effective due date."""
    runtime = job_runtime(context)
    notify_all(runtime.db, runtime.tenant_context)
