"""``motcua tenants backup`` and ``motcua tenants restore`` (added to the ``tenants`` group)."""

from __future__ import annotations

from pathlib import Path

import click
from motcua_platform.audit.services import cli_actor
from motcua_platform.auth.cli import _describe
from motcua_platform.errors import ServiceError
from motcua_platform.storage.services import object_store

from motcua_tenants.backups import services


def default_folder(config) -> Path:
    return config.backup_dir or config.instance_path / "backups"


@click.command()
@click.argument("slug")
@click.option(
    "--to",
    "to",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the backup folder into. Default: MOTCUA_BACKUP_DIR, else <instance>/backups.",
)
@click.pass_obj
def backup(cli, slug, to) -> None:
    """Back up tenant SLUG: its rows (one snapshot, checksummed) and its stored documents, into a new folder."""
    runtime = cli.runtime
    try:
        path = services.backup_tenant(
            runtime.db, object_store(runtime.config), slug, to or default_folder(runtime.config), actor=cli_actor()
        )
    except ServiceError as exc:
        raise click.ClickException(_describe(exc)) from None
    click.echo(f"tenant {slug} backed up to {path}")


@click.command()
@click.argument("slug")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The backup folder (the one holding manifest.json).",
)
@click.option("--as", "as_slug", help="Restore as this new tenant (suspended) for inspection; SLUG is untouched.")
@click.option(
    "--replace",
    is_flag=True,
    help="Confirm restoring over SLUG itself; only allowed when SLUG is archived or absent.",
)
@click.pass_obj
def restore(cli, slug, source, as_slug, replace) -> None:
    """Restore a backup of SLUG, all or nothing: as a new tenant with --as NEWSLUG, or over an archived or
    absent SLUG with --replace. The restored tenant is suspended until `motcua tenants resume`."""
    runtime = cli.runtime
    try:
        found = services.Manifest.read(source).slug
        if found != slug:
            raise click.ClickException(f"{source} is a backup of tenant '{found}', not '{slug}'.")
        report = services.restore_tenant(
            runtime.db,
            object_store(runtime.config),
            source,
            slug=as_slug,
            replace=replace,
            actor=cli_actor(),
            on_step=lambda step: click.echo(f"  {step}", err=True),
        )
    except ServiceError as exc:
        raise click.ClickException(_describe(exc)) from None
    click.echo(
        f"restored {report.rows} rows in {report.tables} tables and {report.objects} objects of {report.source_slug} "
        f"({report.backup_created_at}) as tenant {report.slug}, suspended"
        + ("; migrated to this code's revision" if report.migrated else "")
    )
    if report.skipped_domains:
        click.echo(f"domains now used by another tenant, not restored: {', '.join(report.skipped_domains)}")
    click.echo(f"check it, then `motcua tenants resume {report.slug}` to serve it")
