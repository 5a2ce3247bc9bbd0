"""``motcua tenants merge SOURCE --into TARGET --on DATE [--dry-run] [--json]`` (docs/operations/tenant-merge.md)."""

from __future__ import annotations

import json

import click
from motcua_platform.audit.services import cli_actor
from motcua_platform.auth.cli import _describe
from motcua_platform.errors import ServiceError
from rich.console import Console

from motcua_tenants.merges import run
from motcua_tenants.merges.plan import Plan

console = Console(stderr=True)


def _print(plan: Plan) -> None:
    """Plain lines, one per conflict and per table, so that an operator can grep and diff them."""
    click.echo(
        f"Merge of {plan.source} into {plan.target} on {plan.on}: {len(plan.conflicts)} conflict(s), "
        f"{len(plan.blocking)} blocking"
    )
    for c in plan.conflicts:
        click.echo(
            f"  {'BLOCKING' if c.blocking else 'conflict'} {c.kind}: {c.source} | target: {c.target} | {c.outcome}"
        )
    click.echo("Tables (source rows; matched to the target's or kept out; policy):")
    for t in plan.tables:
        note = f" — {t.note}" if t.note else ""
        click.echo(f"  {t.table:<28} {t.source_rows:>9} {t.matched:>7}  {t.policy}{note}")
    if plan.already_merged:
        click.echo(f"The data of {plan.source} is already in the target: a run only finishes the control step.")


@click.command()
@click.argument("source")
@click.option("--into", "target", required=True, help="The tenant that receives SOURCE's data.")
@click.option(
    "--on",
    "on",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    help="The merge's date (YYYY-MM-DD): SOURCE's root unit closes the day before.",
)
@click.option(
    "--dry-run", is_flag=True, help="Only list every conflict and count; write nothing. Exits 1 on a blocking conflict."
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan (and the outcome) as JSON on stdout.")
@click.option(
    "--settle-seconds",
    type=float,
    help="How long after SOURCE's suspension every process has seen it (default: MOTCUA_TENANT_CACHE_SECONDS + 1).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def merge(cli, source, target, on, dry_run, as_json, settle_seconds, yes) -> None:
    """Merge tenant SOURCE into tenant TARGET (the 2025 reform: Long An into Tây Ninh), all or nothing: units
    (SOURCE's root closed and its children under TARGET's root), catalogue, citizens (by identity number),
    staff (by e-mail), dossiers with their codes, documents, calendar days, audit. SOURCE is suspended first;
    both must be on the same database server. Run it again after an interruption: it finishes what is left."""
    runtime = cli.runtime
    on = on.date()
    try:
        if dry_run:
            plan = run.dry_run(runtime.db, source, target, on, config=runtime.config)
            click.echo(json.dumps(plan.as_dict(), ensure_ascii=False, indent=2)) if as_json else _print(plan)
            if plan.blocking:
                raise SystemExit(1)
            return
        if not yes:
            click.confirm(
                f"Merge {source} into {target} on {on}? {source}'s portal and API answer 503 from now on.", abort=True
            )
        settle = runtime.config.tenant_cache_seconds + 1 if settle_seconds is None else settle_seconds
        outcome = run.merge(
            runtime.db,
            runtime.config,
            cli_actor(),
            source,
            target,
            on,
            settle_seconds=settle,
            on_step=lambda step: console.print(f"{source}: {step}"),
        )
    except run.Refused as exc:
        click.echo(json.dumps(exc.plan.as_dict(), ensure_ascii=False, indent=2)) if as_json else _print(exc.plan)
        raise click.ClickException(str(exc.message)) from None
    except ServiceError as exc:
        raise click.ClickException(_describe(exc)) from None
    if as_json:
        result = {
            "plan": outcome.plan.as_dict(),
            "copied": outcome.counts,
            "files": outcome.files,
            "phases": outcome.phases,
            "data_done_before": outcome.data_done_before,
        }
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print(outcome.plan)
        for name, seconds in outcome.phases.items():
            click.echo(f"{name:>16}: {seconds:.1f} s")
        click.echo(f"tenant {source} merged into {target} ({sum(outcome.counts.values())} rows, {outcome.files} files)")
