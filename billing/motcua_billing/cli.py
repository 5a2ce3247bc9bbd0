"""``motcua billing``: the finance workflows from the command line (docs/billing.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from motcua_platform.audit.services import cli_actor
from motcua_platform.errors import ServiceError
from motcua_platform.i18n import render
from rich.console import Console
from rich.table import Table

console = Console()


def _fail(exc: ServiceError):
    lines = [str(exc.message)] + [f"  {field}: {msgs}" for field, msgs in render(exc.errors).items()]
    raise click.ClickException("\n".join(lines))


def _month(value: str):
    from motcua_billing.rating.periods import parse_month

    try:
        return parse_month(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group()
def billing() -> None:
    """Metered billing: metrics, usage, invoice runs, invoices, payments, alerts, Stripe."""


@billing.command("run")
@click.option("--period", required=True, help="The month whose billing periods close, YYYY-MM (Asia/Ho_Chi_Minh).")
@click.pass_obj
def run(cli, period: str) -> None:
    """Rate every active tenant for PERIOD (drafts); re-running changes nothing new."""
    from motcua_billing.invoices.tasks import run_billing

    month = _month(period)
    try:
        report = run_billing(cli.runtime, month)
    except ServiceError as exc:
        _fail(exc)
    for key in ("created", "updated", "unchanged"):
        click.echo(f"{key:>9}: {', '.join(report[key]) or '-'}")
    for slug, reason in report["skipped"].items():
        click.echo(f"  skipped: {slug} ({reason})")


@billing.command("invoices")
@click.option("--period", help="YYYY-MM")
@click.option("--tenant")
@click.option("--status", type=click.Choice(["draft", "finalized", "paid", "void"]))
@click.pass_obj
def list_invoices(cli, period, tenant, status) -> None:
    """List invoices."""
    from motcua_platform.directory.models import Tenant

    from motcua_billing.catalog.services import tenant_by_slug
    from motcua_billing.invoices import queries

    with cli.runtime.db.control_session() as session:
        try:
            tenant_id = tenant_by_slug(session, tenant).id if tenant else None
        except ServiceError as exc:
            _fail(exc)
        query = queries.list_invoices(
            session, tenant_id=tenant_id, status=status, period=_month(period) if period else None
        )
        table = Table("id", "number", "tenant", "period", "status", "subtotal", "VAT", "total", "paid")
        for invoice in session.scalars(query):
            table.add_row(
                str(invoice.id),
                invoice.display_number or "-",
                session.get(Tenant, invoice.tenant_id).slug,
                f"{invoice.period_start:%Y-%m}",
                invoice.status,
                f"{invoice.subtotal_vnd:,}",
                f"{invoice.vat_vnd:,}",
                f"{invoice.total_vnd:,}",
                f"{invoice.amount_paid_vnd:,}",
            )
    console.print(table)


@billing.command()
@click.argument("invoice_ids", type=int, nargs=-1)
@click.option("--period", help="Finalize every draft of this month instead.")
@click.pass_obj
def finalize(cli, invoice_ids, period) -> None:
    """Finalize drafts: claim their usage and number them (gapless per year)."""
    from motcua_billing.invoices import lifecycle, queries
    from motcua_billing.payments.services import push_quietly

    runtime = cli.runtime
    ids = list(invoice_ids)
    if period:
        with runtime.db.control_session() as session:
            ids += [
                i.id for i in session.scalars(queries.list_invoices(session, status="draft", period=_month(period)))
            ]
    if not ids:
        raise click.ClickException("Name invoice ids or --period.")
    for invoice_id in ids:
        with runtime.db.control_session() as session:
            try:
                invoice = lifecycle.finalize(session, cli_actor(), invoice_id)
            except ServiceError as exc:
                _fail(exc)
            session.commit()
            click.echo(f"invoice {invoice_id} finalized as {invoice.display_number}: {invoice.total_vnd:,} VND")
        push_quietly(runtime, invoice_id)


@billing.command()
@click.argument("invoice_id", type=int)
@click.option("--reason", required=True)
@click.pass_obj
def void(cli, invoice_id, reason) -> None:
    """Void a draft or an unpaid finalized invoice."""
    from motcua_billing.invoices import lifecycle

    with cli.runtime.db.control_session() as session:
        try:
            lifecycle.void(session, cli_actor(), invoice_id, reason)
        except ServiceError as exc:
            _fail(exc)
        session.commit()
    click.echo(f"invoice {invoice_id} is void")


@billing.command()
@click.argument("invoice_id", type=int)
@click.option("--amount", "amount_vnd", type=int, required=True, help="Whole đồng.")
@click.option("--reference", required=True, help="Bank transaction reference.")
@click.option("--method", type=click.Choice(["bank_transfer", "cash"]), default="bank_transfer", show_default=True)
@click.pass_obj
def pay(cli, invoice_id, amount_vnd, reference, method) -> None:
    """Record a payment received (bank transfer by default)."""
    from motcua_billing.invoices.queries import get_invoice
    from motcua_billing.payments.recording import record_payment

    with cli.runtime.db.control_session() as session:
        try:
            record_payment(session, cli_actor(), invoice_id, amount_vnd=amount_vnd, reference=reference, method=method)
        except ServiceError as exc:
            _fail(exc)
        session.commit()
        invoice = get_invoice(session, invoice_id)
        click.echo(f"invoice {invoice.display_number}: {invoice.status}, {invoice.amount_due_vnd:,} VND still due")


@billing.command()
@click.argument("invoice_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_obj
def pdf(cli, invoice_id, output) -> None:
    """Write an invoice as a Vietnamese PDF (the vendor-signed file once it is signed)."""

    from motcua_billing.invoices.documents import invoice_pdf
    from motcua_billing.invoices.queries import get_invoice
    from motcua_billing.invoices.signing import signed_pdf

    config = cli.runtime.config
    with cli.runtime.db.control_session() as session:
        try:
            invoice = get_invoice(session, invoice_id)
        except ServiceError as exc:
            _fail(exc)
        output.write_bytes(signed_pdf(session, invoice.id) or invoice_pdf(session, invoice, config))
    click.echo(f"wrote {output}")


@billing.command()
@click.option("--period", help="YYYY-MM")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: standard output.")
@click.pass_obj
def export(cli, period, output) -> None:
    """Invoices as CSV, one row per line."""
    from motcua_platform.directory.models import Tenant

    from motcua_billing.invoices import documents, queries

    with cli.runtime.db.control_session() as session:
        query = queries.list_invoices(session, period=_month(period) if period else None)
        rows = [(i, session.get(Tenant, i.tenant_id).slug) for i in session.scalars(query)]
        body = documents.invoices_csv(rows)
    if output:
        output.write_text(body, encoding="utf-8")
        click.echo(f"wrote {output}")
    else:
        sys.stdout.write(body)


@billing.command()
@click.argument("slug")
@click.pass_obj
def budget(cli, slug) -> None:
    """Budget per contract year: lease, overage budget, actual overage, invoiced, paid (million VND)."""
    from motcua_billing.catalog.services import list_contracts, tenant_by_slug
    from motcua_billing.reports.services import budget as budget_rows

    with cli.runtime.db.control_session() as session:
        try:
            tenant = tenant_by_slug(session, slug)
        except ServiceError as exc:
            _fail(exc)
        contracts = list_contracts(session, tenant.id)
        if not contracts:
            raise click.ClickException(f"Tenant '{slug}' has no contract.")
        rows = budget_rows(session, contracts[-1])
    table = Table("contract year", "lease", "overage budget", "actual overage", "invoiced", "paid", title=slug)

    def m(value: int) -> str:
        return f"{value / 1_000_000:,.3f}"

    for row in rows:
        table.add_row(
            f"{row.year_start:%m/%Y}–{row.year_end:%m/%Y}",
            m(row.lease_vnd),
            m(row.overage_budget_vnd),
            m(row.actual_overage_vnd),
            m(row.invoiced_vnd),
            m(row.paid_vnd),
        )
    console.print(table)


@billing.command()
@click.pass_obj
def drain(cli) -> None:
    """Move usage recorded inside tenant transactions into the ledger now."""
    from motcua_billing.usage.services import drain_all

    for report in drain_all(cli.runtime.db):
        if report.accepted or report.duplicates or report.rejected:
            click.echo(
                f"{report.tenant}: {report.accepted} accepted, {report.duplicates} dup, {report.rejected} rejected"
            )


@billing.command()
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The Vietnamese calendar day the snapshot is for, YYYY-MM-DD (default: today). It counts the staff "
    "active now: use it for today, or to fill a day the job missed.",
)
@click.option("--tenant", "tenants", multiple=True, help="Only these tenants (repeatable); default: all billed.")
@click.pass_obj
def seats(cli, day, tenants) -> None:
    """Record the officer_seats snapshot of a day: each tenant's active staff accounts (once a day)."""
    from motcua_billing.usage.seats import snapshot_all, today

    try:
        taken = snapshot_all(cli.runtime.db, day.date() if day else today(), slugs=list(tenants) or None)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--day") from None
    for snapshot in taken:
        if snapshot.status == "failed":
            click.echo(f"{snapshot.tenant}: FAILED on {snapshot.day} (see the log)")
            continue
        note = "" if snapshot.status == "accepted" else " (already taken that day: the first count stands)"
        click.echo(f"{snapshot.tenant}: {snapshot.seats} seat(s) on {snapshot.day}{note}")
    missing = set(tenants) - {s.tenant for s in taken}
    if missing:
        raise click.ClickException(f"No billed tenant named {', '.join(sorted(missing))}.")
    if any(s.status == "failed" for s in taken):
        sys.exit(1)


