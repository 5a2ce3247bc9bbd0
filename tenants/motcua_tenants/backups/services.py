"""Back up one tenant to a folder, restore a backup as a new tenant (or over an archived one), and keep the
newest N backups of each tenant.

* Backup: the rows of every table, the table checksums, the sequences and the keys of every stored object
  the rows name are read in one REPEATABLE READ, READ ONLY transaction (one snapshot; with the tenant's
  control row when it is on the main server); then the tenant's stored objects are copied with their
  SHA-256, and the backup fails if an object the snapshot names was deleted meanwhile. The folder is
  written under a hidden name, for the service account only, fsynced, and renamed when whole.
* Restore: every file is checked against the manifest first. Then one transaction creates the tenant row
  (suspended: never served by accident), its role and schema exactly as provisioning does, migrates the
  schema to the backup's revisions, loads the rows, compares each table's rows and checksum with the
  manifest, migrates to the code's head and commits. The objects are copied under the new tenant's prefix
  just before the commit and removed again if anything fails, so a failure leaves no tenant behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from motcua_platform.audit.services import Actor, record
from motcua_platform.branding import logo_digest, logo_key
from motcua_platform.db.base import utcnow
from motcua_platform.db.database import MAIN_SERVER, UNBOUND_SEARCH_PATH, Database
from motcua_platform.directory.models import Tenant, TenantDomain, TenantPlugin, TenantStatus
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.storage.interfaces import ObjectStore
from motcua_platform.storage.services import TenantObjects
from prometheus_client import Histogram
from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session, selectinload

from motcua_tenants.backups import tables as sql
from motcua_tenants.backups.manifest import (
    MANIFEST,
    Manifest,
    ObjectEntry,
    TableEntry,
    file_digest,
    object_path,
    table_path,
    verify_files,
)
from motcua_tenants.migrations.config import alembic_config
from motcua_tenants.migrations.runner import SCHEMA_STATUSES, create_role_and_schema, upgrade_tenant_on
from motcua_tenants.registry.slugs import slug_problems

log = logging.getLogger(__name__)

BACKUP_SECONDS = Histogram(
    "motcua_tenant_backup_seconds",
    "Time to back up one tenant (rows and stored objects), by outcome: ok or failed",
    ["outcome"],
    buckets=(1, 5, 15, 60, 300, 900, 3600),
)
STAMP = "%Y%m%dT%H%M%S.%fZ"  # sortable as text; two backups in one second do not collide
StepFn = Callable[[str], None]


def _no_steps(step: str) -> None:
    return None


# -- backup --------------------------------------------------------------------------------------
def _tenant_facts(session: Session, slug: str) -> dict:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug).options(selectinload(Tenant.domains)))
    if tenant is None:
        raise NotFound(f"No tenant with slug '{slug}'.")
    if tenant.status not in SCHEMA_STATUSES:
        raise Conflict(
            f"Tenant '{slug}' is {tenant.status}; only an active, suspended or merged tenant has data to back up."
        )
    plugins = session.scalars(select(TenantPlugin).where(TenantPlugin.tenant_id == tenant.id)).all()
    return {
        "slug": tenant.slug,
        "name": tenant.name,
        "unit_code": tenant.unit_code,
        "status": tenant.status,
        "display_name": tenant.display_name,
        "locale": tenant.locale,
        "timezone": tenant.timezone,
        "logo_url": tenant.logo_url,
        "primary_color": tenant.primary_color,
        "secondary_color": tenant.secondary_color,
        "branding": tenant.branding,
        "domains": [d.domain for d in tenant.domains],
        "server": tenant.server,  # where to read it; not kept in the manifest (a restore places it anew)
        "plugins": [
            {"plugin": p.plugin, "allowed": p.allowed, "enabled": p.enabled, "settings": p.settings}
            for p in sorted(plugins, key=lambda p: p.plugin)
        ],
    }


# Every place the tenant schema names a stored object (by its key under the tenant's prefix), as a query
# over the table. A column added to hold a storage key must be added here, or a backup could miss its objects.
# (kept_documents point at dossier_documents rows; the logo is named by the control row's logo_url.)
NAMED_KEYS = {
    "dossier_documents": "SELECT storage_key FROM {table}",
    "issued_forms": "SELECT storage_key FROM {table}",  # the sealed forms (forms.signing)
    "portal_drafts": "SELECT file ->> 'key' FROM {table}, jsonb_each(documents) AS d(component, file)",
}


@dataclass
class _Snapshot:
    facts: dict | None  # the control row read in the snapshot (tenant on the main server), else None
    created_at: str
    revisions: list[str]
    server_version: str
    tables: dict[str, TableEntry]
    sequences: dict
    named_keys: set[str]


def _named_keys(conn: Connection, schema: str, present: set[str]) -> set[str]:
    keys: set[str] = set()
    for table, query in NAMED_KEYS.items():
        if table in present:  # a plugin's table exists only where the plugin's migrations ran
            found = conn.scalars(text(query.format(table=f"{sql.quote(schema)}.{sql.quote(table)}")))
            keys.update(key for key in found if key)  # a draft file without a key names nothing
    return keys


def _dump_rows(db: Database, slug: str, server: str, folder: Path) -> _Snapshot:
    """One snapshot: the tables' rows, checksums and sequences, the schema's revisions, the keys of the objects
    the rows name and, for a tenant on the main server, its control row."""
    binding = db.binding(slug, server=server)
    schema = binding.schema
    _private_dir(folder / "tables")
    with db.engine_for(server).connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        conn.execute(text("SET TRANSACTION READ ONLY"))
        facts = None
        if server == MAIN_SERVER:  # the first read fixes the snapshot: branding and logo of the same moment
            with Session(bind=conn) as session:
                facts = _tenant_facts(session, slug)
        conn.execute(text(f"SET LOCAL ROLE {sql.quote(binding.role)}"))  # read as the tenant, nothing more
        sql.fix_output(conn)
        created = conn.scalar(text("SELECT now()")).astimezone(dt.UTC)  # the snapshot's moment
        revisions = sorted(conn.scalars(text(f"SELECT version_num FROM {sql.quote(schema)}.{sql.VERSION_TABLE}")))  # noqa: S608 - validated slug
        version = conn.scalar(text("SHOW server_version"))
        entries: dict[str, TableEntry] = {}
        for table in sql.tables(conn, schema):
            rows, checksum = sql.checksum(conn, schema, table.name, table.columns)
            path = folder / "tables" / f"{table.name}.copy"
            with _private_file(path) as out:
                size, sha = sql.copy_out(conn, schema, table, out)
                out.flush()
                os.fsync(out.fileno())
            entries[table.name] = TableEntry(
                file=f"tables/{path.name}",
                rows=rows,
                checksum=checksum,
                bytes=size,
                sha256=sha,
                columns=list(table.columns),
                generated=list(table.generated),
            )
        sequences = sql.sequences(conn, schema)
        named = _named_keys(conn, schema, set(entries))
    return _Snapshot(facts, created.isoformat(), revisions, version, entries, sequences, named)


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700)  # mkdir's mode can only lose bits to the umask, so 0700 (or less) whatever it is


def _private_file(path: Path) -> BinaryIO:
    """A new file only the service account can read, whatever the process's umask: a backup holds personal
    data and password hashes from its first byte, also when the process is killed half-way."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def _private_dirs(root: Path, path: Path) -> None:
    """``path`` and every folder between it and ``root`` (which exists), each 0700."""
    missing = []
    while path != root and not path.is_dir():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        _private_dir(folder)


