"""The control-plane side of a merge (ADR 0060): the source tenant becomes ``merged`` into the target from a
date, its contracts end the day before (billing, through ``signals.tenant_merging``), and both tenants'
control audit says who merged what, when.

Runs in the caller's control-schema transaction and never commits: the data copy and this record commit
together or not at all. From the commit on, the source's hosts redirect to the target's (``tenancy``,
``motcua_platform.app``): in every web process within ``MOTCUA_TENANT_CACHE_SECONDS``, as a suspension does
(a web process that records a merge itself calls ``resolver.invalidate()`` after its commit).
"""

from __future__ import annotations

import datetime as dt

from motcua_platform import signals
from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.i18n import _
from sqlalchemy import select
from sqlalchemy.orm import Session

# A tenant is merged, or merged into, only while it holds a live province: one being set up, archived or
# deleted has no data to move, and a merged one has already gone.
MERGEABLE = (TenantStatus.ACTIVE, TenantStatus.SUSPENDED)


def record_merge(session: Session, *, source_id: int, target_id: int, on: dt.date, actor: Actor) -> None:
    """Record that tenant ``source_id`` is merged into ``target_id`` from ``on`` (its first day there).

    Refused (``InvalidInput``, ``NotFound`` or ``Conflict``, with nothing written) when the two are one,
    either is unknown or not active or suspended, the target is itself merged, the source is already merged
    into another tenant or from another day, or billing refuses (an invoice already finalized for a period
    after the day before ``on``). Recording the same merge again changes nothing (a re-run after a crash)."""
    if source_id == target_id:
        raise InvalidInput(
            _("A tenant cannot be merged into itself."), {"target": [_("Choose another tenant than the source.")]}
        )
    # Both rows locked, in id order (two merges crossing each other wait rather than deadlock).
    rows = {
        t.id: t
        for t in session.scalars(
            select(Tenant).where(Tenant.id.in_((source_id, target_id))).order_by(Tenant.id).with_for_update()
        )
    }
    source, target = rows.get(source_id), rows.get(target_id)
    for tenant_id, tenant in ((source_id, source), (target_id, target)):
        if tenant is None:
            raise NotFound(_("No tenant with id %(id)s.", id=tenant_id))
    assert source is not None and target is not None
    if source.status == TenantStatus.MERGED:
        if source.merged_into_id == target.id and source.merged_on == on:
            return  # recorded already, by the run that a crash interrupted after this point
        into = session.get(Tenant, source.merged_into_id)
        raise Conflict(
            _(
                "Tenant '%(slug)s' is already merged into '%(into)s' from %(on)s.",
                slug=source.slug,
                into=into.slug if into is not None else source.merged_into_id,
                on=source.merged_on,
            )
        )
    if target.status == TenantStatus.MERGED:
        raise Conflict(
            _("Tenant '%(slug)s' is itself merged into another; merge into that one instead.", slug=target.slug)
        )
    for tenant in (source, target):
        if tenant.status not in MERGEABLE:
            raise Conflict(
                _(
                    "Tenant '%(slug)s' is %(status)s; a merge needs both tenants active or suspended.",
                    slug=tenant.slug,
                    status=tenant.status,
                )
            )
    if not signals.tenant_merging.receivers:
        # the areas are connected by importing motcua_app (its composition root); without billing listening the
        # source's contracts would run on after the merge
        raise RuntimeError("No receiver of signals.tenant_merging: import motcua_app before merging tenants.")
    # Billing first: it may refuse, and then nothing below has been written either.
    signals.tenant_merging.send(session, source=source, target=target, on=on, actor=actor)
    previous_status = source.status
    source.status = TenantStatus.MERGED
    source.merged_into_id = target.id
    source.merged_on = on
    source.status_changed_at = utcnow()
    # Provinces merged into the source earlier now go straight to the target: one redirect, never a chain.
    earlier = list(session.scalars(select(Tenant).where(Tenant.merged_into_id == source.id).with_for_update()))
    for tenant in earlier:
        tenant.merged_into_id = target.id
        record(
            session, actor, "tenant.merge_redirected", target=f"tenant:{tenant.slug}", tenant_slug=tenant.slug,
            was_into=source.slug, now_into=target.slug,
        )  # fmt: skip
    session.flush()  # the constraints (ck_tenants_merged_facts) are checked here, inside the caller's transaction
    record(
        session, actor, "tenant.merge", target=f"tenant:{source.slug}", tenant_slug=source.slug,
        into=target.slug, on=on.isoformat(), previous_status=previous_status,
    )  # fmt: skip
    record(
        session, actor, "tenant.merged_in", target=f"tenant:{target.slug}", tenant_slug=target.slug,
        source=source.slug, on=on.isoformat(), redirected=[t.slug for t in earlier],
    )  # fmt: skip