@billing.command()
@click.pass_obj
def alerts(cli) -> None:
    """Check quota and overage-budget thresholds now and send new alerts."""
    from motcua_billing.alerts.services import check_all, mailer_from_config

    config = cli.runtime.config
    sent = check_all(cli.runtime.db, mailer_from_config(config), config.billing_vendor_emails)
    click.echo(f"{sent} new alert(s)")


@billing.command()
@click.option("--push", is_flag=True, help="Also push finalized invoices the collector does not have yet.")
@click.pass_obj
def reconcile(cli, push) -> None:
    """Compare finalized and paid invoices with Stripe; exit 1 on any mismatch."""
    from motcua_billing.payments.services import collector_from_config
    from motcua_billing.payments.services import reconcile as run_reconcile

    collector = collector_from_config(cli.runtime.config)
    if collector is None:
        raise click.ClickException("Stripe is not configured (MOTCUA_STRIPE_API_KEY); nothing to reconcile.")
    with cli.runtime.db.control_session() as session:
        report = run_reconcile(session, collector, push_missing=push)
        session.commit()
    click.echo(f"checked {report.checked} invoice(s); pushed {len(report.pushed)}")
    for mismatch in report.mismatches:
        click.echo(f"MISMATCH {json.dumps(mismatch, ensure_ascii=False)}")
    if not report.ok:
        sys.exit(1)


@billing.group()
def metrics() -> None:
    """Billable metrics."""


@metrics.command("list")
@click.pass_obj
def metrics_list(cli) -> None:
    from motcua_billing.catalog.services import list_metrics

    table = Table("code", "name", "unit", "aggregation")
    with cli.runtime.db.control_session() as session:
        for metric in list_metrics(session):
            table.add_row(metric.code, metric.name, metric.unit, metric.aggregation)
    console.print(table)


@metrics.command("add")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--unit", required=True)
@click.option("--aggregation", type=click.Choice(["count", "sum", "max"]), required=True)
@click.option("--description")
@click.pass_obj
def metrics_add(cli, code, name, unit, aggregation, description) -> None:
    """Add a billable metric (data, not code)."""
    from motcua_billing.catalog.services import create_metric

    with cli.runtime.db.control_session() as session:
        try:
            create_metric(
                session, cli_actor(), code=code, name=name, unit=unit, aggregation=aggregation, description=description
            )
        except ServiceError as exc:
            _fail(exc)
        session.commit()
    click.echo(f"metric {code} added")
