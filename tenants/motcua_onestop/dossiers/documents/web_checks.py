"""The request's side of checking an upload's signatures (ADR 0063): the engine bound to the deployment's
trust list, and the revocation re-check job asked for once the upload commits. Every upload path (API,
portal, console, counter intake) passes ``signature_checking()`` to ``services.add_document``."""

from __future__ import annotations

import logging

from motcua_platform.signatures.settings import usable_trust_list
from motcua_platform.signatures.trust import TrustList
from motcua_platform.signatures.verify import verify
from motcua_platform.web.context import current_tenant, on_commit, runtime

from motcua_onestop.dossiers.documents import signature_checks
from motcua_onestop.dossiers.documents.services import SignatureChecking
from motcua_onestop.dossiers.documents.tasks import RECHECK_FORM_TASK, RECHECK_TASK

log = logging.getLogger(__name__)


def deployment_trust() -> TrustList:
    """The trust list of this request's deployment (``settings.usable_trust_list``)."""
    return usable_trust_list(runtime().config)


def signature_checking() -> SignatureChecking:
    config = runtime().config
    trust = deployment_trust()

    def verifier(pdf: bytes, *, allow_fetching: bool):
        return verify(pdf, trust, allow_fetching=allow_fetching)

    def recheck(document_id: int) -> None:
        _defer_after_commit(RECHECK_TASK, document_id=document_id)

    return SignatureChecking(verifier, fetch_later=config.signing_fetch_revocation, recheck=recheck)


def recheck_signed_result(document_id: int, check: dict | None) -> None:
    """After the commit, the revocation re-check of a result the platform just signed, when its check (made
    offline as it was stored) awaits one: the public page then says "not revoked" rather than "not checked"."""
    if check and check.get("state") == signature_checks.CHECKING:
        _defer_after_commit(RECHECK_TASK, document_id=document_id)


def recheck_issued_form(issue_id: int, check: dict | None) -> None:
    """The same for a form just issued under the seal."""
    if check and check.get("state") == signature_checks.CHECKING:
        _defer_after_commit(RECHECK_FORM_TASK, issue_id=issue_id)


def _defer_after_commit(task: str, **ids: int) -> None:
    slug = current_tenant().slug

    def defer() -> None:
        try:
            runtime().jobs.defer(task, tenant=slug, **ids)
        except Exception:  # the document is stored; its check stays "checking" and says so
            log.exception("deferring %s %s of %s failed", task, ids, slug)

    on_commit(defer)
