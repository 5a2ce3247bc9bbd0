"""Merging tenant SOURCE into tenant TARGET (``motcua tenants merge``; ADR 0059), all or nothing.

1. **Plan** (the dry run stops here): every conflict and count, read from both schemas, and the control step's
   refusals (``_control_refusals``: ``record_merge`` in a control transaction rolled back); a blocking conflict
   refuses the merge before anything changes.
2. **Suspend** the source (its host answers 503) and wait until every process has seen it (``moves.settle``).
   The run holds the source's merge lock (a session advisory lock) from before its plan to its end: a second
   run is refused before it suspends, copies or resumes anything.
3. **Files**: the source's documents copied to ``<target>/merged/<source>/…`` (overwriting: a re-run is safe).
4. **Data**, one transaction on the tenants' server: the source's tables locked against writes (reads go on),
   the plan made again and refused on a blocking conflict, every row copied (``copy``), the derived tables
   rebuilt, an audit event and the marker row ``tenant_merges`` written in the target — and, when the tenants
   are on the main server, the control step (``control.record_merge``) and the cache versions too.
5. **Control** (tenants on another server only): the same, in the control schema, after the data committed
   (its refusals checked again just before that commit).

A crash anywhere (``kill -9``) leaves either nothing (the transaction rolled back; the source stays suspended
until the re-run) or the marker: a re-run then only does what the control schema says is left."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from motcua_platform import signals
from motcua_platform.audit.models import ControlAuditEvent
from motcua_platform.audit.services import Actor, event_values, record
from motcua_platform.auth import principal_cache
from motcua_platform.db.base import utcnow
from motcua_platform.db.database import Database, TenantBinding
from motcua_platform.directory.models import Tenant, TenantPlugin, TenantStatus
from motcua_platform.directory.placement import Placements
from motcua_platform.directory.services import bump_content_version
from motcua_platform.errors import Conflict, InvalidInput, NotFound, ServiceError
from motcua_platform.i18n import _
from motcua_platform.storage.services import tenant_objects
from sqlalchemy import Connection, func, insert, select, text
from sqlalchemy.orm import Session

from motcua_tenants.merges import control, files
from motcua_tenants.merges.copy import Merge, build_maps, claim_offsets, copy_rows, quote, reset_sequences
from motcua_tenants.merges.layout import tables
from motcua_tenants.merges.models import TenantMerge
from motcua_tenants.merges.plan import Plan, make_plan
from motcua_tenants.registry.moves import settle

log = logging.getLogger(__name__)

LOCK_TIMEOUT = "30s"  # how long the data step waits for a transaction still writing the source
# test hooks (tests/functional/test_tenant_merge.py): seconds to sleep inside the data transaction after the
# copy, so that a test can kill the process there; a file that, while absent, makes the control step fail once
PAUSE_HOOK = "MOTCUA_MERGE_TEST_PAUSE_SECONDS"
FAIL_CONTROL_HOOK = "MOTCUA_MERGE_TEST_FAIL_CONTROL_ONCE"


class Refused(Conflict):
    """The plan has blocking conflicts; ``plan`` says which."""

    def __init__(self, plan: Plan):
        super().__init__(_("The merge has %(count)s blocking conflict(s); see the dry run.", count=len(plan.blocking)))
        self.plan = plan


@dataclass
class Outcome:
    plan: Plan
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase
    data_done_before: bool = False


@dataclass(frozen=True)
class Sides:
    source: Tenant
    target: Tenant
    source_binding: TenantBinding
    target_binding: TenantBinding
    source_plugins: frozenset[str]
    target_plugins: frozenset[str]


def _sides(db: Database, source_slug: str, target_slug: str) -> Sides:
    if source_slug == target_slug:
        raise InvalidInput(_("A tenant cannot be merged into itself."), {"into": [_("The same tenant as SOURCE.")]})
    with db.control_session() as session:
        found = {t.slug: t for t in session.scalars(select(Tenant).where(Tenant.slug.in_([source_slug, target_slug])))}
        for slug in (source_slug, target_slug):
            if slug not in found:
                raise NotFound(_("No tenant with slug '%(slug)s'.", slug=slug))
        source, target = found[source_slug], found[target_slug]

        def plugins(tenant: Tenant) -> frozenset[str]:
            query = select(TenantPlugin.plugin).where(TenantPlugin.tenant_id == tenant.id, TenantPlugin.enabled)
            return frozenset(session.scalars(query))

        sides = Sides(
            source,
            target,
            db.binding(source.slug, server=source.server),
            db.binding(target.slug, server=target.server),
            plugins(source),
            plugins(target),
        )
    if source.server != target.server:
        raise Conflict(
            _(
                "'%(source)s' is on database server %(source_server)s and '%(target)s' on %(target_server)s: a "
                "merge copies within one server. Move one of them first: `motcua tenants move %(source)s --to "
                "%(target_server)s` (docs/operations/database-servers.md).",
                source=source.slug,
                source_server=source.server,
                target=target.slug,
                target_server=target.server,
            )
        )
    if target.status != TenantStatus.ACTIVE:
        raise Conflict(
            _(
                "Tenant '%(slug)s' is %(status)s; a merge goes into an active tenant.",
                slug=target.slug,
                status=target.status,
            )
        )
    return sides


def _root(conn: Connection, schema: str) -> int:
    root = conn.scalar(text(f"SELECT min(id) FROM {quote(schema)}.units WHERE parent_id IS NULL"))
    if root is None:
        raise Conflict(f"{schema} has no root unit")
    return root


def _merge_for(conn: Connection, sides: Sides, on: dt.date) -> Merge:
    source, target = sides.source_binding.schema, sides.target_binding.schema
    return Merge(
        sides.source.slug, source, target, on, _root(conn, source), _root(conn, target), target_slug=sides.target.slug
    )


def _marker(conn: Connection, merge: Merge) -> dt.datetime | None:
    """When the data step of this merge committed, if it did."""
    return conn.scalar(
        text(f"SELECT finished_at FROM {merge.tgt('tenant_merges')} WHERE source_slug = :s"),
        {"s": merge.source_slug},
    )


def _marker_date(conn: Connection, merge: Merge) -> dt.date | None:
    return conn.scalar(
        text(f"SELECT merged_on FROM {merge.tgt('tenant_merges')} WHERE source_slug = :s"), {"s": merge.source_slug}
    )


def _plan(conn: Connection, sides: Sides, merge: Merge) -> Plan:
    return make_plan(conn, merge, source_plugins=set(sides.source_plugins), target_plugins=set(sides.target_plugins))


DRY_RUN = Actor("cli", None, "merge dry run")  # acts only in transactions rolled back


def dry_run(db: Database, source_slug: str, target_slug: str, on: dt.date, *, config=None) -> Plan:
    """The plan, read in a transaction that is rolled back: nothing is written. With ``config``, the source's
    documents missing from its storage too (a blocking conflict: the run would stop at the file copy)."""
    sides = _sides(db, source_slug, target_slug)
    with db.engine_for(sides.source.server).connect() as conn, conn.begin() as transaction:
        conn.execute(text("SET TRANSACTION READ ONLY"))
        plan = _plan(conn, sides, _merge_for(conn, sides, on))
        keys = files.source_keys(conn, sides.source_binding.schema)
        transaction.rollback()
    if config is not None:
        for key in files.missing(tenant_objects(config, source_slug), keys):
            plan.add("missing_object", f"{source_slug}/{key}", "-", "a document the rows name is not in storage: "
                     "restore it (or fix the row) first", blocking=True)  # fmt: skip
    _control_refusals(db, sides, on, DRY_RUN, plan)
    if (pending := pending_merge(db, sides)) is not None and pending != (target_slug, on.isoformat()):
        plan.add(
            "pending_merge",
            f"tenant {source_slug} suspended for a merge into {pending[0]} on {pending[1]}",
            f"tenant {target_slug} on {on.isoformat()}",
            "finish the pending merge (the same command) or resume the source first",
            blocking=True,
        )
    return plan


def _control_refusals(db: Database, sides: Sides, on: dt.date, actor: Actor, plan: Plan) -> None:
    """The control step's refusals (statuses, a merged target, billing's: an invoice finalized for a period after
    the day before ``on``…) as blocking conflicts of ``plan``: ``control.record_merge`` run in a control
    transaction that is always rolled back, so that the dry run shows them and a real run refuses before its
    data commits rather than after."""
    with db.control_session() as session:
        try:
            control.record_merge(session, source_id=sides.source.id, target_id=sides.target.id, on=on, actor=actor)
            session.flush()
        except ServiceError as exc:
            plan.add(
                "control", f"tenant {sides.source.slug}", f"tenant {sides.target.slug}", str(exc.message), blocking=True
            )
        finally:
            session.rollback()


def _control_done(session: Session, sides: Sides) -> bool:
    """Whether the control step of this merge has run (``record_merge`` recorded the source merged into the target)."""
    source = session.get(Tenant, sides.source.id)
    return source.status == TenantStatus.MERGED and source.merged_into_id == sides.target.id


def _control_step(session: Session, sides: Sides, on: dt.date, actor: Actor, *, data_at: dt.datetime | None) -> None:
    """The control step; ``data_at``, when the data step committed earlier (a re-run), to skip it if done."""
    if data_at is not None and _control_done(session, sides):
        return
    hook = os.environ.get(FAIL_CONTROL_HOOK)
    if hook and not os.path.exists(hook):
        open(hook, "w").close()
        raise RuntimeError("the control step failed (test hook)")
    control.record_merge(session, source_id=sides.source.id, target_id=sides.target.id, on=on, actor=actor)
    bump_content_version(session, sides.target.id, "units")
    bump_content_version(session, sides.target.id, "catalogue")


def merge(
    db: Database,
    config,
    actor: Actor,
    source_slug: str,
    target_slug: str,
    on: dt.date,
    *,
    settle_seconds: float,
    on_step: Callable[[str], None] | None = None,
) -> Outcome:
    step = on_step or (lambda _name: None)
    phases: dict[str, float] = {}
    started = time.monotonic()
    sides = _sides(db, source_slug, target_slug)
    engine = db.engine_for(sides.source.server)
    # one run per source at a time, from before its plan to after its control step: a second run is refused
    # before it suspends, copies or resumes anything (it would otherwise resume the source under the first's copy)
    with engine.connect() as held:
        if not held.scalar(text("SELECT pg_try_advisory_lock(hashtext(:k))"), {"k": _lock_key(source_slug)}):
            raise Conflict(_("Another process is merging '%(slug)s'.", slug=source_slug))
        held.commit()  # the lock is the session's: it stays held, with no transaction left open
        try:
            return _merge_locked(db, config, actor, sides, on, settle_seconds, step, phases, started)
        finally:
            held.execute(text("SELECT pg_advisory_unlock(hashtext(:k))"), {"k": _lock_key(source_slug)})
            held.commit()


def _lock_key(source_slug: str) -> str:
    return f"merge:{source_slug}"


def pending_merge(db: Database, sides: Sides) -> tuple[str, str] | None:
    """(into, on) of the merge a run suspended the source for and that has not ended (neither recorded nor
    abandoned): a run that died after suspending it. ``None`` when the source is not suspended for a merge."""
    if sides.source.status != TenantStatus.SUSPENDED:
        return None
    with db.control_session() as session:
        last = session.scalars(
            select(ControlAuditEvent)
            .where(
                ControlAuditEvent.target == f"tenant:{sides.source.slug}",
                ControlAuditEvent.action.in_(("tenant.merge_started", "tenant.merge_abandoned", "tenant.merge")),
            )
            .order_by(ControlAuditEvent.id.desc())
            .limit(1)
        ).first()
    if last is None or last.action != "tenant.merge_started":
        return None
    return last.details.get("into"), last.details.get("on")


def _same_merge_or_refuse(db: Database, sides: Sides, on: dt.date) -> None:
    """A re-run finishes the merge its source was suspended for, never another one (another target or date)."""
    pending = pending_merge(db, sides)
    if pending is not None and pending != (sides.target.slug, on.isoformat()):
        into, day = pending
        raise Conflict(
            _(
                "Tenant '%(slug)s' is suspended for a merge into '%(into)s' on %(on)s that has not finished: finish "
                "it with `motcua tenants merge %(slug)s --into %(into)s --on %(on)s` (or resume the tenant first).",
                slug=sides.source.slug,
                into=into,
                on=day,
            )
        )


def _merge_locked(
    db: Database, config, actor: Actor, sides: Sides, on: dt.date, settle_seconds: float, step, phases, started
) -> Outcome:
    source_slug, target_slug = sides.source.slug, sides.target.slug
    engine = db.engine_for(sides.source.server)
    _same_merge_or_refuse(db, sides, on)
    with engine.connect() as conn, conn.begin():
        merge_ = _merge_for(conn, sides, on)
        done = _marker(conn, merge_)
        if done is not None and (merged_on := _marker_date(conn, merge_)) != on:
            raise Conflict(
                _(
                    "The data of '%(slug)s' was merged into '%(into)s' on %(on)s: run the same command with "
                    "--on %(on)s to finish that merge.",
                    slug=source_slug,
                    into=target_slug,
                    on=merged_on,
                )
            )
        plan = _plan(conn, sides, merge_)
    if done is None:
        _control_refusals(db, sides, on, actor, plan)
    phases["plan"] = time.monotonic() - started
    outcome = Outcome(plan, phases=phases, data_done_before=done is not None)
    if done is None:
        if plan.blocking:
            raise Refused(plan)
        if sides.source.status not in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED):
            raise Conflict(
                _(
                    "Tenant '%(slug)s' is %(status)s; only an active or suspended tenant can be merged.",
                    slug=source_slug,
                    status=sides.source.status,
                )
            )
        step("suspend")
        mark = time.monotonic()
        source, suspended_here = _suspend(db, sides.source.id, actor, target_slug, on)
        settle(source, settle_seconds)
        phases["suspend"] = time.monotonic() - mark
        try:
            step("files")
            mark = time.monotonic()
            with engine.connect() as conn, conn.begin():
                keys = files.source_keys(conn, sides.source_binding.schema)
            outcome.files = files.copy_objects(
                tenant_objects(config, source_slug), tenant_objects(config, target_slug), keys, merge_.key_prefix
            )
            phases["files"] = time.monotonic() - mark
            step("copy")
            outcome.counts = _data_step(db, sides, on, actor, phases, step)
        except Exception as exc:
            # nothing was merged (the data step rolled back whole): the source serves again as it did, if this
            # run suspended it (one suspended by an operator, or by an earlier run that died, stays so)
            _undo_unless_merged(
                db,
                sides,
                on,
                actor,
                resume=suspended_here,
                copies=(tenant_objects(config, target_slug), merge_.key_prefix),
                reason=type(exc).__name__,
            )
            raise
    if sides.source.server != "main" or done is not None:
        step("control")
        with engine.connect() as conn, conn.begin():
            data_at = _marker(conn, _merge_for(conn, sides, on))
        with db.control_session() as session, session.begin():
            _control_step(session, sides, on, actor, data_at=data_at)
    principal_cache.clear_this_process()
    if isinstance(db.locate, Placements):
        db.locate.forget()
    phases["total"] = time.monotonic() - started
    step("done")
    return outcome


def _undo_unless_merged(
    db: Database, sides: Sides, on: dt.date, actor: Actor, *, resume: bool, copies: tuple, reason: str
) -> None:
    """After a failed run, unless its data committed after all (a re-run then finishes the control step): the
    documents copied under ``<target>/merged/<source>/`` removed (no row names them), and the source resumed if
    this run suspended it."""
    try:
        with db.engine_for(sides.source.server).connect() as conn, conn.begin():
            if _marker(conn, _merge_for(conn, sides, on)) is not None:
                return
        files.remove_copies(*copies)
        if not resume:
            return
        with db.control_session() as session, session.begin():
            tenant = session.get(Tenant, sides.source.id, with_for_update=True)
            if tenant.status == TenantStatus.SUSPENDED:
                tenant.status = TenantStatus.ACTIVE
                tenant.status_changed_at = utcnow()
                record(
                    session, actor, "tenant.merge_abandoned", target=f"tenant:{tenant.slug}",
                    tenant_slug=tenant.slug, into=sides.target.slug, on=on.isoformat(), reason=reason,
                )  # fmt: skip
    except Exception:
        log.exception("tenant %s could not be resumed after a failed merge; it stays suspended", sides.source.slug)


def _suspend(db: Database, tenant_id: int, actor: Actor, into: str, on: dt.date) -> tuple[Tenant, bool]:
    """The source suspended; whether this call suspended it (it was active)."""
    with db.control_session() as session, session.begin():
        tenant = session.get(Tenant, tenant_id, with_for_update=True)
        suspended_here = tenant.status == TenantStatus.ACTIVE
        if suspended_here:
            tenant.status = TenantStatus.SUSPENDED
            tenant.status_changed_at = utcnow()
            record(
                session,
                actor,
                "tenant.merge_started",
                target=f"tenant:{tenant.slug}",
                tenant_slug=tenant.slug,
                into=into,
                on=on.isoformat(),
            )
        session.flush()
        session.expunge(tenant)
    return tenant, suspended_here


def _data_step(db: Database, sides: Sides, on: dt.date, actor: Actor, phases: dict, step) -> dict[str, int]:
    engine = db.engine_for(sides.source.server)
    with engine.connect() as conn, conn.begin():
        mark = time.monotonic()
        conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))  # the run holds the merge's lock
        target_schema = sides.target_binding.schema
        # the target's own code (its statistics, its triggers' advisory lock) reads its schema's names
        conn.execute(text("SELECT set_config('search_path', :s, true)"), {"s": quote(target_schema)})
        conn.execution_options(schema_translate_map={None: target_schema})
        merge_ = _merge_for(conn, sides, on)
        # the source's rows cannot change under the copy: writes wait (none should come: it is suspended)
        for table in tables():
            conn.execute(text(f"LOCK TABLE {merge_.src(table.name)} IN EXCLUSIVE MODE"))
        if _marker(conn, merge_) is not None:  # another run committed it meanwhile
            return {}
        plan = _plan(conn, sides, merge_)
        if plan.blocking:
            raise Refused(plan)
        phases["fence and plan"] = time.monotonic() - mark
        mark = time.monotonic()
        matched = build_maps(conn, merge_)
        claim_offsets(conn, merge_)
        counts = copy_rows(conn, merge_)
        reset_sequences(conn, merge_)
        phases["copy"] = time.monotonic() - mark
        step("copied")
        if pause := float(os.environ.get(PAUSE_HOOK) or 0):
            time.sleep(pause)
        mark = time.monotonic()
        _rebuild(conn, merge_)
        phases["rebuild"] = time.monotonic() - mark
        summary = {"copied": counts, "matched": matched}
        conn.execute(
            insert(TenantMerge).values(
                source_slug=sides.source.slug,
                source_tenant_id=sides.source.id,
                merged_on=on,
                counts=summary,
                finished_at=func.now(),
            )
        )
        values = event_values(
            actor,
            "tenant.merged_in",
            target=f"tenant:{sides.source.slug}",
            source=sides.source.slug,
            on=on.isoformat(),
            copied=counts,
            matched=matched,
        )
        conn.execute(
            text(
                f"INSERT INTO {merge_.tgt('audit_events')} (actor, action, target, details, remote_addr) "
                "VALUES (:actor, :action, :target, CAST(:details AS jsonb), :remote_addr)"
            ),
            values | {"details": _json(values["details"])},
        )
        conn.execute(select(func.pg_notify(principal_cache.CHANNEL, "")))  # roles and accounts changed
        if sides.source.server != "main":
            # the control step runs after this commit: whatever would refuse it refuses the data now (nothing
            # committed), not once the target holds the copy
            _control_refusals(db, sides, on, actor, plan)
            if plan.blocking:
                raise Refused(plan)
        if sides.source.server == "main":
            step("control")
            session = Session(bind=conn, join_transaction_mode="create_savepoint")
            _control_step(session, sides, on, actor, data_at=None)
            session.commit()  # releases its savepoint: the outer transaction commits it below
            session.close()
    return counts


def _json(value) -> str:
    import json

    return json.dumps(value, default=str)


def _rebuild(conn: Connection, merge_: Merge) -> None:
    """The derived tables: the stored bytes' running total grows by the source's; each area rebuilds what it
    derives (``signals.tenant_merged_in``: the one-stop domain keeps the statistics' periods again)."""
    conn.execute(
        text(
            f"INSERT INTO {merge_.tgt('document_storage_totals')} (id, bytes) "
            f"SELECT 1, coalesce((SELECT sum(bytes) FROM {merge_.src('document_storage_totals')}), 0) "
            "ON CONFLICT (id) DO UPDATE SET bytes = document_storage_totals.bytes + EXCLUDED.bytes"
        )
    )
    session = Session(bind=conn, join_transaction_mode="create_savepoint")
    signals.tenant_merged_in.send(session, source=merge_.source_slug)
    session.commit()  # releases its savepoint: the merge's transaction commits it
    session.close()
