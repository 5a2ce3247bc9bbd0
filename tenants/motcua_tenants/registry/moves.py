"""Moving a province to another database server (``motcua tenants move SLUG --to SERVER``; ADR 0056).

The province is suspended while it moves: its host answers 503 with Retry-After, so the pause is announced to
every caller, and nothing writes to it. The steps, each of which a re-run after a crash (``kill -9``) finds done
or does again from the databases' state, never from memory:

1. **Request**: the move job is recorded and the tenant suspended, in one transaction.
2. **Wait** until every process has seen the suspension: the host → tenant and placement caches keep an
   answer for ``MOTCUA_TENANT_CACHE_SECONDS``; a request already running ends within gunicorn's timeout.
3. **Fence** the source: with every table of the schema locked (waiting out any transaction still in it), the
   schema is renamed ``m_<slug>``. Whatever still tries to write the tenant there fails, loudly, instead of
   writing where the copy will not look.
4. **Copy** in one transaction on the target: the role (same name on every server), the schema migrated to the
   code's head and emptied, every table's rows streamed with ``COPY`` in foreign-key order (user triggers off,
   so that the copy writes exactly what the source holds), the sequences set; then every table's row count and
   checksum compared with the source's. Any difference rolls the copy back.
5. **Switch**: ``control.tenants.server`` names the target and the tenant resumes if it was active, in one
   transaction.
6. **Finish**: the fenced source schema and the role there are dropped (if that fails, the move still happened:
   the audit record says what was left).

A failure before the switch un-fences the source, resumes the tenant as it was and drops the target's copy,
each on its own: the move did not happen. After the switch, a re-run only finishes step 6. Resuming the tenant
or archiving it waits for a move under way (``services.move_under_way``).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Collection

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.db.database import Database, TenantBinding
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.directory.placement import Placements
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.i18n import _
from sqlalchemy import Connection, select, text, update
from sqlalchemy.orm import Session

from motcua_tenants.backups import tables as rows
from motcua_tenants.migrations.runner import create_role_and_schema, tenant_heads, upgrade_tenant_on
from motcua_tenants.registry.models import JobStatus, TenantJob
from motcua_tenants.registry.services import JobReporter, latest_job, load_job, move_under_way

log = logging.getLogger(__name__)

MOVING_PREFIX = "m_"  # the fenced source schema's name: m_<slug>
LOCK_TIMEOUT = "30s"  # how long the fence waits for a transaction still in the tenant before giving up


def moving_schema(binding: TenantBinding) -> str:
    return MOVING_PREFIX + binding.slug


# -- 1. request ---------------------------------------------------------------------------------------------
def request_move(session: Session, actor: Actor, slug: str, to: str, servers: Collection[str]) -> TenantJob:
    """Record the move of ``slug`` to server ``to`` and suspend the tenant (the pause starts here). An
    unfinished move of the same tenant to the same server is returned as it is, to be run again."""
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug).with_for_update())
    if tenant is None:
        raise NotFound(_("No tenant with slug '%(slug)s'.", slug=slug))
    last = latest_job(session, tenant.id, "move")
    if move_under_way(session, tenant.id) is not None:
        if last.params.get("to") != to:
            raise Conflict(f"Tenant '{slug}' is being moved to {last.params.get('to')}; finish that first.")
        return last
    if to not in servers:
        raise InvalidInput(
            "The tenant cannot be moved.", {"to": [f"No database server is named '{to}': {', '.join(servers)}."]}
        )
    if tenant.server == to:
        raise Conflict(f"Tenant '{slug}' is already on {to}.")
    if tenant.status not in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED):
        raise Conflict(f"Tenant '{slug}' is {tenant.status}; only an active or suspended tenant can be moved.")
    # A failed move that could not resume the tenant (its source could not be un-fenced at the time) leaves it
    # suspended; the next attempt resumes it as the first would have, unless its status changed since.
    left_suspended = (
        last is not None
        and last.status == JobStatus.FAILED
        and last.params.get("resume")
        and tenant.status == TenantStatus.SUSPENDED
        and last.finished_at is not None
        and tenant.status_changed_at <= last.finished_at
    )
    job = TenantJob(
        tenant_id=tenant.id,
        kind="move",
        params={"from": tenant.server, "to": to, "resume": tenant.status == TenantStatus.ACTIVE or left_suspended},
    )
    session.add(job)
    if tenant.status == TenantStatus.ACTIVE:
        tenant.status = TenantStatus.SUSPENDED
        tenant.status_changed_at = utcnow()
    session.flush()
    record(session, actor, "tenant.move", target=f"tenant:{slug}", tenant_slug=slug, job_id=job.id,
           **{"from": tenant.server, "to": to})  # fmt: skip
    return job


# -- the job ------------------------------------------------------------------------------------------------
def move(db: Database, job_id: int, *, settle_seconds: float, on_step: Callable[[str], None] | None = None) -> None:
    """Run (or run again) move job ``job_id``; ``settle_seconds`` is how long after the suspension every process
    is sure to have seen it (step 2)."""
    job, tenant = load_job(db, job_id, "move")
    source, target, resume = job.params["from"], job.params["to"], job.params["resume"]
    binding = db.binding(tenant.slug, server=source)
    report = JobReporter(db, job_id)
    step = on_step or (lambda _name: None)
    with _OnlyMover(db, job_id) as lock:
        report.start()
        try:
            if tenant.server == source:
                report("waiting for every process to see the suspension", 5)
                step("wait")
                settle(tenant, settle_seconds)
                copying = False
                try:
                    report("fencing the source schema", 15)
                    step("fence")
                    _fence(db, binding)
                    report("copying to the target server", 30)
                    step("copy")
                    copying = True
                    _copy(db, binding, target)
                    report("switching the placement", 85)
                    step("switch")
                    lock.check()
                    _switch(db, tenant.id, target, resume)
                except Exception:
                    _after_failure(db, lock, tenant.id, binding, target, resume=resume, copied=copying)
                    raise
            report("removing the source copy", 90)
            step("finish")
            left = _drop_source(db, lock, binding)
            _finish(db, tenant, job_id, source_left=left)
        except Exception as exc:
            log.exception("moving tenant %s failed", tenant.slug)
            report.fail(f"{type(exc).__name__}: {exc}")
            raise
        report.succeed()
    if isinstance(db.locate, Placements):
        db.locate.forget()


class _OnlyMover:
    """One process runs a move job at a time: a session advisory lock on the main server for the whole move.
    ``check`` before each step that changes what another mover may rely on: if the lock's connection died, the
    lock went with it, and this run stops there."""

    def __init__(self, db: Database, job_id: int):
        digest = hashlib.sha256(f"move:{job_id}".encode()).digest()
        self.db, self.key = db, int.from_bytes(digest[:8], "big", signed=True)

    def __enter__(self) -> _OnlyMover:
        self.conn = self.db.engine.connect()
        if not self.conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}):
            self.conn.close()
            raise Conflict("Another process is running this move.")
        return self

    def check(self) -> None:
        self.conn.scalar(text("SELECT 1"))  # raises on a lost connection, whose lock is gone

    def __exit__(self, *exc) -> None:
        try:
            self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        except Exception:  # a lost connection released the lock already
            log.warning("the move's lock connection was lost before its end")
        finally:
            self.conn.close()


def settle(tenant: Tenant, seconds: float) -> None:
    """Wait until ``seconds`` after the tenant's last status change (its suspension): every process has seen it
    by then (moves, exports and merges wait so)."""
    left = (tenant.status_changed_at.timestamp() + seconds) - time.time()
    if left > 0:
        time.sleep(left)


def _schemas(conn: Connection) -> set[str]:
    return set(conn.scalars(text("SELECT nspname FROM pg_namespace")))


def _fence(db: Database, binding: TenantBinding) -> None:
    fenced = moving_schema(binding)
    with db.engine_for(binding.server).begin() as conn:
        present = _schemas(conn)
        if fenced in present and binding.schema not in present:
            return  # fenced by an earlier run
        if binding.schema not in present:
            raise RuntimeError(f"{binding.schema} is not on server {binding.server}")
        conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        for table in rows.tables(conn, binding.schema):
            conn.execute(
                text(f"LOCK TABLE {rows.quote(binding.schema)}.{rows.quote(table.name)} IN ACCESS EXCLUSIVE MODE")
            )
        conn.execute(text(f'ALTER SCHEMA "{binding.schema}" RENAME TO "{fenced}"'))


def _unfence(db: Database, binding: TenantBinding) -> None:
    with db.engine_for(binding.server).begin() as conn:
        if moving_schema(binding) in _schemas(conn):
            conn.execute(text(f'ALTER SCHEMA "{moving_schema(binding)}" RENAME TO "{binding.schema}"'))


def _copy(db: Database, binding: TenantBinding, target: str) -> None:
    """The whole copy in one transaction on the target, its rows checked against the source's before it commits.
    The rows' SQL is the backups' (``backups.tables``): the same values printed the same way on both servers."""
    fenced = moving_schema(binding)
    placed = TenantBinding(binding.slug, binding.schema, binding.role, target)
    with db.engine_for(binding.server).connect() as src, src.begin(), db.engine_for(target).connect() as dst:
        with dst.begin():
            if binding.schema in _schemas(dst):  # a copy an earlier run committed but did not switch to
                dst.execute(text(f'DROP SCHEMA "{binding.schema}" CASCADE'))
        with dst.begin():
            heads_sql = f'SELECT version_num FROM "{fenced}".alembic_version'  # noqa: S608 - a validated slug
            if set(src.scalars(text(heads_sql))) != set(tenant_heads()):
                raise RuntimeError(f"{binding.slug} is not at the code's revisions: run `motcua db upgrade` first")
            create_role_and_schema(dst, placed)
            upgrade_tenant_on(dst, placed)
            dst.execute(text(f"SELECT set_config('role', '{binding.role}', true)"))
            rows.fix_output(src)
            rows.fix_output(dst)
            tables = {table.name: table for table in rows.tables(src, fenced)}
            if set(tables) != {table.name for table in rows.tables(dst, binding.schema)}:
                raise RuntimeError("the source and the freshly migrated target have different tables")
            # The rows are the source's, all of them: what the migrations seeded goes, and the tables' own
            # triggers stay off while the copy writes, so that it writes exactly what the source holds.
            order = rows.load_order(dst, binding.schema, tables)
            rows.set_user_triggers(dst, binding.schema, order, enabled=False)
            dst.execute(text("TRUNCATE " + ", ".join(f"{rows.quote(binding.schema)}.{rows.quote(n)}" for n in order)))
            for name in order:
                _stream(src, dst, fenced, binding.schema, tables[name])
            rows.set_user_triggers(dst, binding.schema, order, enabled=True)
            for name, sequence in rows.sequences(src, fenced).items():
                rows.set_sequence(dst, binding.schema, name, sequence["last_value"], sequence["is_called"])
            for name in order:
                before = rows.checksum(src, fenced, name, tables[name].columns)
                after = rows.checksum(dst, binding.schema, name, tables[name].columns)
                if before != after:
                    raise RuntimeError(f"{name}: {after} on {target}, {before} on {binding.server}")


def _stream(src: Connection, dst: Connection, from_schema: str, to_schema: str, table: rows.Table) -> None:
    columns = ", ".join(rows.quote(c) for c in table.columns if c not in table.generated)
    out_sql = f"COPY {rows.quote(from_schema)}.{rows.quote(table.name)} ({columns}) TO STDOUT"
    in_sql = f"COPY {rows.quote(to_schema)}.{rows.quote(table.name)} ({columns}) FROM STDIN"
    with (
        src.connection.driver_connection.cursor() as reader,
        reader.copy(out_sql) as out,
        dst.connection.driver_connection.cursor() as writer,
        writer.copy(in_sql) as into,
    ):
        for chunk in out:
            into.write(chunk)


def _placed_on(db: Database, tenant_id: int) -> str:
    with db.engine.connect() as conn:
        return conn.scalar(select(Tenant.server).where(Tenant.id == tenant_id))


def _switch(db: Database, tenant_id: int, target: str, resume: bool) -> None:
    """The placement and the end of the pause in one transaction: once the tenant is served again, it is from
    the target. A status someone else set meanwhile (not the move's suspension) is left as it is."""
    with db.engine.begin() as conn:
        conn.execute(update(Tenant).where(Tenant.id == tenant_id).values(server=target))
        if resume:
            conn.execute(
                update(Tenant)
                .where(Tenant.id == tenant_id, Tenant.status == TenantStatus.SUSPENDED)
                .values(status=TenantStatus.ACTIVE, status_changed_at=utcnow())
            )


def _after_failure(
    db: Database, lock: _OnlyMover, tenant_id: int, binding: TenantBinding, target: str, *, resume: bool, copied: bool
) -> None:
    """Undo what this run did before the switch, each step on its own (one failing does not keep the others
    from running): the source un-fenced first, then the tenant resumed (only with its source back), then the
    target's copy dropped. If the placement names the target after all (a switch that committed but was
    reported as failed), the move happened: nothing is undone, and a re-run finishes it."""
    try:
        if _placed_on(db, tenant_id) == target:
            return
    except Exception:
        log.exception("the placement could not be read after a failed move: nothing is undone; run the move again")
        return
    try:
        _unfence(db, binding)
    except Exception:
        log.exception("the source schema of %s could not be un-fenced; the tenant stays suspended", binding.slug)
        return
    if resume:
        try:
            with db.engine.begin() as conn:
                conn.execute(
                    update(Tenant)
                    .where(Tenant.id == tenant_id, Tenant.status == TenantStatus.SUSPENDED)
                    .values(status=TenantStatus.ACTIVE, status_changed_at=utcnow())
                )
        except Exception:
            log.exception("tenant %s could not be resumed after a failed move", binding.slug)
    if copied:
        try:
            lock.check()
            with db.engine_for(target).begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{binding.schema}" CASCADE'))
        except Exception:
            log.exception("the copy of %s on %s could not be dropped; the next move drops it", binding.slug, target)


def _drop_source(db: Database, lock: _OnlyMover, binding: TenantBinding) -> bool:
    """Drop the fenced source (and the tenant's role there, unless that server holds the target too, when the role
    is the tenant's). Whether something was left behind: the move happened either way."""
    try:
        lock.check()
        with db.engine_for(binding.server).begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{moving_schema(binding)}" CASCADE'))
        with db.engine_for(binding.server).begin() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{binding.role}"'))
        return False
    except Exception:
        log.exception("the source copy of %s on %s was not removed", binding.slug, binding.server)
        return True


def _finish(db: Database, tenant: Tenant, job_id: int, *, source_left: bool) -> None:
    with db.control_session() as session, session.begin():
        fresh = session.get(Tenant, tenant.id)
        record(session, Actor("system", None, "mover"), "tenant.moved", target=f"tenant:{tenant.slug}",
               tenant_slug=tenant.slug, job_id=job_id, server=fresh.server, source_left=source_left)  # fmt: skip