def _copy_objects_out(objects: TenantObjects, folder: Path, on_step: StepFn) -> list[ObjectEntry]:
    """Copy every object under the tenant's prefix. One deleted between the listing and its reading is left
    out, like one deleted before the listing: whether the backup may miss it is decided by the snapshot."""
    entries = []
    keys = sorted(objects.all_keys())
    on_step("copying the stored objects")
    for key in keys:
        path = object_path(folder, key)
        _private_dirs(folder, path.parent)
        try:
            stream = objects.open(key)
        except FileNotFoundError:
            log.info("backup of %s: object %s was deleted while the backup ran", objects.slug, key)
            continue
        with stream, _private_file(path) as out:
            shutil.copyfileobj(stream, out, sql.CHUNK)
            out.flush()
            os.fsync(out.fileno())
        size, sha = file_digest(path)
        entries.append(ObjectEntry(key=key, bytes=size, sha256=sha))
    return entries


def _check_named_objects(slug: str, named: set[str], copied: list[ObjectEntry]) -> None:
    missing = sorted(named - {entry.key for entry in copied})
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise Conflict(
            f"Tenant '{slug}' changed while it was backed up: {len(missing)} stored object(s) that its rows "
            f"name were deleted before they could be copied ({shown}). No backup was written; the next run "
            "takes a new snapshot.",
            {"objects": missing},
        )


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """Every folder of the backup, deepest first: the files' names are as durable as their bytes."""
    for path in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        _fsync_dir(path)
    _fsync_dir(folder)


