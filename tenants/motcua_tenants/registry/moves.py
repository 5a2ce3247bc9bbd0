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
   code's head, every table's rows streamed with binary ``COPY`` (foreign keys dropped and added back, which
   checks them all; user triggers off, so that the copy writes exactly what the source holds), the sequences
   set; then every table's row count and checksum compared with the source's. Any difference rolls the copy
   back.
5. **Switch**: ``control.tenants.server`` names the target.
6. **Finish**: the fenced source schema and the role there are dropped; the tenant resumes if it was active.

A failure before the switch un-fences the source and resumes the tenant as it was: the move did not happen.
After the switch, a re-run only finishes step 6.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.db.database import Database, TenantBinding
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.i18n import _
from sqlalchemy import Connection, select, text, update
from sqlalchemy.orm import Session

from motcua_tenants.migrations.runner import create_role_and_schema, tenant_heads, upgrade_tenant_on
from motcua_tenants.registry.models import JobStatus, TenantJob
from motcua_tenants.registry.services import JobReporter, _load_job, latest_job

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
    unfinished = latest_job(session, tenant.id, "move")
    if unfinished is not None and unfinished.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        if unfinished.params.get("to") != to:
            raise Conflict(f"Tenant '{slug}' is being moved to {unfinished.params.get('to')}; finish that first.")
        return unfinished
    if to not in servers:
        raise InvalidInput(
            "The tenant cannot be moved.", {"to": [f"No database server is named '{to}': {', '.join(servers)}."]}
        )
    if tenant.server == to:
        raise Conflict(f"Tenant '{slug}' is already on {to}.")
    if tenant.status not in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED):
        raise Conflict(f"Tenant '{slug}' is {tenant.status}; only an active or suspended tenant can be moved.")
    job = TenantJob(
        tenant_id=tenant.id,
        kind="move",
        params={"from": tenant.server, "to": to, "resume": tenant.status == TenantStatus.ACTIVE},
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
@dataclass(frozen=True)
class TableCheck:
    rows: int
    checksum: str | None


def move(db: Database, job_id: int, *, settle_seconds: float, on_step: Callable[[str], None] | None = None) -> None:
    """Run (or run again) move job ``job_id``; ``settle_seconds`` is how long after the suspension every process
    is sure to have seen it (step 2)."""
    job, tenant = _load_job(db, job_id, "move")
    source, target, resume = job.params["from"], job.params["to"], job.params["resume"]
    binding = db.binding(tenant.slug, server=source)
    report = JobReporter(db, job_id)
    step = on_step or (lambda _name: None)
    with _only_mover(db, job_id):
        report.start()
        try:
            if tenant.server == source:
                report("waiting for every process to see the suspension", 5)
                step("wait")
                _settle(tenant, settle_seconds)
                try:
                    report("fencing the source schema", 15)
                    step("fence")
                    _fence(db, binding)
                    report("copying to the target server", 30)
                    step("copy")
                    _copy(db, binding, target)
                    report("switching the placement", 85)
                    step("switch")
                    _switch(db, tenant.id, target)
                except Exception:  # the move did not happen: the tenant stays where it was, as it was
                    _drop_unswitched_copy(db, tenant.id, binding, target)
                    _unfence(db, binding)
                    _set_status(db, tenant.id, TenantStatus.ACTIVE if resume else None)
                    raise
            report("removing the source copy", 90)
            step("finish")
            _drop_source(db, binding)
            _finish(db, tenant, job_id, resume)
        except Exception as exc:
            log.exception("moving tenant %s failed", tenant.slug)
            report.fail(f"{type(exc).__name__}: {exc}")
            raise
        report.succeed()
    if db.locate is not None and hasattr(db.locate, "forget"):
        db.locate.forget()


class _only_mover:
    """One process runs a move job at a time (a re-run while the first still runs waits for nothing: it is
    refused), with a session advisory lock held on the main server for the whole move."""

    def __init__(self, db: Database, job_id: int):
        digest = hashlib.sha256(f"move:{job_id}".encode()).digest()
        self.db, self.key = db, int.from_bytes(digest[:8], "big", signed=True)

    def __enter__(self):
        self.conn = self.db.engine.connect()
        if not self.conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}):
            self.conn.close()
            raise Conflict("Another process is running this move.")
        return self

    def __exit__(self, *exc):
        try:
            self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        finally:
            self.conn.close()


