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


RECHECK_TASK = "documents:recheck_signatures"
RECHECK_FORM_TASK = "documents:recheck_issued_form"


@blueprint.task(name="recheck_signatures", pass_context=True, queue="documents")
def recheck_signatures(context, tenant: str, document_id: int) -> None:
    """Verify an uploaded PDF's signatures again, fetching CRLs/OCSP answers (ADR 0063): the upload checked
    them offline, and this job, off the request, may wait on a CA's server."""
    from motcua_onestop.dossiers.documents.services import recheck_signatures as recheck

    _recheck(context, tenant, recheck, document_id)


@blueprint.task(name="recheck_issued_form", pass_context=True, queue="documents")
def recheck_issued_form(context, tenant: str, issue_id: int) -> None:
    """Verify a form issued under the seal again, fetching CRLs/OCSP answers (ADR 0065): it was checked
    offline as it was stored."""
    from motcua_onestop.dossiers.forms.signing import recheck_issue

    _recheck(context, tenant, recheck_issue, issue_id)


def _recheck(context, tenant: str, recheck, row_id: int) -> None:
    """Run ``recheck(session, objects, row_id, verifier)`` in the tenant's session with the deployment's
    verifier (its trust list, revocation fetched unless turned off), and commit."""
    from motcua_platform.signatures.settings import verify_document
    from motcua_platform.storage.services import tenant_objects

    runtime = job_runtime(context)
    with runtime.db.tenant_session(runtime.db.binding(tenant)) as session:
        recheck(
            session,
            tenant_objects(runtime.config, tenant),
            row_id,
            lambda pdf, allow_fetching: verify_document(runtime.config, pdf),
        )
        session.commit()