def backup_tenant(
    db: Database, store: ObjectStore, slug: str, to: Path, *, actor: Actor, on_step: StepFn = _no_steps
) -> Path:
    """Write a backup of tenant ``slug`` into a new folder under ``to``; its path. The tenant keeps being
    served throughout: nothing is locked beyond what a long read takes."""
    started = time.perf_counter()
    with db.control_session() as session:
        facts = _tenant_facts(session, slug)
    to.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = to / f".{slug}-partial-{secrets.token_hex(4)}"
    _private_dir(partial)  # personal data and password hashes: the service account's only
    try:
        on_step("reading the rows in one snapshot")
        snapshot = _dump_rows(db, slug, facts.pop("server"), partial)
        if snapshot.facts is not None:
            snapshot.facts.pop("server")
            facts = snapshot.facts
        objects = _copy_objects_out(TenantObjects(store, slug), partial, on_step)
        logo = logo_digest(facts["logo_url"])
        _check_named_objects(slug, snapshot.named_keys | ({logo_key(logo)} if logo else set()), objects)
        manifest = Manifest(
            tenant=facts,
            created_at=snapshot.created_at,
            revisions=snapshot.revisions,
            server_version=snapshot.server_version,
            tables=snapshot.tables,
            sequences=snapshot.sequences,
            objects=objects,
        )
        with _private_file(partial / MANIFEST) as out:
            manifest.write_to(out)
            out.flush()
            os.fsync(out.fileno())
        _fsync_tree(partial)
        final = to / f"{slug}-{dt.datetime.fromisoformat(snapshot.created_at):{STAMP}}"
        if final.exists():
            raise Conflict(f"{final} already exists.")
        partial.rename(final)  # whole, or not there under this name at all
        _fsync_dir(to)  # the new name survives a crash of the machine
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        BACKUP_SECONDS.labels("failed").observe(time.perf_counter() - started)
        raise
    BACKUP_SECONDS.labels("ok").observe(time.perf_counter() - started)
    with db.control_session() as session, session.begin():
        record(
            session,
            actor,
            "tenant.backup",
            target=f"tenant:{slug}",
            tenant_slug=slug,
            path=str(final),
            tables=len(snapshot.tables),
            rows=sum(e.rows for e in snapshot.tables.values()),
            objects=len(objects),
        )
    log.info("tenant %s backed up to %s", slug, final)
    return final


# -- restore -------------------------------------------------------------------------------------
def unbind(conn: Connection) -> None:
    conn.execute(
        select(func.set_config("role", "none", True), func.set_config("search_path", UNBOUND_SEARCH_PATH, True))
    )


@dataclass
class RestoreReport:
    slug: str
    source_slug: str
    backup_created_at: str
    revisions_in_backup: list[str]
    tables: int
    rows: int
    objects: int
    migrated: bool
    skipped_domains: list[str] = field(default_factory=list)


def _check_revisions(revisions: list[str]) -> bool:
    """True when the backup is behind the code's head (it will be migrated after the load). A revision
    this code does not know is a backup from newer code (or from a plugin not loaded here): refused."""
    script = ScriptDirectory.from_config(alembic_config("tenant"))
    unknown = []
    for revision in revisions:
        try:
            if script.get_revision(revision) is None:
                unknown.append(revision)
        except CommandError:
            unknown.append(revision)
    if unknown or not revisions:
        raise InvalidInput(
            "The backup's schema revision is not known to this code: it was made by a newer version (or with a "
            "plugin that is not loaded here). Restore it with the version that made it.",
            {"revisions": unknown or ["none recorded"]},
        )
    return set(revisions) != set(script.get_heads())


