"""The daily backup of every active tenant (procrastinate periodic task; the worker's clock is UTC).

Off unless ``MOTCUA_BACKUP_DIR`` is set. Each run writes ``<dir>/<slug>/<slug>-<stamp>/`` per active tenant
and keeps the newest ``MOTCUA_BACKUP_KEEP`` of each active or suspended tenant. The job fails (and so shows
as failed in the job queue) when any tenant's backup failed; each failure is also in the audit log
(``tenant.backup_failed``) and in the ``motcua_tenant_backup_seconds{outcome="failed"}`` metric."""

from __future__ import annotations

import logging

import procrastinate
from motcua_platform.audit.services import Actor
from motcua_platform.jobs import job_runtime
from motcua_platform.storage.services import object_store

from motcua_tenants.backups import services

blueprint = procrastinate.Blueprint()
log = logging.getLogger(__name__)
SCHEDULER = Actor("system", None, "backup-scheduler")


@blueprint.periodic(cron="30 19 * * *")  # 02:30 in Hà Nội, the quietest hour
@blueprint.task(name="backup_tenants", pass_context=True, queue="backups", queueing_lock="backup_tenants")
def backup_tenants(context, timestamp: int) -> dict:
    runtime = job_runtime(context)
    config = runtime.config
    if config.backup_dir is None:
        log.info("scheduled backups are off (MOTCUA_BACKUP_DIR is not set)")
        return {}
    run = services.backup_all(
        runtime.db, object_store(config), config.backup_dir, keep=config.backup_keep, actor=SCHEDULER
    )
    if run.failed:
        raise RuntimeError(f"backups failed for {len(run.failed)} tenant(s): {run.failed}")
    return {"written": run.written, "pruned": run.pruned}
