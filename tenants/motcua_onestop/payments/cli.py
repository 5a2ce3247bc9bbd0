"""``motcua payments``: a province's online orders reconciled with its gateway from the shell (the fee
payments page's comparison), one line per difference, exit 1 when there is any: for a finance officer's
script or a monitoring check."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import asdict

import click
from motcua_platform.directory.services import get_tenant
from motcua_platform.errors import ServiceError
from motcua_platform.timezones import VIETNAM

from motcua_onestop.payments import reconciliation, services

MOST_DAYS = 93


@click.group()
def payments() -> None:
    """Fee payments of a province: reconciliation with its payment gateway."""


@payments.command()
@click.argument("slug")
@click.option("--from", "since", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (Vietnam).")
@click.option("--to", "until", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (Vietnam).")
@click.pass_obj
def reconcile(cli, slug: str, since: dt.datetime, until: dt.datetime) -> None:
    """Compare the province's online orders of the days given with its gateway; exit 1 on any difference."""
    db = cli.runtime.db
    try:
        with db.control_session() as control:
            get_tenant(control, slug)
        services.check_period(since.date(), until.date(), MOST_DAYS)
        start = dt.datetime.combine(since.date(), dt.time(), VIETNAM)
        end = dt.datetime.combine(until.date() + dt.timedelta(days=1), dt.time(), VIETNAM)
        with db.tenant_session(db.binding(slug)) as session:
            lines = reconciliation.reconcile(session, start, end)
    except ServiceError as error:
        raise click.ClickException(str(error.message)) from None
    different = [line for line in lines if line.problem]
    click.echo(f"checked {len(lines)} order(s) of {slug}; {len(different)} different")
    for line in different:
        click.echo(f"MISMATCH {json.dumps(asdict(line), ensure_ascii=False)}")
    if different:
        sys.exit(1)
