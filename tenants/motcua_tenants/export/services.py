"""Writing a tenant's export (docs/operations/export.md).

The tenant must be suspended, and every process must have seen it (``settle_seconds`` after the suspension,
as a move waits): nothing then writes to its schema or its files (its host answers 503), so the files read
after the database are the ones its rows name. It must not be moving between servers. The rows are read in
``REPEATABLE READ`` read-only transactions: the tenant's schema on the server that holds it, its control
records on the main server (one transaction, one snapshot, when that is the same server; two otherwise, which
the suspension keeps in step). Everything is written, readable by its owner only, into a hidden folder beside
the destination and renamed to it when complete, so the destination either does not exist or holds a whole
export."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson
from motcua_platform.audit.services import Actor, record
from motcua_platform.db.database import MAIN_SERVER, Database
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.storage.services import KEY_RE, TenantObjects
from sqlalchemy import Connection, Engine, column, select, table, text
from sqlalchemy.orm import Session

from motcua_tenants.export import control_records
from motcua_tenants.export.catalog import TableShape, tables_of, write_table
from motcua_tenants.export.encoding import FORMAT_VERSION
from motcua_tenants.export.readme import README
from motcua_tenants.registry.moves import settle as _settle  # patched by its tests
from motcua_tenants.registry.services import move_under_way

FORMAT = "motcua-tenant-export"
# Tenants whose schema is kept and not served: their data holds still while it is exported (and deleted). A
# merged province's schema stays for this until the operator hands it over (ADR 0060).
EXPORTABLE = (TenantStatus.SUSPENDED, TenantStatus.MERGED)
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Exported:
    path: Path
    manifest: dict
    manifest_sha256: str


def tenant_status(session, slug: str) -> str:
    status = session.scalar(select(Tenant.status).where(Tenant.slug == slug))
    if status is None:
        raise NotFound(f"No tenant with slug '{slug}'.")
    return status


def tenant_for_export(db: Database, slug: str) -> Tenant:
    with db.control_session() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            raise NotFound(f"No tenant with slug '{slug}'.")
        if tenant.status not in EXPORTABLE:
            raise Conflict(
                f"Tenant '{slug}' is {tenant.status}; only a suspended tenant can be exported, or a merged one "
                "(suspend it first, or pass --suspend)."
            )
        refuse_while_moving(session, tenant.id, slug, "exported")
        return tenant


def refuse_while_moving(session: Session, tenant_id: int, slug: str, what: str) -> None:
    """A moving tenant's schema is fenced or half copied on one server or the other: neither is the tenant."""
    under_way = move_under_way(session, tenant_id)
    if under_way is not None:
        raise Conflict(
            f"Tenant '{slug}' is being moved to {under_way.params.get('to')} (job {under_way.id}); it can be {what} "
            "once the move has ended (run `motcua tenants move` again to finish it)."
        )


def export_tenant(
    db: Database,
    objects: TenantObjects,
    actor: Actor,
    slug: str,
    destination: Path,
    *,
    settle_seconds: float,
    as_zip: bool = False,
) -> Exported:
    """Export suspended tenant ``slug`` to ``destination`` (a folder, or with ``as_zip`` a zip file), which
    must not exist yet, once ``settle_seconds`` have passed since its suspension (every web process has then
    seen it: MOTCUA_TENANT_CACHE_SECONDS + 1); record ``tenant.exported`` with the manifest's SHA-256."""
    destination = destination.absolute()
    if destination.exists():
        raise InvalidInput(f"{destination} already exists; the export never writes into existing files.")
    if not destination.parent.is_dir():
        raise InvalidInput(f"{destination.parent} is not a folder.")
    tenant = tenant_for_export(db, slug)
    _settle(tenant, settle_seconds)
    # Personal data: readable by the operator only, whatever the umask (mkdtemp makes the folder 0700).
    work = Path(tempfile.mkdtemp(dir=destination.parent, prefix=f".{destination.name}.partial-"))
    try:
        manifest = _write(db, objects, tenant, work, actor)
        manifest_bytes = orjson.dumps(manifest, option=orjson.OPT_INDENT_2)
        with private_file(work / "manifest.json") as out:
            out.write(manifest_bytes)
        with private_file(work / "README.md") as out:
            out.write(README.encode("utf-8"))
        if as_zip:
            _zip(work, destination)
            shutil.rmtree(work)
        else:
            os.rename(work, destination)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    with db.control_session() as session:
        record(
            session,
            actor,
            "tenant.exported",
            target=f"tenant:{slug}",
            tenant_slug=slug,
            path=str(destination),
            manifest_sha256=digest,
            tables=len(manifest["tables"]),
            rows=sum(t["rows"] for t in manifest["tables"]),
            files=len(manifest["files"]),
        )
        session.commit()
    return Exported(destination, manifest, digest)


