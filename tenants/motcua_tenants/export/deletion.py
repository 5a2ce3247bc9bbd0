"""Deleting a tenant after its export (docs/operations/export.md).

Refused unless the tenant is suspended, is not moving between servers, the export handed in is whole (every
file its manifest lists is there with the SHA-256 the manifest gives it, ``reading``), and that export still
describes the tenant exactly: the same tables, each with the same rows (the SHA-256 of its JSON Lines,
recomputed now), and the same stored files with the same SHA-256. The check and the drop run, on the server
that holds the tenant's schema, in one transaction that first locks the tenant's row on the main server and
every table of the schema against writers, so nothing can change between them. On the main server the
tenant's marking as deleted is part of that transaction; on another server, the main server's marking commits
first and the drop just after it: if the drop's commit fails, running the deletion again drops what is left.

What remains: the ``control.tenants`` row, marked ``deleted`` (its slug stays taken, its host answers 404),
its contracts, invoices, payments and usage (the vendor's accounts), and the audit trail with the
``tenant.deleted`` record naming the manifest's SHA-256. Its custom domains are released and its jobs'
parameters (the first administrator's e-mail and password hash) are cleared.

Files outside the database go after the commit, since neither object storage nor a disk has transactions:
the stored objects the export holds (an object that appeared since is not in the export: it is left and
named), the tenant's backups folder (``<backup dir>/<slug>``) and its archive dump. If that fails, running
the deletion again with the same export finishes it (``tenant.documents_deleted`` says when it has)."""

from __future__ import annotations

import hashlib
import shutil
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from motcua_platform.audit.models import ControlAuditEvent
from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.db.database import MAIN_SERVER, Database, TenantBinding
from motcua_platform.directory.models import Tenant, TenantDomain, TenantStatus
from motcua_platform.errors import Conflict, NotFound
from motcua_platform.storage.services import TenantObjects
from sqlalchemy import Connection, delete, select, text, update
from sqlalchemy.orm import Session

from motcua_tenants.backups.tables import quote
from motcua_tenants.export.catalog import tables_of, write_table
from motcua_tenants.export.reading import open_export
from motcua_tenants.export.services import CHUNK, EXPORTABLE, refuse_while_moving
from motcua_tenants.registry.models import TenantJob


@dataclass(frozen=True)
class Deleted:
    slug: str
    tables: int
    rows: int
    files_deleted: int
    files_left: tuple[str, ...] = ()  # objects stored since the export: not in it, so not deleted
    backups_removed: str | None = None  # the tenant's backups folder, if there was one
    archive_removed: str | None = None  # its archive dump, if there was one
    archive_not_found: str | None = None  # the dump archive_path names, not on this machine: not removed
    leftover_schema_dropped: bool = False  # a re-run found the schema its first run could not drop
    already_deleted: bool = False


@dataclass(frozen=True)
class _Facts:
    id: int
    status: str
    server: str
    archive_path: str | None


def delete_tenant(
    db: Database, objects: TenantObjects, actor: Actor, slug: str, export_path: Path, *, backup_dir: Path | None
) -> Deleted:
    """Delete suspended tenant ``slug`` once the export at ``export_path`` (a folder or a zip) is whole and
    current; its backups under ``backup_dir`` (``<backup_dir>/<slug>``) go too."""
    with open_export(export_path) as export:
        manifest, manifest_sha256 = export.manifest, export.manifest_sha256
        tenant = _facts(db, slug)
        if manifest["tenant"].get("slug") != slug or manifest["tenant"].get("id") != tenant.id:
            raise Conflict(f"This export is of tenant '{manifest['tenant'].get('slug')}', not of '{slug}'.")
        binding = db.binding(slug, server=tenant.server)
        backups = backup_dir / slug if backup_dir is not None else None
        exported_keys = {f["key"] for f in manifest["files"]}
        if tenant.status == TenantStatus.DELETED:  # a deletion whose last steps did not all happen: finish them
            _same_export_as_deletion(db, slug, manifest_sha256)
            dropped = _drop_leftover(db, binding)
            return _remove_outside(
                db, objects, actor, slug, tenant, exported_keys, backups, already_deleted=True, schema_dropped=dropped
            )
        if tenant.status not in EXPORTABLE:
            raise Conflict(
                f"Tenant '{slug}' is {tenant.status}; only a suspended tenant can be deleted, or a merged one."
            )
        with db.control_session() as session:
            refuse_while_moving(session, tenant.id, slug, "deleted")
        if problems := export.problems():
            raise Conflict(
                f"The export at {export_path} is not whole ({_listed(problems)}); nothing is deleted. "
                "Use a whole copy of it, or export again."
            )
    _check_and_drop(db, objects, actor, binding, tenant, manifest, manifest_sha256, backups)
    deleted = _remove_outside(db, objects, actor, slug, tenant, exported_keys, backups)
    return Deleted(
        slug,
        len(manifest["tables"]),
        sum(t["rows"] for t in manifest["tables"]),
        deleted.files_deleted,
        deleted.files_left,
        deleted.backups_removed,
        deleted.archive_removed,
        deleted.archive_not_found,
    )