def _settle(tenant: Tenant, seconds: float) -> None:
    left = (tenant.status_changed_at.timestamp() + seconds) - time.time()
    if left > 0:
        time.sleep(left)


def _schemas(conn: Connection) -> set[str]:
    return set(conn.scalars(text("SELECT nspname FROM pg_namespace")))


def _tables(conn: Connection, schema: str) -> list[str]:
    return list(
        conn.scalars(
            text(
                "SELECT relname FROM pg_class WHERE relnamespace = CAST(:s AS regnamespace) AND relkind = 'r' "
                "AND relname <> 'alembic_version' ORDER BY relname"
            ),
            {"s": schema},
        )
    )


def _fence(db: Database, binding: TenantBinding) -> None:
    fenced = moving_schema(binding)
    with db.engine_for(binding.server).begin() as conn:
        present = _schemas(conn)
        if fenced in present and binding.schema not in present:
            return  # fenced by an earlier run
        if binding.schema not in present:
            raise RuntimeError(f"{binding.schema} is not on server {binding.server}")
        conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        for table in _tables(conn, binding.schema):
            conn.execute(text(f'LOCK TABLE "{binding.schema}"."{table}" IN ACCESS EXCLUSIVE MODE'))
        conn.execute(text(f'ALTER SCHEMA "{binding.schema}" RENAME TO "{fenced}"'))


def _unfence(db: Database, binding: TenantBinding) -> None:
    with db.engine_for(binding.server).begin() as conn:
        if moving_schema(binding) in _schemas(conn):
            conn.execute(text(f'ALTER SCHEMA "{moving_schema(binding)}" RENAME TO "{binding.schema}"'))


def _check(conn: Connection, schema: str, table: str) -> TableCheck:
    """Row count and an order-free checksum of the rows' text (the same on every server for the same rows)."""
    rows, checksum = conn.execute(
        text(f'SELECT count(*), md5(string_agg(md5(t::text), \'\' ORDER BY md5(t::text))) FROM "{schema}"."{table}" t')  # noqa: S608 - names from the catalogue
    ).one()
    return TableCheck(rows, checksum)


def _copy(db: Database, binding: TenantBinding, target: str) -> dict[str, TableCheck]:
    """The whole copy in one transaction on the target; the checks of every table, equal on both sides."""
    fenced = moving_schema(binding)
    placed = TenantBinding(binding.slug, binding.schema, binding.role, target)
    with db.engine_for(binding.server).connect() as src, src.begin(), db.engine_for(target).connect() as dst:
        with dst.begin():
            if binding.schema in _schemas(dst):  # a copy an earlier run committed but did not switch to
                dst.execute(text(f'DROP SCHEMA "{binding.schema}" CASCADE'))
        with dst.begin():
            heads_sql = f'SELECT version_num FROM "{fenced}".alembic_version'  # noqa: S608 - a validated slug
            source_heads = set(src.scalars(text(heads_sql)))
            if source_heads != set(tenant_heads()):
                raise RuntimeError(f"{binding.slug} is not at the code's revisions: run `motcua db upgrade` first")
            create_role_and_schema(dst, placed)
            upgrade_tenant_on(dst, placed)
            dst.execute(text(f"SELECT set_config('role', '{binding.role}', true)"))
            tables = _tables(src, fenced)
            if set(tables) != set(_tables(dst, binding.schema)):
                raise RuntimeError("the source and the freshly migrated target have different tables")
            # The rows are the source's, all of them: what the migrations seeded goes, user triggers stay off
            # while the copy writes (so it writes exactly what the source holds), and the foreign keys are added
            # back at the end, which checks every row against them.
            named = [f'"{binding.schema}"."{table}"' for table in tables]
            keys = _foreign_keys(dst, binding.schema)
            for table, name, _definition in keys:
                dst.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
            for table in named:
                dst.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            dst.execute(text(f"TRUNCATE {', '.join(named)}"))
            for table in tables:
                _copy_table(src, dst, fenced, binding.schema, table)
            for table in named:
                dst.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
            for table, name, definition in keys:
                dst.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
            _copy_sequences(src, dst, fenced, binding.schema)
            checks = {}
            for table in tables:
                checks[table] = _check(src, fenced, table)
                copied = _check(dst, binding.schema, table)
                if copied != checks[table]:
                    raise RuntimeError(f"{table}: {copied} on {target}, {checks[table]} on {binding.server}")
    return checks