def _write(db: Database, objects: TenantObjects, tenant: Tenant, work: Path, actor: Actor) -> dict:
    binding = db.binding(tenant.slug, server=tenant.server)
    (work / "tables").mkdir(mode=0o700)
    (work / "control").mkdir(mode=0o700)
    with ExitStack() as stack:
        control = stack.enter_context(_snapshot(db.engine))
        same = binding.server == MAIN_SERVER  # the control plane is on the tenant's server: one snapshot
        data = control if same else stack.enter_context(_snapshot(db.engine_for(binding.server)))
        status, server = control.execute(select(Tenant.status, Tenant.server).where(Tenant.id == tenant.id)).one()
        if status not in EXPORTABLE:  # resumed between the check and the snapshot
            raise Conflict(
                f"Tenant '{tenant.slug}' is {status}; only a suspended tenant can be exported, or a merged one."
            )
        with Session(bind=control) as session:
            refuse_while_moving(session, tenant.id, tenant.slug, "exported")
        if server != binding.server:
            raise Conflict(f"Tenant '{tenant.slug}' has moved to {server} since the export began; export it again.")
        if data.scalar(text("SELECT to_regnamespace(:s)"), {"s": binding.schema}) is None:
            raise Conflict(
                f"Schema {binding.schema} of tenant '{tenant.slug}' is not on its server {binding.server}; "
                "nothing is exported."
            )
        created_at = control.scalar(text("SELECT now()"))
        tenant_tables = [_write_table(data, shape, work / "tables") for shape in tables_of(data, binding.schema)]
        control_tables = _write_control(control, tenant.id, work / "control")
        revisions = {"tenant": _revisions(data, binding.schema), "control": _revisions(control, "control")}
    files = _write_files(objects, work / "files")
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tenant": {"id": tenant.id, "slug": tenant.slug, "name": tenant.name, "unit_code": tenant.unit_code},
        "created_at": created_at.astimezone(dt.UTC).isoformat(),
        "created_by": str(actor),
        "schema": binding.schema,
        "schema_revisions": revisions,
        "tables": tenant_tables,
        "control_tables": control_tables,
        "control_tables_not_exported": control_records.NOT_EXPORTED,
        "files": files,
    }


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        snapshot_begins(conn)
        yield conn


def private_file(path: Path):
    """A new file open for binary writing that only its owner can read, whatever the umask: everything an
    export writes holds personal data, and a kill mid-way must not leave any of it readable by others."""
    return open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def _revisions(conn: Connection, schema: str) -> list[str]:
    versions = table("alembic_version", column("version_num"), schema=schema)
    return sorted(conn.scalars(select(versions.c.version_num)))


def snapshot_begins(conn: Connection) -> None:
    """The first statements of the export's transaction: read only, and times read in UTC so that the same
    rows always give the same bytes."""
    conn.execute(text("SET TRANSACTION READ ONLY"))
    conn.execute(text("SET LOCAL TimeZone = 'UTC'"))


def _write_table(conn: Connection, shape: TableShape, folder: Path, where=None) -> dict:
    with private_file(folder / f"{shape.name}.jsonl") as jsonl, private_file(folder / f"{shape.name}.csv") as csv:
        written = write_table(conn, shape, jsonl, csv, where)
    prefix = folder.name
    return {
        "name": shape.name,
        "rows": written.rows,
        "primary_key": list(shape.primary_key),
        "columns": [{"name": c.name, "type": c.type, "nullable": c.nullable} for c in shape.exported],
        "excluded_columns": list(shape.excluded),
        "jsonl": {"path": f"{prefix}/{shape.name}.jsonl", "sha256": written.jsonl_sha256, "bytes": written.jsonl_bytes},
        "csv": {"path": f"{prefix}/{shape.name}.csv", "sha256": written.csv_sha256, "bytes": written.csv_bytes},
    }


def _write_control(conn: Connection, tenant_id: int, folder: Path) -> list[dict]:
    shapes = {shape.name: shape for shape in tables_of(conn, "control")}
    missing = sorted(set(control_records.EXPORTED) - set(shapes))
    if missing:
        raise RuntimeError(f"control tables the export names are not in the database: {', '.join(missing)}")
    return [
        _write_table(conn, shapes[name], folder, control_records.selection_where(name, shapes, tenant_id))
        for name in control_records.EXPORTED
    ]


def _write_files(objects: TenantObjects, folder: Path) -> list[dict]:
    """Every object under the tenant's prefix, as ``files/<key>`` (keys are ``KEY_RE``: no dots, so no
    path leaves the folder), whether or not a row still names it."""
    files = []
    folder.mkdir(mode=0o700)
    for key in sorted(objects.all_keys()):
        if not KEY_RE.match(key):  # not one of ours (TenantObjects could not open it either)
            raise RuntimeError(f"object {objects.slug}/{key} has a key the platform never makes; check the storage")
        path = folder / key
        for parent in reversed(Path(key).parents[:-1]):  # each level 0700 (mkdir's parents=True would not)
            (folder / parent).mkdir(mode=0o700, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with objects.open(key) as stream, private_file(path) as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        files.append({"key": key, "path": f"files/{key}", "bytes": size, "sha256": digest.hexdigest()})
    return files


def _zip(folder: Path, destination: Path) -> None:
    # mkstemp creates the file 0600 from the start: a zip killed mid-way leaves nothing others can read.
    handle, name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.partial-")
    partial = Path(name)
    try:
        with (
            open(handle, "wb") as out,
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
        ):
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(folder).as_posix())
        os.rename(partial, destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
