"""Deleting a tenant after its export (docs/operations/export.md).

Refused unless the tenant is suspended and the export's manifest still describes it exactly: the same
tables, each with the same rows (the SHA-256 of its JSON Lines, recomputed now), and the same stored
files with the same SHA-256. The check and the drop run in one transaction that first locks every table
of the schema against writers, so nothing can change between them.

What remains: the ``control.tenants`` row, marked ``deleted`` (its slug stays taken, its host answers 404),
its contracts, invoices, payments and usage (the vendor's accounts), and the audit trail with the
``tenant.deleted`` record naming the manifest's SHA-256. Its custom domains are released and its jobs'
parameters (the first administrator's e-mail and password hash) are cleared.

Object storage is not transactional: the files are deleted after the database has committed. If that
fails, running the deletion again finishes it (``tenant.documents_deleted`` says when it has)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import orjson
from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.db.database import Database
from motcua_platform.directory.models import Tenant, TenantDomain, TenantStatus
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.storage.services import TenantObjects
from sqlalchemy import Connection, delete, select, text, update
from sqlalchemy.orm import Session

from motcua_tenants.export.catalog import tables_of, write_table
from motcua_tenants.export.encoding import FORMAT_VERSION
from motcua_tenants.export.services import CHUNK, FORMAT
from motcua_tenants.registry.models import TenantJob


@dataclass(frozen=True)
class Deleted:
    slug: str
    tables: int
    rows: int
    files_deleted: int
    already_deleted: bool = False


def read_manifest(path: Path) -> tuple[dict, str]:
    try:
        data = path.read_bytes()
        manifest = orjson.loads(data)
    except (OSError, orjson.JSONDecodeError) as exc:
        raise InvalidInput(f"{path} is not a readable export manifest: {exc}") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("tenant"), dict)
        or not isinstance(manifest.get("tables"), list)
        or not isinstance(manifest.get("files"), list)
    ):
        raise InvalidInput(f"{path} is not a manifest of a Motcua tenant export.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise InvalidInput(
            f"{path} is an export of format version {manifest.get('format_version')}; this code writes and checks "
            f"version {FORMAT_VERSION}: export again."
        )
    return manifest, hashlib.sha256(data).hexdigest()


def delete_tenant(db: Database, objects: TenantObjects, actor: Actor, slug: str, manifest_path: Path) -> Deleted:
    manifest, manifest_sha256 = read_manifest(manifest_path)
    with db.control_session() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            raise NotFound(f"No tenant with slug '{slug}'.")
        tenant_id, status = tenant.id, tenant.status
    if manifest["tenant"].get("slug") != slug or manifest["tenant"].get("id") != tenant_id:
        raise Conflict(f"This export is of tenant '{manifest['tenant'].get('slug')}', not of '{slug}'.")
    if status == TenantStatus.DELETED:  # a deletion whose files were not all removed: finish it
        return Deleted(slug, 0, 0, _delete_files(db, objects, actor, slug), already_deleted=True)
    if status != TenantStatus.SUSPENDED:
        raise Conflict(f"Tenant '{slug}' is {status}; only a suspended tenant can be deleted.")
    # The tenant is suspended, so nothing uploads: the files checked now are the ones deleted afterwards.
    if problems := _file_differences(objects, manifest["files"]):
        raise Conflict(_changed(slug, problems))
    binding = db.binding(slug)
    with db.engine.connect() as conn, conn.begin():
        status = conn.scalar(select(Tenant.status).where(Tenant.id == tenant_id).with_for_update())
        if status != TenantStatus.SUSPENDED:
            raise Conflict(f"Tenant '{slug}' is {status}; only a suspended tenant can be deleted.")
        conn.execute(text("SET LOCAL TimeZone = 'UTC'"))  # the export's setting: the same rows, the same bytes
        if problems := _table_differences(conn, binding.schema, manifest["tables"]):
            raise Conflict(_changed(slug, problems))
        conn.execute(text(f'DROP SCHEMA "{binding.schema}" CASCADE'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{binding.role}"'))
        conn.execute(delete(TenantDomain).where(TenantDomain.tenant_id == tenant_id))
        conn.execute(update(TenantJob).where(TenantJob.tenant_id == tenant_id).values(params={}))
        conn.execute(
            update(Tenant).where(Tenant.id == tenant_id).values(status=TenantStatus.DELETED, status_changed_at=utcnow())
        )
        with Session(bind=conn) as session:
            record(
                session,
                actor,
                "tenant.deleted",
                target=f"tenant:{slug}",
                tenant_slug=slug,
                manifest_sha256=manifest_sha256,
                export_created_at=manifest.get("created_at"),
                tables=len(manifest["tables"]),
                rows=sum(t["rows"] for t in manifest["tables"]),
                files=len(manifest["files"]),
            )
            session.flush()
    rows = sum(t["rows"] for t in manifest["tables"])
    return Deleted(slug, len(manifest["tables"]), rows, _delete_files(db, objects, actor, slug))


def _changed(slug: str, problems: list[str]) -> str:
    listed = "; ".join(problems[:10]) + ("; …" if len(problems) > 10 else "")
    return f"Tenant '{slug}' has changed since this export ({listed}); export it again, then delete."


def _table_differences(conn: Connection, schema: str, exported: list[dict]) -> list[str]:
    shapes = tables_of(conn, schema)
    if shapes:
        # Writers wait (or are waited for) until the schema is dropped; readers are not held up.
        names = ", ".join(f'"{schema}"."{shape.name}"' for shape in shapes)
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


def _delete_files(db: Database, objects: TenantObjects, actor: Actor, slug: str) -> int:
    deleted = 0
    for key in list(objects.all_keys()):
        objects.delete(key)
        deleted += 1
    with db.control_session() as session:
        record(session, actor, "tenant.documents_deleted", target=f"tenant:{slug}", tenant_slug=slug, files=deleted)
        session.commit()
    return deleted