def _facts(db: Database, slug: str) -> _Facts:
    with db.control_session() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            raise NotFound(f"No tenant with slug '{slug}'.")
        return _Facts(tenant.id, tenant.status, tenant.server, tenant.archive_path)


def _check_and_drop(
    db: Database,
    objects: TenantObjects,
    actor: Actor,
    binding: TenantBinding,
    tenant: _Facts,
    manifest: dict,
    manifest_sha256: str,
    backups: Path | None,
) -> None:
    slug = binding.slug
    on_main = binding.server == MAIN_SERVER
    with db.engine.connect() as control, control.begin() as marking:
        status, server = control.execute(
            select(Tenant.status, Tenant.server).where(Tenant.id == tenant.id).with_for_update()
        ).one()
        if status not in EXPORTABLE:
            raise Conflict(f"Tenant '{slug}' is {status}; only a suspended tenant can be deleted, or a merged one.")
        if server != binding.server:
            raise Conflict(f"Tenant '{slug}' has moved to {server} since; export it again, then delete.")
        with Session(bind=control) as session:  # a move's request locks the same row: none can start now
            refuse_while_moving(session, tenant.id, slug, "deleted")
        with (
            nullcontext(control) if on_main else db.engine_for(binding.server).connect() as data,
            nullcontext() if on_main else data.begin(),
        ):
            data.execute(text("SET LOCAL TimeZone = 'UTC'"))  # the export's setting: the same rows, the same bytes
            problems = _table_differences(data, binding.schema, manifest["tables"])
            # The tenant is suspended and its tables locked: the files checked now are the ones deleted.
            problems += _file_differences(objects, manifest["files"])
            if problems:
                raise Conflict(_changed(slug, problems))
            data.execute(text(f"DROP SCHEMA {quote(binding.schema)} CASCADE"))
            data.execute(text(f"DROP ROLE IF EXISTS {quote(binding.role)}"))
            _mark_deleted(control, actor, slug, tenant, manifest, manifest_sha256, backups, binding.server)
            # Another server: the marking commits first, then (leaving this block) the drop. A drop that
            # then fails to commit leaves a deleted tenant's schema, which a re-run drops; the other order
            # could leave a suspended tenant with no schema.
            marking.commit()


def _mark_deleted(
    control: Connection,
    actor: Actor,
    slug: str,
    tenant: _Facts,
    manifest: dict,
    manifest_sha256: str,
    backups: Path | None,
    server: str,
) -> None:
    # A merged province's hosts keep redirecting to the one it joined after its data is gone (old tracking
    # links, printed QR codes; ADR 0060): its custom domains stay. Any other tenant's are released.
    merged_into = select(Tenant.merged_into_id).where(Tenant.id == tenant.id).scalar_subquery()
    control.execute(delete(TenantDomain).where(TenantDomain.tenant_id == tenant.id, merged_into.is_(None)))
    control.execute(update(TenantJob).where(TenantJob.tenant_id == tenant.id).values(params={}))
    control.execute(
        update(Tenant).where(Tenant.id == tenant.id).values(status=TenantStatus.DELETED, status_changed_at=utcnow())
    )
    with Session(bind=control) as session:
        record(
            session,
            actor,
            "tenant.deleted",
            target=f"tenant:{slug}",
            tenant_slug=slug,
            server=server,
            manifest_sha256=manifest_sha256,
            export_created_at=manifest.get("created_at"),
            tables=len(manifest["tables"]),
            rows=sum(t["rows"] for t in manifest["tables"]),
            files=len(manifest["files"]),
            # removed just after the commit; tenant.documents_deleted says what was there
            backups_folder=str(backups) if backups is not None else None,
            archive_dump=tenant.archive_path,
        )
        session.flush()


def _same_export_as_deletion(db: Database, slug: str, manifest_sha256: str) -> None:
    """A re-run removes the objects of the export its first run checked, and no other's."""
    with db.control_session() as session:
        details = session.scalar(
            select(ControlAuditEvent.details)
            .where(ControlAuditEvent.tenant_slug == slug, ControlAuditEvent.action == "tenant.deleted")
            .order_by(ControlAuditEvent.id.desc())
            .limit(1)
        )
    checked = (details or {}).get("manifest_sha256")
    if checked is not None and checked != manifest_sha256:
        raise Conflict(
            f"Tenant '{slug}' was deleted after a check against another export (manifest SHA-256 {checked}); "
            "give that export to finish its deletion."
        )


