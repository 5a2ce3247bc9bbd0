"""Sending queued notifications (procrastinate). ``drain_notifications`` runs every minute over every
active tenant; ``drain_tenant_notifications`` drains one tenant, named explicitly, on demand."""

from __future__ import annotations

import procrastinate
from motcua_platform.jobs import job_runtime

blueprint = procrastinate.Blueprint()


def _senders(config):
    from motcua_onestop.notifications.interfaces import mailer_from_config, sms_provider_from_config

    return mailer_from_config(config), sms_provider_from_config(config)


@blueprint.periodic(cron="* * * * *")
@blueprint.task(
    name="drain_notifications", pass_context=True, queue="notifications", queueing_lock="drain_notifications"
)
def drain_notifications(context, timestamp: int) -> None:
    from motcua_onestop.notifications.services import drain_all

    runtime = job_runtime(context)
    drain_all(runtime.db, *_senders(runtime.config))


@blueprint.task(name="drain_tenant_notifications", pass_context=True, queue="notifications")
def drain_tenant_notifications(context, tenant: str) -> None:
    from motcua_onestop.notifications.services import drain_tenant

    runtime = job_runtime(context)
    drain_tenant(runtime.db, tenant, *_senders(runtime.config))
