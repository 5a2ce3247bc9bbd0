"""Migrating the control plane and every tenant schema (design brief, section 4).

* Control first, then tenants, each tenant in one transaction inside a pool of fresh worker processes
  (long-lived processes accumulate per-schema catalogue caches), on the database server that holds it:
  up to ``workers`` tenants at a time on each server, so the servers migrate in parallel (ADR 0055).
  A migration's non-transactional step (``motcua_platform.db.migration_steps``) commits what came before
  it and runs outside the transaction; the revision is written after it, in the next one (ADR 0051).
* Tenants already at head are found with one query and never dispatched, so a no-op upgrade costs
  milliseconds per tenant rather than an Alembic start-up each.
* On the first failure no further tenant is scheduled; tenants in flight finish; the report says which
  revision every tenant is on.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cache

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from motcua_platform.areas import Areas, install, installed
from motcua_platform.db.database import MAIN_SERVER, Database, TenantBinding
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.jobs import QUEUE_SCHEMA
from motcua_platform.plugins.engine import active
from procrastinate.schema import SchemaManager
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import OperationalError

from motcua_tenants import durations
from motcua_tenants.migrations.config import alembic_config

log = logging.getLogger(__name__)

# Tenants that have a schema to migrate (a merged one keeps its schema until it is exported and deleted).
SCHEMA_STATUSES = (TenantStatus.ACTIVE, TenantStatus.SUSPENDED, TenantStatus.MERGED)


def tenant_heads() -> frozenset[str]:
    return _tenant_heads(active().names)


@cache
def _tenant_heads(plugins: tuple[str, ...]) -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config("tenant")).get_heads())


@cache
def control_heads() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config("control")).get_heads())


def behind(environment: str, recorded: Iterable[str]) -> bool:
    """Whether a database whose ``alembic_version`` holds ``recorded`` lacks a revision of this code: one of the
    code's heads is neither recorded nor below a recorded revision. A revision this code does not know means
    newer code migrated the database (a rollout under way): that is ahead, not behind, and the old code goes on
    serving until it is replaced (expand/contract, docs/operations/migrations.md)."""
    recorded = set(recorded)
    if not recorded:
        return True
    script = ScriptDirectory.from_config(alembic_config(environment))
    heads = control_heads() if environment == "control" else tenant_heads()
    reached: set[str] = set()
    for revision in recorded:
        try:
            reached.update(r.revision for r in script.iterate_revisions(revision, "base"))
        except (CommandError, RevisionError):  # unknown to this code: written by newer code
            return False
    return not heads <= reached


# -- control -------------------------------------------------------------------------------------
def upgrade_control(db: Database) -> None:
    with db.engine.begin() as conn:
        # Unqualified SQL on a fresh connection must find nothing (see database.UNBOUND_SEARCH_PATH).
        conn.execute(text(f'ALTER DATABASE "{db.engine.url.database}" SET search_path TO motcua_unbound'))
        command.upgrade(alembic_config("control", connection=conn), "heads")
        _ensure_queue_schema(conn)


def _ensure_queue_schema(conn: Connection) -> None:
    conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {QUEUE_SCHEMA}"))
    if conn.scalar(text(f"SELECT to_regclass('{QUEUE_SCHEMA}.procrastinate_jobs')")) is None:
        conn.execute(text(f"SET LOCAL search_path TO {QUEUE_SCHEMA}"))
        # Straight to psycopg: with no parameters it does not treat the '%' in procrastinate's SQL as placeholders.
        conn.connection.driver_connection.execute(SchemaManager.get_schema())


def control_revision(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        if conn.scalar(text("SELECT to_regclass('control.alembic_version')")) is None:
            return set()
        return set(conn.scalars(text("SELECT version_num FROM control.alembic_version")))


# -- one tenant ----------------------------------------------------------------------------------
def upgrade_tenant_on(conn: Connection, binding: TenantBinding, revision: str = "heads") -> None:
    """Upgrade ``binding``'s schema inside the caller's transaction on ``conn``; non-transactional steps run
    inline in it (for a schema being built: provisioning, checks)."""
    command.upgrade(alembic_config("tenant", connection=conn, binding=binding), revision)


def upgrade_tenant(db: Database, binding: TenantBinding, revision: str = "heads") -> list[str]:
    """Upgrade a live tenant as the runner does: one transaction, split only by non-transactional steps,
    which run outside it (concurrent index builds, batched backfills). Returns the revisions it is on."""
    with db.engine_for(binding.server).connect() as conn:
        command.upgrade(alembic_config("tenant", connection=conn, binding=binding, online=True), revision)
        with conn.begin():
            conn.execute(text(f'SET LOCAL search_path TO "{binding.schema}"'))
            return sorted(MigrationContext.configure(conn).get_current_heads())


def downgrade_tenant_on(conn: Connection, binding: TenantBinding, revision: str) -> None:
    command.downgrade(alembic_config("tenant", connection=conn, binding=binding), revision)


def _upgrade_in_subprocess(
    servers: dict[str, str], slug: str, server: str, plugins: tuple[str, ...], areas: Areas
) -> tuple[str, list[str]]:
    from motcua_platform.plugins.engine import activate, load_plugins

    install(areas)  # a spawned process starts bare; the tenant environment needs every area's models
    activate(load_plugins(plugins))
    db = Database(servers[MAIN_SERVER], servers=servers, pool_size=1)
    try:
        return slug, upgrade_tenant(db, db.binding(slug, server=server))
    finally:
        db.dispose()


# -- all tenants ---------------------------------------------------------------------------------
@dataclass
class TenantRevision:
    slug: str
    status: str
    revisions: list[str]
    server: str = MAIN_SERVER
    outcome: str = "unchanged"  # unchanged | upgraded | failed | skipped
    error: str | None = None
    # its schema is fenced by a move under way (``registry.moves``: renamed m_<slug>); its revisions are read
    # there, and the runner leaves it to the move
    moving: bool = False
    unreachable: bool = False  # its server did not answer (``tenant_revisions(..., skip_unreachable=True)``)

    @property
    def at_head(self) -> bool:
        return set(self.revisions) == tenant_heads()


@dataclass
class UpgradeReport:
    control: list[str] = field(default_factory=list)
    tenants: list[TenantRevision] = field(default_factory=list)

    @property
    def failed(self) -> list[TenantRevision]:
        return [t for t in self.tenants if t.outcome == "failed"]


def tenant_revisions(db: Database, *, skip_unreachable: bool = False) -> list[TenantRevision]:
    """Every tenant that has a schema, with the revisions recorded in its ``alembic_version``. With
    ``skip_unreachable``, the tenants of a server that does not answer are marked so instead of failing all."""
    with db.control_session() as session:
        tenants = [
            (t.slug, t.status, t.server)
            for t in session.scalars(select(Tenant).where(Tenant.status.in_(SCHEMA_STATUSES)).order_by(Tenant.slug))
        ]
    found: dict[str, list[str]] = {slug: [] for slug, _, _ in tenants}
    moving: set[str] = set()
    unreachable: set[str] = set()
    for server in sorted({server for _, _, server in tenants}):
        slugs = [slug for slug, _, placed in tenants if placed == server]
        try:
            moving |= _read_revisions(db, server, slugs, found)
        except OperationalError:
            if not skip_unreachable:
                raise
            log.warning("database server %s did not answer; its tenants' revisions are unknown", server)
            unreachable |= set(slugs)
    return [
        TenantRevision(
            slug, status, sorted(found[slug]), server, moving=slug in moving, unreachable=slug in unreachable
        )
        for slug, status, server in tenants
    ]


def _read_revisions(db: Database, server: str, slugs: list[str], found: dict[str, list[str]]) -> set[str]:
    """The revisions of ``slugs``' schemas on ``server``, in one round trip for all of them; the slugs whose
    schema is fenced by a move (read there)."""
    with db.engine_for(server).connect() as conn:
        existing = set(
            conn.scalars(
                text(
                    "SELECT nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
                    "WHERE c.relname = 'alembic_version' AND (nspname LIKE 't\\_%' OR nspname LIKE 'm\\_%')"
                )
            )
        )
        parts, moving = [], set()
        for slug in slugs:
            schema = db.binding(slug, server=server).schema
            if schema not in existing and f"m_{slug}" in existing:
                schema = f"m_{slug}"
                moving.add(slug)
            if schema in existing:  # schema names come from validated slugs
                parts.append(f"SELECT '{slug}' AS slug, version_num FROM \"{schema}\".alembic_version")  # noqa: S608
        if parts:
            for slug, version in conn.execute(text(" UNION ALL ".join(parts))):
                found[slug].append(version)
    return moving


def upgrade_all(
    db: Database,
    *,
    workers: int = 2,
    on_progress: Callable[[TenantRevision], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
) -> UpgradeReport:
    """``workers`` tenants at a time on each server."""
    upgrade_control(db)
    report = UpgradeReport(control=sorted(control_revision(db)))
    report.tenants = tenant_revisions(db)
    for item in report.tenants:
        if item.moving and not item.at_head:
            item.outcome, item.error = "skipped", "being moved to another server: migrated once the move ends"
    pending = [t for t in report.tenants if not t.at_head and not t.moving]
    if on_plan:
        on_plan(len(pending))
    if not pending:
        return report
    by_slug = {t.slug: t for t in pending}
    servers = sorted({t.server for t in pending})
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=min(workers * len(servers), len(pending)), mp_context=context, max_tasks_per_child=20
    ) as pool:
        queues = {server: [t for t in pending if t.server == server] for server in servers}
        running: dict[Future, str] = {}
        busy = dict.fromkeys(servers, 0)
        started: dict[str, float] = {}
        failed = False
        while any(queues.values()) or running:
            for server, queue in queues.items():
                while queue and not failed and busy[server] < workers:
                    item = queue.pop(0)
                    future = pool.submit(
                        _upgrade_in_subprocess, db.servers, item.slug, server, active().names, installed()
                    )
                    running[future] = item.slug
                    busy[server] += 1
                    started[item.slug] = time.perf_counter()
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                slug = running.pop(future)
                item = by_slug[slug]
                busy[item.server] -= 1
                try:
                    _, item.revisions = future.result()
                    item.outcome = "upgraded"
                except Exception as exc:
                    item.outcome = "failed"
                    item.error = f"{type(exc).__name__}: {exc}"
                    failed = True
                durations.MIGRATION.labels(item.outcome).observe(time.perf_counter() - started[slug])
                if on_progress:
                    on_progress(item)
        for queue in queues.values():
            for item in queue:
                item.outcome = "skipped"
    return report


def create_role_and_schema(conn: Connection, binding: TenantBinding) -> None:
    # Identifiers come from a validated slug (SLUG_RE) and the database name; they cannot carry quotes.
    conn.execute(
        text(
            "DO $$ BEGIN "  # noqa: S608
            f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{binding.role}') THEN "
            f'CREATE ROLE "{binding.role}" NOLOGIN NOINHERIT; END IF; END $$'
        )
    )
    conn.execute(text(f'GRANT "{binding.role}" TO CURRENT_USER'))
    conn.execute(text(f'CREATE SCHEMA "{binding.schema}" AUTHORIZATION "{binding.role}"'))


# -- check ---------------------------------------------------------------------------------------
def check_models_match_migrations(db: Database) -> None:
    """``alembic check`` for both environments; raises if models and migrations disagree. The tenant
    check runs against a scratch schema inside a transaction that is rolled back."""
    with db.engine.connect() as conn:
        with conn.begin():
            command.check(alembic_config("control", connection=conn))
        binding = TenantBinding(slug="zzcheck", schema="t_zzcheck", role=f"{db.role_prefix}_t_zzcheck")
        trans = conn.begin()
        try:
            create_role_and_schema(conn, binding)
            upgrade_tenant_on(conn, binding)
            command.check(alembic_config("tenant", connection=conn, binding=binding))
        finally:
            trans.rollback()