def _claim_tenant(session: Session, manifest: Manifest, slug: str, *, replace: bool) -> tuple[Tenant, list[str]]:
    """The tenant row the restore fills: a new one, or the archived original when restoring over it."""
    facts = manifest.tenant
    existing = session.scalar(select(Tenant).where(Tenant.slug == slug).with_for_update())
    skipped: list[str] = []
    if slug == manifest.slug and not replace:
        raise Conflict(
            f"Restoring over tenant '{slug}' itself needs the confirmation flag (--replace); or restore it as a "
            "new tenant for inspection (--as NEWSLUG)."
        )
    if existing is not None:
        if slug != manifest.slug:
            raise Conflict(f"Tenant '{slug}' already exists; choose another slug to restore as.")
        if existing.status != TenantStatus.ARCHIVED:
            raise Conflict(
                f"Tenant '{slug}' is {existing.status}; a backup can only replace an archived or absent tenant. "
                "Restore it as a new tenant (--as NEWSLUG) to compare."
            )
        existing.status = TenantStatus.SUSPENDED
        existing.status_changed_at = utcnow()
        existing.archive_path = None
        existing.server = MAIN_SERVER
        session.flush()
        return existing, skipped
    if problems := slug_problems(slug):
        raise InvalidInput(f"'{slug}' cannot be a tenant slug.", {"slug": problems})
    copy = slug != manifest.slug
    name = facts["name"]
    if copy:
        name = f"{name} (restore of {manifest.slug}, {manifest.created_at[:16].replace('T', ' ')} UTC)"[:200]
    tenant = Tenant(
        slug=slug,
        name=name,
        unit_code=facts["unit_code"],
        status=TenantStatus.SUSPENDED,  # not served until an operator resumes it
        server=MAIN_SERVER,
        display_name=facts["display_name"],
        locale=facts["locale"],
        timezone=facts["timezone"],
        logo_url=facts["logo_url"],
        primary_color=facts["primary_color"],
        secondary_color=facts["secondary_color"],
        branding=facts["branding"],
    )
    if not copy:  # the original's custom domains come back when nobody took them meanwhile
        for domain in facts["domains"]:
            if session.scalar(select(TenantDomain.id).where(TenantDomain.domain == domain)) is None:
                tenant.domains.append(TenantDomain(domain=domain))
            else:
                skipped.append(domain)
    session.add(tenant)
    session.flush()
    for plugin in facts["plugins"]:
        session.add(TenantPlugin(tenant_id=tenant.id, **plugin))
    session.flush()
    return tenant, skipped


def _load_rows(conn: Connection, folder: Path, manifest: Manifest, schema: str) -> None:
    present = {t.name: t for t in sql.tables(conn, schema)}
    expected = set(manifest.tables)
    if set(present) != expected:
        raise InvalidInput(
            "The backup's tables differ from the tables its schema revision creates; nothing was restored.",
            {
                "tables": [
                    f"only in the backup: {sorted(expected - set(present))}",
                    f"only in the schema: {sorted(set(present) - expected)}",
                ]
            },
        )
    names = sorted(present)
    # Migrations may insert rows of their own; the backup's rows replace them.
    conn.execute(text("TRUNCATE " + ", ".join(f"{sql.quote(schema)}.{sql.quote(n)}" for n in names)))
    sql.set_user_triggers(conn, schema, names, enabled=False)
    for name in sql.load_order(conn, schema, names):
        entry = manifest.tables[name]
        table = sql.Table(name, tuple(entry.columns), tuple(entry.generated))
        missing = set(table.columns) - set(present[name].columns)
        if missing:
            raise InvalidInput(f"Table {name} of the backup has columns the schema lacks: {sorted(missing)}.")
        with table_path(folder, entry).open("rb") as source:
            sql.copy_in(conn, schema, table, source)
    sql.set_user_triggers(conn, schema, names, enabled=True)
    for name, value in manifest.sequences.items():
        sql.set_sequence(conn, schema, name, value["last_value"], value["is_called"])


