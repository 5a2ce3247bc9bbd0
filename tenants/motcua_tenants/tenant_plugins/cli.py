from pathlib import Path

import click
from motcua_platform.audit.services import cli_actor
from motcua_platform.auth.cli import _describe
from motcua_platform.errors import ServiceError
from motcua_platform.plugins.engine import active, discovered
from motcua_platform.plugins.scaffold import ScaffoldError, scaffold
from rich.console import Console
from rich.table import Column, Table

from motcua_tenants.tenant_plugins import services


@click.group()
def plugins() -> None:
    """Procedure-group plugins: write a new one, see what is installed and loaded, and each tenant's choice.

    Quickstart: docs/plugin-author-guide.md.
    """


@plugins.command()
@click.argument("name")
@click.option(
    "--path",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to create (must not exist). Default: ./plugins/NAME",
)
def new(name: str, path: Path | None) -> None:
    """Scaffold plugin NAME: a distribution with one procedure, its form, fees, workflow and passing tests.

    NAME is lower-case letters, digits and underscores, and not the name of an installed plugin. Next:
    pip install -e the folder, add NAME to MOTCUA_PLUGINS, enable it for a tenant, run its tests.
    """
    target = path if path is not None else Path("plugins") / name
    try:
        written = scaffold(name, target, installed=discovered())
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"plugin {name} written to {target}/ ({len(written)} files). Next:")
    click.echo(f"  pip install -e {target}")
    click.echo(f"  export MOTCUA_PLUGINS=civil_status,household_business,construction,land,{name}")
    click.echo(f"  motcua plugins enable {name} --tenant <slug>")
    click.echo(f"  pytest {target}")


@plugins.command("list")
@click.option("--tenant", help="Show whether each plugin is allowed (the contract) and enabled for this tenant.")
@click.pass_obj
def list_(cli, tenant: str | None) -> None:
    """List installed plugins; the loaded ones are those in the MOTCUA_PLUGINS allow-list."""
    registry = _registry(cli)
    table = Table("title", "version", "procedures", "loaded", *(["allowed", "enabled", "settings"] if tenant else []))
    table.columns.insert(0, Column("plugin", no_wrap=True))
    states = {}
    if tenant:
        with cli.runtime.db.control_session() as session:
            try:
                states = {s.plugin.name: s for s in services.plugin_states(session, registry, tenant)}
            except ServiceError as exc:
                raise click.ClickException(exc.message) from None
    for name in sorted(set(discovered()) | set(registry.names)):
        plugin = registry.get(name)
        row = [
            name,
            plugin.title_vi if plugin else "-",
            plugin.version if plugin else "-",
            str(len(plugin.procedures)) if plugin else "-",
            "yes" if plugin else "no",
        ]
        if tenant:
            state = states.get(name)
            row += [
                "yes" if state and state.allowed else "no",
                "yes" if state and state.enabled else "no",
                str(state.settings) if state else "-",
            ]
        table.add_row(*row)
    Console().print(table)


def _registry(cli):
    _ = cli.runtime  # building the runtime loads and validates the allow-listed plugins
    return active()


def _parse_settings(pairs: tuple[str, ...]) -> dict:
    import json

    settings = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"'{pair}' must look like key=value", param_hint="--set")
        try:
            settings[key] = json.loads(raw)
        except json.JSONDecodeError:
            settings[key] = raw
    return settings


def _set(cli, name: str, tenant: str, enabled: bool, pairs: tuple[str, ...]) -> None:
    runtime = cli.runtime
    with runtime.db.control_session() as control:
        try:
            state = services.set_plugin(
                control,
                runtime.db,
                cli_actor(),
                active(),
                tenant,
                name,
                enabled=enabled,
                settings=_parse_settings(pairs),
            )
        except ServiceError as exc:
            raise click.ClickException(_describe(exc)) from None
    click.echo(f"plugin {name} {'enabled' if state.enabled else 'disabled'} for {tenant}; settings {state.settings}")


@plugins.command()
@click.argument("name")
@click.option("--tenant", required=True)
@click.option("--set", "pairs", multiple=True, help="A setting as key=value (JSON values allowed); repeatable.")
@click.pass_obj
def enable(cli, name: str, tenant: str, pairs: tuple[str, ...]) -> None:
    """Enable plugin NAME for a tenant (allowing it too: the vendor acts under the contract): its procedures join
    the tenant's catalogue."""
    _set(cli, name, tenant, True, pairs)


@plugins.command()
@click.argument("name")
@click.option("--tenant", required=True)
@click.pass_obj
def disable(cli, name: str, tenant: str) -> None:
    """Disable plugin NAME for a tenant: its procedures leave the public catalogue (dossiers keep theirs)."""
    _set(cli, name, tenant, False, ())
