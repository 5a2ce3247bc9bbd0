"""``motcua tenants export`` and ``motcua tenants delete`` (added to the ``tenants`` group)."""

from __future__ import annotations

from pathlib import Path

import click
from motcua_platform.audit.services import cli_actor
from motcua_platform.errors import ServiceError
from motcua_platform.storage.services import tenant_objects

from motcua_tenants.backups.cli import default_folder
from motcua_tenants.export import deletion, services
from motcua_tenants.registry.services import suspend_tenant


@click.command("export")
@click.argument("slug")
@click.option(
    "--to", "destination", required=True, type=click.Path(path_type=Path), help="Folder (or zip file) to create."
)
@click.option("--zip", "as_zip", is_flag=True, help="Write one zip file instead of a folder.")
@click.option("--suspend", is_flag=True, help="Suspend the tenant first if it is active (its host then answers 503).")
@click.option(
    "--settle-seconds",
    type=float,
    help="How long after the suspension every process has seen it, waited before reading "
    "(default: MOTCUA_TENANT_CACHE_SECONDS + 1).",
)
@click.pass_obj
def export(cli, slug, destination, as_zip, suspend, settle_seconds) -> None:
    """Write every record and stored file of suspended (or merged) tenant SLUG, with a manifest and a README, to a new
    folder readable by its owner only (docs/operations/export.md). It starts once every web process has seen
    the suspension, so it may first wait up to --settle-seconds."""
    runtime = cli.runtime
    actor = cli_actor()
    settle = runtime.config.tenant_cache_seconds + 1 if settle_seconds is None else settle_seconds
    try:
        if suspend:
            with runtime.db.control_session() as session:
                if services.tenant_status(session, slug) == "active":
                    suspend_tenant(session, actor, slug, reason="export")
                    session.commit()
                    click.echo(f"tenant {slug} is now suspended; waiting {settle:g} s for every process to see it")
        result = services.export_tenant(
            runtime.db,
            tenant_objects(runtime.config, slug),
            actor,
            slug,
            destination,
            settle_seconds=settle,
            as_zip=as_zip,
        )
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    rows = sum(t["rows"] for t in result.manifest["tables"])
    click.echo(
        f"exported {slug}: {len(result.manifest['tables'])} tables, {rows} rows, "
        f"{len(result.manifest['files'])} files to {result.path}"
    )
    click.echo(f"manifest sha256: {result.manifest_sha256}")


@click.command("delete")
@click.argument("slug")
@click.option(
    "--export",
    "export_path",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="An export of SLUG made since its last change: the folder `tenants export` wrote, or its zip file. "
    "Every file its manifest lists is read and checked first.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def delete(cli, slug, export_path, yes) -> None:
    """Delete suspended (or merged) tenant SLUG for good: its schema and role (on its database server), its
    stored files, its backups (MOTCUA_BACKUP_DIR/SLUG, else <instance>/backups/SLUG) and its archive dump,
    once the export given is checked to be whole (every file it lists, hashed again) and current (every table
    and stored file compared with the tenant now). Its tenant record, billing and audit trail stay (a merged
    tenant's custom domains too: its hosts keep redirecting). Stored files that are not in the export are
    left, and named."""
    if not yes:
        click.confirm(f"Delete tenant {slug}? Its schema, role, files and backups are removed for good.", abort=True)
    runtime = cli.runtime
    try:
        result = deletion.delete_tenant(
            runtime.db,
            tenant_objects(runtime.config, slug),
            cli_actor(),
            slug,
            export_path,
            backup_dir=default_folder(runtime.config),
        )
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    if result.already_deleted:
        leftover = "; its leftover schema and role dropped" if result.leftover_schema_dropped else ""
        click.echo(f"tenant {slug} was already deleted{leftover}; {result.files_deleted} files left in storage removed")
    else:
        click.echo(
            f"tenant {slug} is now deleted: {result.tables} tables ({result.rows} rows) "
            f"and {result.files_deleted} files removed"
        )
    click.echo(f"backups removed: {result.backups_removed or 'none found'}")
    click.echo(f"archive dump removed: {result.archive_removed or 'none'}")
    if result.archive_not_found:
        click.echo(f"archive dump {result.archive_not_found} is not on this machine: remove it where it is", err=True)
    if result.files_left:
        click.echo(
            f"left in storage, not in the export ({len(result.files_left)}): {', '.join(result.files_left)}",
            err=True,
        )