def _compare(conn: Connection, manifest: Manifest, schema: str) -> None:
    """Every table's row count and checksum as the backup recorded them; else the restore is undone."""
    differences = []
    for name, entry in sorted(manifest.tables.items()):
        rows, checksum = sql.checksum(conn, schema, name, entry.columns)
        if (rows, checksum) != (entry.rows, entry.checksum):
            differences.append(
                f"{name}: {rows} rows, checksum {checksum}; the backup has {entry.rows}, {entry.checksum}"
            )
    if differences:
        raise InvalidInput(
            "The restored rows differ from the backup's; the restore was undone.", {"tables": differences}
        )


def _copy_objects_in(folder: Path, manifest: Manifest, objects: TenantObjects, written: list[str]) -> None:
    for obj in manifest.objects:
        existed = objects.exists(obj.key)
        with object_path(folder, obj.key).open("rb") as stream:
            objects.put(obj.key, stream, content_type="application/octet-stream")
        if not existed:
            written.append(obj.key)


def _committed(db: Database, binding, tenant_id: int | None, error: BaseException) -> bool:
    """Whether a restore whose COMMIT raised ``error`` committed all the same (the connection broke after the
    server committed): its schema exists (the restore refuses to start when it does) and its tenant row is
    the suspended one it wrote. When that cannot be read either, the outcome is unknown: the objects are kept
    (unreferenced ones are harmless; deleting those of a restored tenant is not) and the error says so."""
    try:
        with db.engine.connect() as conn:
            schema = conn.scalar(text("SELECT to_regnamespace(:schema)"), {"schema": binding.schema})
            status = conn.scalar(select(Tenant.status).where(Tenant.id == tenant_id))
    except Exception:
        log.exception("restore of %s: the commit failed and its outcome cannot be read", binding.slug)
        error.add_note(
            f"The restore's outcome is unknown: check whether tenant '{binding.slug}' exists (`motcua tenants "
            "list`); its stored objects were kept."
        )
        raise error from None
    return schema is not None and status == TenantStatus.SUSPENDED


def restore_tenant(
    db: Database,
    store: ObjectStore,
    folder: Path,
    *,
    slug: str | None = None,
    replace: bool = False,
    actor: Actor,
    on_step: StepFn = _no_steps,
) -> RestoreReport:
    """Restore the backup in ``folder`` as tenant ``slug`` (default: the backup's own, which needs
    ``replace`` and an archived or absent tenant). All or nothing."""
    on_step("checking the backup's files")
    manifest = Manifest.read(folder)
    verify_files(folder, manifest)
    behind = _check_revisions(manifest.revisions)
    target = slug or manifest.slug
    # On the main server, beside the control plane: the tenant row and the schema commit in one transaction.
    # `motcua tenants move` places it elsewhere afterwards.
    binding = db.binding(target, server=MAIN_SERVER)
    objects = TenantObjects(store, target)
    written: list[str] = []
    committing = False
    tenant_id = None
    try:
        with db.engine.connect() as conn, conn.begin():
            on_step("creating the tenant, its role and schema")
            with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
                tenant, skipped = _claim_tenant(session, manifest, target, replace=replace)
                tenant_id = tenant.id
                session.commit()  # only the savepoint: the connection's transaction commits at the end
            if conn.scalar(text("SELECT to_regnamespace(:schema)"), {"schema": binding.schema}) is not None:
                raise Conflict(
                    f"Schema {binding.schema} already exists though no tenant uses it; drop it or restore as "
                    "another slug."
                )
            create_role_and_schema(conn, binding)
            on_step(f"creating the tables at the backup's revision ({', '.join(manifest.revisions)})")
            for revision in manifest.revisions:
                upgrade_tenant_on(conn, binding, revision)
            # upgrade_tenant_on left the transaction bound to the tenant's role and schema (SET LOCAL):
            # the rows are loaded as the owner of the tables, with the fixed output settings
            sql.fix_output(conn)
            on_step("loading the rows")
            _load_rows(conn, folder, manifest, binding.schema)
            on_step("comparing row counts and checksums")
            _compare(conn, manifest, binding.schema)
            if behind:
                on_step("migrating to this code's revision")
                upgrade_tenant_on(conn, binding)
            unbind(conn)  # back to the application's role and the empty search path for the control rows
            on_step("copying the stored objects")
            _copy_objects_in(folder, manifest, objects, written)
            with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
                record(
                    session,
                    actor,
                    "tenant.restored",
                    target=f"tenant:{target}",
                    tenant_slug=target,
                    tenant_id=tenant_id,
                    source_slug=manifest.slug,
                    backup=str(folder),
                    backup_created_at=manifest.created_at,
                    revisions=manifest.revisions,
                )
                session.commit()
            on_step("committing")
            committing = True  # the COMMIT is sent when the block ends
    except BaseException as exc:
        if committing and _committed(db, binding, tenant_id, exc):
            log.warning("restore of %s: the commit reported %r, but the tenant was restored", target, exc)
        else:
            for key in written:  # the database rolled back; take back the objects put for it
                try:
                    objects.delete(key)
                except Exception:
                    log.exception("restore of %s: could not remove object %s", target, key)
            raise
    return RestoreReport(
        slug=target,
        source_slug=manifest.slug,
        backup_created_at=manifest.created_at,
        revisions_in_backup=manifest.revisions,
        tables=len(manifest.tables),
        rows=sum(e.rows for e in manifest.tables.values()),
        objects=len(manifest.objects),
        migrated=behind,
        skipped_domains=skipped,
    )


