"""Queue tasks for tenant lifecycle jobs. Each names its tenant explicitly and checks it against the job
row, so a job can never act on a tenant other than the one it was queued for.

Unlike other jobs these commit in several steps on purpose, not in one unit of work: the job's progress
reports must be readable while it runs, and a failure must be recorded on the job row that the failed
work's rollback would otherwise take with it (``services.provision``, ``services.archive``)."""

from __future__ import annotations

import procrastinate
from motcua_platform.db.embedded import pg_binary
from motcua_platform.jobs import job_runtime

from motcua_tenants.registry import services

blueprint = procrastinate.Blueprint()


def _check_tenant(db, job_id: int, tenant: str) -> None:
    with db.control_session() as session:
        job = services.get_job(session, job_id)
        slug = session.get(services.Tenant, job.tenant_id).slug
    if slug != tenant:
        raise ValueError(f"job {job_id} belongs to tenant {slug!r}, not {tenant!r}")


@blueprint.task(name="provision_tenant", pass_context=True, queue="tenants")
def provision_tenant(context, job_id: int, tenant: str) -> None:
    db = job_runtime(context).db
    _check_tenant(db, job_id, tenant)
    services.provision(db, job_id)


@blueprint.task(name="archive_tenant", pass_context=True, queue="tenants")
def archive_tenant(context, job_id: int, tenant: str) -> None:
    runtime = job_runtime(context)
    _check_tenant(runtime.db, job_id, tenant)
    services.archive(
        runtime.db, job_id, archive_dir=runtime.config.instance_path / "archives", pg_dump=pg_binary("pg_dump")
    )
