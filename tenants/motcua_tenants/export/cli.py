"""``motcua tenants export`` and ``motcua tenants delete`` (added to the ``tenants`` group)."""

from __future__ import annotations

from pathlib import Path

import click
from motcua_platform.audit.services import cli_actor
from motcua_platform.errors import ServiceError
from motcua_platform.storage.services import tenant_objects

from motcua_tenants.export import deletion, services
from motcua_tenants.registry.services import suspend_tenant


@click.command("export")
@click.argument("slug")
@click.option(
    "--to", "destination", required=True, type=click.Path(path_type=Path), help="Folder (or zip file) to create."
)
@click.option("--zip", "as_zip", is_flag=True, help="Write one zip file instead of a folder.")
@click.option("--suspend", is_flag=True, help="Suspend the tenant first if it is active (its host then answers 503).")
@click.pass_obj
def export(cli, slug, destination, as_zip, suspend) -> None:
    """Write every record and stored file of suspended tenant SLUG, with a manifest and a README, to a new
    folder (docs/operations/export.md)."""
    runtime = cli.runtime
    actor = cli_actor()
    try:
        if suspend:
            with runtime.db.control_session() as session:
                if services.tenant_status(session, slug) == "active":
                    suspend_tenant(session, actor, slug, reason="export")
                    session.commit()
                    click.echo(f"tenant {slug} is now suspended")
        result = services.export_tenant(
            runtime.db, tenant_objects(runtime.config, slug), actor, slug, destination, as_zip=as_zip
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
    "--export-manifest",
    "manifest",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="manifest.json of an export of SLUG made since its last change.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def delete(cli, slug, manifest, yes) -> None:
    """Delete suspended tenant SLUG for good: its schema, role and stored files, once an export of it is
    checked to be complete and current. Its tenant record, billing and audit trail stay."""
    if not yes:
        click.confirm(f"Delete tenant {slug}? Its schema, role and files are removed for good.", abort=True)
    runtime = cli.runtime
    try:
        result = deletion.delete_tenant(runtime.db, tenant_objects(runtime.config, slug), cli_actor(), slug, manifest)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    if result.already_deleted:
        click.echo(f"tenant {slug} was already deleted; {result.files_deleted} files left in storage removed")
    else:
        click.echo(
            f"tenant {slug} is now deleted: {result.tables} tables ({result.rows} rows) "
            f"and {result.files_deleted} files removed"
        )