def _drop_leftover(db: Database, binding: TenantBinding) -> bool:
    """The schema and role a first run's drop did not commit (the marking on main had), on the tenant's server."""
    with db.engine_for(binding.server).begin() as conn:
        present = conn.scalar(text("SELECT to_regnamespace(:s)"), {"s": binding.schema}) is not None
        conn.execute(text(f"DROP SCHEMA IF EXISTS {quote(binding.schema)} CASCADE"))
        conn.execute(text(f"DROP ROLE IF EXISTS {quote(binding.role)}"))
    return present


def _listed(problems: list[str]) -> str:
    return "; ".join(problems[:10]) + ("; …" if len(problems) > 10 else "")


def _changed(slug: str, problems: list[str]) -> str:
    return f"Tenant '{slug}' has changed since this export ({_listed(problems)}); export it again, then delete."


def _table_differences(conn: Connection, schema: str, exported: list[dict]) -> list[str]:
    shapes = tables_of(conn, schema)
    if shapes:
        # Writers wait (or are waited for) until the schema is dropped; readers are not held up.
        names = ", ".join(f"{quote(schema)}.{quote(shape.name)}" for shape in shapes)
        conn.execute(text(f"LOCK TABLE {names} IN SHARE MODE"))
    before = {t["name"]: t for t in exported}
    problems = [f"table {name} is new" for name in sorted({s.name for s in shapes} - set(before))]
    problems += [f"table {name} is gone" for name in sorted(set(before) - {s.name for s in shapes})]
    for shape in shapes:
        if shape.name not in before:
            continue
        now = write_table(conn, shape, None, None)
        if now.rows != before[shape.name]["rows"]:
            problems.append(f"{shape.name}: {before[shape.name]['rows']} rows then, {now.rows} now")
        elif now.jsonl_sha256 != before[shape.name]["jsonl"]["sha256"]:
            problems.append(f"{shape.name}: rows changed")
    return problems


def _file_differences(objects: TenantObjects, exported: list[dict]) -> list[str]:
    before = {f["key"]: f["sha256"] for f in exported}
    now = set(objects.all_keys())
    problems = [f"file {key} is new" for key in sorted(now - set(before))]
    problems += [f"file {key} is gone" for key in sorted(set(before) - now)]
    for key in sorted(now & set(before)):
        digest = hashlib.sha256()
        with objects.open(key) as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != before[key]:
            problems.append(f"file {key} changed")
    return problems


def _remove_outside(
    db: Database,
    objects: TenantObjects,
    actor: Actor,
    slug: str,
    tenant: _Facts,
    exported_keys: set[str],
    backups: Path | None,
    *,
    already_deleted: bool = False,
    schema_dropped: bool = False,
) -> Deleted:
    """After the commit: the stored objects the export holds (only those: one stored since is not in the export,
    so it is left, and named), the backups folder and the archive dump; recorded as ``tenant.documents_deleted``."""
    stored = set(objects.all_keys())
    deleted = 0
    for key in sorted(stored & exported_keys):
        objects.delete(key)
        deleted += 1
    left = tuple(sorted(stored - exported_keys))
    backups_removed = None
    if backups is not None and backups.exists():
        shutil.rmtree(backups)
        backups_removed = str(backups)
    archive_removed = archive_elsewhere = None
    if tenant.archive_path:
        archive = Path(tenant.archive_path)
        if archive.exists():
            archive.unlink()
            archive_removed = str(archive)
        else:  # written by a worker on another machine, perhaps: the row keeps pointing at it
            archive_elsewhere = str(archive)
    with db.control_session() as session:
        if archive_removed is not None:  # gone: the row no longer points at it
            session.execute(update(Tenant).where(Tenant.id == tenant.id).values(archive_path=None))
        record(
            session,
            actor,
            "tenant.documents_deleted",
            target=f"tenant:{slug}",
            tenant_slug=slug,
            files=deleted,
            files_left=list(left),
            backups_removed=backups_removed,
            archive_removed=archive_removed,
            archive_not_found=archive_elsewhere,
            leftover_schema_dropped=schema_dropped,
        )
        session.commit()
    return Deleted(
        slug,
        0,
        0,
        deleted,
        left,
        backups_removed,
        archive_removed,
        archive_elsewhere,
        leftover_schema_dropped=schema_dropped,
        already_deleted=already_deleted,
    )
