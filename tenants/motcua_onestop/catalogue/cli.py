from pathlib import Path

import click
from motcua_platform.audit.services import cli_actor
from motcua_platform.auth.cli import _describe
from motcua_platform.directory.services import bump_content_version, get_tenant
from motcua_platform.errors import ServiceError

from motcua_onestop.catalogue import exchange


@click.group()
def catalogue() -> None:
    """A tenant's procedure catalogue: import and export (CSV or JSON)."""


def _enabled(runtime, slug: str) -> list[str]:
    from motcua_platform.directory.models import TenantPlugin
    from sqlalchemy import select

    with runtime.db.control_session() as session:
        tenant = get_tenant(session, slug)
        return list(
            session.scalars(
                select(TenantPlugin.plugin).where(TenantPlugin.tenant_id == tenant.id, TenantPlugin.enabled.is_(True))
            )
        )


def _format(path: Path, given: str | None) -> str:
    return given or ("csv" if path.suffix.lower() == ".csv" else "json")


@catalogue.command("export")
@click.argument("slug")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "format_", type=click.Choice(["csv", "json"]), help="Default: from the file extension.")
@click.pass_obj
def export_(cli, slug: str, path: Path, format_: str | None) -> None:
    """Write SLUG's published catalogue to PATH."""
    runtime = cli.runtime
    try:
        enabled = _enabled(runtime, slug)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    with runtime.db.tenant_session(runtime.db.binding(slug)) as session:
        entries = exchange.export_entries(session, enabled)
    fmt = _format(path, format_)
    path.write_text(exchange.to_csv(entries) if fmt == "csv" else exchange.to_json(entries), encoding="utf-8")
    click.echo(f"{len(entries)} procedure(s) written to {path}")


@catalogue.command("import")
@click.argument("slug")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "format_", type=click.Choice(["csv", "json"]), help="Default: from the file extension.")
@click.pass_obj
def import_(cli, slug: str, path: Path, format_: str | None) -> None:
    """Import the province's own procedures from PATH; a file with any bad row imports nothing."""
    runtime = cli.runtime
    text = path.read_text(encoding="utf-8-sig")
    try:
        _enabled(runtime, slug)  # refuses an unknown tenant before reading the file
        records = exchange.parse_csv(text) if _format(path, format_) == "csv" else exchange.parse_json(text)
        with runtime.db.tenant_session(runtime.db.binding(slug)) as session:
            count = exchange.import_records(session, cli_actor(), records)
            session.commit()
        with runtime.db.control_session() as control:
            bump_content_version(control, get_tenant(control, slug).id, "catalogue")
            control.commit()
    except ServiceError as exc:
        rows = exc.errors.get("rows")
        if rows:
            lines = [str(exc.message)] + [f"  row {e['row']}, {e['column']}: {e['message']}" for e in rows[:50]]
            raise click.ClickException("\n".join(lines)) from None
        raise click.ClickException(_describe(exc)) from None
    click.echo(f"{count} procedure(s) imported into {slug}")