# -- schedule and retention ----------------------------------------------------------------------
def _readable(path: Path) -> bool:
    try:
        Manifest.read(path)
    except InvalidInput as exc:
        log.warning("%s is not counted as a finished backup: %s", path, exc.message)
        return False
    return True


def finished_backups(folder: Path) -> list[Path]:
    """The whole backups in ``folder`` (named ``<slug>-<stamp>``, with a manifest that reads), oldest first.
    Hidden partial folders and folders whose manifest is missing or broken are never among them, so
    retention never deletes a good backup in favour of a broken one."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".") and _readable(p)]
    return sorted(found, key=lambda p: p.name.rsplit("-", 1)[-1])


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``folder``; the deleted paths."""
    if keep < 1:
        raise ValueError("keep at least one backup")
    old = finished_backups(folder)[:-keep]
    for path in old:
        shutil.rmtree(path)
    return old


@dataclass
class ScheduledRun:
    written: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    pruned: list[str] = field(default_factory=list)


def backup_all(db: Database, store: ObjectStore, root: Path, *, keep: int, actor: Actor) -> ScheduledRun:
    """Back up every active tenant into ``root/<slug>/`` and keep the newest ``keep`` of each; a suspended
    tenant, or a merged one (its data went into another), is not backed up (nothing is served) but its backups
    are pruned too. One tenant's failure is recorded (audit ``tenant.backup_failed``, the metric) and does
    not stop the others. An archived tenant's
    backups stay beside its archive; a deleted tenant's folder is removed by the deletion."""
    run = ScheduledRun()
    with db.control_session() as session:
        tenants = session.execute(
            select(Tenant.slug, Tenant.status)
            .where(Tenant.status.in_([TenantStatus.ACTIVE, TenantStatus.SUSPENDED, TenantStatus.MERGED]))
            .order_by(Tenant.slug)
        ).all()
    for slug, status in tenants:
        try:
            if status == TenantStatus.ACTIVE:
                run.written[slug] = str(backup_tenant(db, store, slug, root / slug, actor=actor))
            run.pruned += [str(p) for p in prune(root / slug, keep)]
        except Exception as exc:
            log.exception("scheduled backup of tenant %s failed", slug)
            run.failed[slug] = f"{type(exc).__name__}: {exc}"
            with db.control_session() as session, session.begin():
                record(
                    session,
                    actor,
                    "tenant.backup_failed",
                    target=f"tenant:{slug}",
                    tenant_slug=slug,
                    error=run.failed[slug][:1000],
                )
    return run