def _foreign_keys(conn: Connection, schema: str) -> list[tuple[str, str, str]]:
    return [
        tuple(row)
        for row in conn.execute(
            text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND connamespace = CAST(:s AS regnamespace) ORDER BY 1, 2"
            ),
            {"s": schema},
        )
    ]


def _copy_table(src: Connection, dst: Connection, from_schema: str, to_schema: str, table: str) -> None:
    columns = list(
        src.scalars(
            text(
                "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 "
                "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum"
            ),
            {"t": f'"{from_schema}"."{table}"'},
        )
    )
    named = ", ".join(columns)
    reader = src.connection.driver_connection.cursor()
    writer = dst.connection.driver_connection.cursor()
    with (
        reader.copy(f'COPY "{from_schema}"."{table}" ({named}) TO STDOUT (FORMAT binary)') as out,
        writer.copy(f'COPY "{to_schema}"."{table}" ({named}) FROM STDIN (FORMAT binary)') as into,
    ):
        for chunk in out:
            into.write(chunk)


def _copy_sequences(src: Connection, dst: Connection, from_schema: str, to_schema: str) -> None:
    names = src.scalars(
        text("SELECT relname FROM pg_class WHERE relnamespace = CAST(:s AS regnamespace) AND relkind = 'S'"),
        {"s": from_schema},
    )
    for name in list(names):
        value, called = src.execute(text(f'SELECT last_value, is_called FROM "{from_schema}"."{name}"')).one()  # noqa: S608
        dst.execute(
            text("SELECT setval(CAST(:q AS regclass), :v, :c)"),
            {"q": f'"{to_schema}"."{name}"', "v": value, "c": called},
        )


def _drop_unswitched_copy(db: Database, tenant_id: int, binding: TenantBinding, target: str) -> None:
    """The target's copy of a move that failed, unless the placement names the target (then it is the tenant)."""
    with db.engine.connect() as conn:
        if conn.scalar(select(Tenant.server).where(Tenant.id == tenant_id)) == target:
            return
    with db.engine_for(target).begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{binding.schema}" CASCADE'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{binding.role}"'))


def _switch(db: Database, tenant_id: int, target: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(Tenant).where(Tenant.id == tenant_id).values(server=target))


def _drop_source(db: Database, binding: TenantBinding) -> None:
    with db.engine_for(binding.server).begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{moving_schema(binding)}" CASCADE'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{binding.role}"'))


def _set_status(db: Database, tenant_id: int, status: str | None) -> None:
    if status is not None:
        with db.engine.begin() as conn:
            conn.execute(update(Tenant).where(Tenant.id == tenant_id).values(status=status, status_changed_at=utcnow()))


def _finish(db: Database, tenant: Tenant, job_id: int, resume: bool) -> None:
    with db.control_session() as session, session.begin():
        fresh = session.get(Tenant, tenant.id, with_for_update=True)
        if resume and fresh.status == TenantStatus.SUSPENDED:
            fresh.status = TenantStatus.ACTIVE
            fresh.status_changed_at = utcnow()
        record(session, Actor("system", None, "mover"), "tenant.moved", target=f"tenant:{tenant.slug}",
               tenant_slug=tenant.slug, job_id=job_id, server=fresh.server)  # fmt: skip
