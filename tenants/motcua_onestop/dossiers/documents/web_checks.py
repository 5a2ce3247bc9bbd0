"""The request's side of checking an upload's signatures (ADR 0063): the engine bound to the deployment's
trust list, and the revocation re-check job asked for once the upload commits. Every upload path (API,
portal, console, counter intake) passes ``signature_checking()`` to ``services.add_document``."""

from __future__ import annotations

import logging

from motcua_platform.signatures.settings import usable_trust_list
from motcua_platform.signatures.trust import TrustList
from motcua_platform.signatures.verify import verify
from motcua_platform.web.context import current_tenant, on_commit, runtime

from motcua_onestop.dossiers.documents.services import SignatureChecking
from motcua_onestop.dossiers.documents.tasks import RECHECK_TASK

log = logging.getLogger(__name__)


def deployment_trust() -> TrustList:
    """The trust list of this request's deployment (``settings.usable_trust_list``)."""
    return usable_trust_list(runtime().config)


def signature_checking() -> SignatureChecking:
    config = runtime().config
    slug = current_tenant().slug
    trust = deployment_trust()

    def verifier(pdf: bytes, *, allow_fetching: bool):
        return verify(pdf, trust, allow_fetching=allow_fetching)

    def recheck(document_id: int) -> None:
        def defer() -> None:
            try:
                runtime().jobs.defer(RECHECK_TASK, tenant=slug, document_id=document_id)
            except Exception:  # the upload is stored; its check stays "checking" and says so
                log.exception("deferring the signature re-check of document %s of %s failed", document_id, slug)

        on_commit(defer)

    return SignatureChecking(verifier, fetch_later=config.signing_fetch_revocation, recheck=recheck)
