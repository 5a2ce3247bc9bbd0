import threading
import time

import click
from motcua_platform.audit.services import cli_actor
from motcua_platform.auth.cli import _describe
from motcua_platform.directory.models import TenantStatus
from motcua_platform.directory.services import get_tenant
from motcua_platform.errors import ServiceError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from motcua_tenants.backups import cli as backup_cli
from motcua_tenants.export import cli as export_cli
from motcua_tenants.merges import cli as merge_cli
from motcua_tenants.registry import moves, services
from motcua_tenants.registry.models import JobStatus

console = Console(stderr=True)


@click.group()
def tenants() -> None:
    """Provinces as tenants: create, list, show, suspend, resume, archive, move, merge, backup, restore, export,
    delete."""


tenants.add_command(backup_cli.backup)
tenants.add_command(backup_cli.restore)
tenants.add_command(export_cli.export)
tenants.add_command(export_cli.delete)
tenants.add_command(merge_cli.merge)


def enqueue(runtime, job) -> None:
    with runtime.db.control_session() as session:
        job = session.get(services.TenantJob, job.id)
        slug = session.get(services.Tenant, job.tenant_id).slug
        job.queue_job_id = runtime.jobs.defer(f"tenants:{job.kind}_tenant", job_id=job.id, tenant=slug)
        session.commit()


def watch(runtime, job_ids: list[int], *, run_worker: bool, timeout: float = 300) -> dict[int, services.TenantJob]:
    """Show progress bars for jobs until they finish. With ``run_worker`` the queue is worked here too,
    so the command completes on a machine with no worker running."""
    worker = None
    if run_worker:
        worker = threading.Thread(
            target=runtime.jobs.run_worker, kwargs={"wait": False, "context": {"runtime": runtime}}, daemon=True
        )
        worker.start()
    finished: dict[int, services.TenantJob] = {}
    deadline = time.monotonic() + timeout
    with Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        bars = {}
        while len(finished) < len(job_ids) and time.monotonic() < deadline:
            with runtime.db.control_session() as session:
                for job_id in job_ids:
                    job = services.get_job(session, job_id)
                    slug = session.get(services.Tenant, job.tenant_id).slug
                    if job_id not in bars:
                        bars[job_id] = progress.add_task(f"{job.kind} {slug}", total=100, step=job.step)
                    progress.update(bars[job_id], completed=job.progress, step=job.step)
                    if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
                        finished[job_id] = job
            if worker is not None and not worker.is_alive() and len(finished) < len(job_ids):
                worker = threading.Thread(
                    target=runtime.jobs.run_worker, kwargs={"wait": False, "context": {"runtime": runtime}}, daemon=True
                )
                worker.start()
            time.sleep(0.1)
    if worker is not None:
        worker.join(timeout=30)
    return finished


def _report(finished: dict, job_ids: list[int]) -> None:
    failed = [job for job in finished.values() if job.status == JobStatus.FAILED]
    for job in failed:
        console.print(f"[red]job {job.id} failed: {job.error}")
    if failed or len(finished) < len(job_ids):
        raise click.ClickException("not every job succeeded; see above (re-run with `motcua tenants provision SLUG`)")


@tenants.command()
@click.argument("slug")
@click.option("--name", required=True, help="Vietnamese name, e.g. 'Tỉnh Đắk Lắk'.")
@click.option("--unit-code", required=True, help="The province's electronic identifier, e.g. 000.00.00.H15.")
@click.option("--domain", "domains", multiple=True, help="Custom domain (repeatable).")
@click.option("--admin-email", help="First tenant admin's e-mail.")
@click.option("--admin-name", help="First tenant admin's full name.")
@click.option("--admin-password", help="First tenant admin's password (prompted for when --admin-email is given).")
@click.option(
    "--server",
    default="main",
    show_default=True,
    help="The database server that holds the tenant's schema (main, or a name in MOTCUA_DATABASE_SERVERS).",
)
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Work the job here and show its progress, or only queue it for a running worker.",
)
@click.pass_obj
def create(cli, slug, name, unit_code, domains, admin_email, admin_name, admin_password, server, wait) -> None:
    """Create tenant SLUG and provision it (schema, role, migrations, seed) as a background job."""
    runtime = cli.runtime
    spec = services.TenantSpec(slug=slug, name=name, unit_code=unit_code, domains=list(domains), server=server)
    if admin_email:
        admin_password = admin_password or click.prompt("Admin password", hide_input=True, confirmation_prompt=True)
        try:
            spec.set_admin(admin_email, admin_name or admin_email, admin_password)
        except ServiceError as exc:
            raise click.ClickException(_describe(exc)) from None
    with runtime.db.control_session() as session:
        try:
            job = services.create_tenant(
                session, cli_actor(), spec, base_domain=runtime.config.base_domain, servers=runtime.db.servers
            )
        except ServiceError as exc:
            raise click.ClickException(_describe(exc)) from None
        session.commit()
    enqueue(runtime, job)
    click.echo(f"tenant {slug} created; provision job {job.id} queued")
    if wait:
        _report(watch(runtime, [job.id], run_worker=True), [job.id])
        click.echo(f"tenant {slug} is active: http://{slug}.{runtime.config.base_domain}")


@tenants.command("provision")
@click.argument("slug")
@click.option("--wait/--no-wait", default=True, show_default=True)
@click.pass_obj
def provision_again(cli, slug, wait) -> None:
    """Provision SLUG again after a failed attempt."""
    runtime = cli.runtime
    with runtime.db.control_session() as session:
        try:
            job = services.retry_provision(session, cli_actor(), slug)
        except ServiceError as exc:
            raise click.ClickException(_describe(exc)) from None
        session.commit()
    enqueue(runtime, job)
    if wait:
        _report(watch(runtime, [job.id], run_worker=True), [job.id])


@tenants.command("list")
@click.option("--status", type=click.Choice([s.value for s in TenantStatus]))
@click.pass_obj
def list_(cli, status) -> None:
    """List tenants."""
    table = Table("slug", "name", "status", "unit code", "domains", "created")
    with cli.runtime.db.control_session() as session:
        for tenant in services.list_tenants(session, status):
            table.add_row(
                tenant.slug,
                tenant.name,
                tenant.status,
                tenant.unit_code,
                ", ".join(d.domain for d in tenant.domains) or "-",
                f"{tenant.created_at:%Y-%m-%d %H:%M}",
            )
    Console().print(table)


@tenants.command()
@click.argument("slug")
@click.pass_obj
def show(cli, slug) -> None:
    """Show one tenant and its latest job."""
    runtime = cli.runtime
    with runtime.db.control_session() as session:
        try:
            tenant = get_tenant(session, slug)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from None
        job = services.latest_job(session, tenant.id)
        rows = [
            ("slug", tenant.slug),
            ("name", tenant.name),
            ("status", tenant.status),
            ("unit code", tenant.unit_code),
            ("host", f"{tenant.slug}.{runtime.config.base_domain}"),
            ("domains", ", ".join(d.domain for d in tenant.domains) or "-"),
            ("schema", runtime.db.binding(slug, server=tenant.server).schema),
            ("database server", tenant.server),
            ("display name", tenant.display_name),
            ("colours", f"{tenant.primary_color} / {tenant.secondary_color}"),
            ("archive", tenant.archive_path or "-"),
        ]
        if tenant.merged_into is not None:  # ADR 0060: its hosts redirect there
            rows.append(("merged into", f"{tenant.merged_into.slug} from {tenant.merged_on:%Y-%m-%d}"))
        if job:
            rows.append(
                (
                    "latest job",
                    f"{job.kind} #{job.id}: {job.status} {job.progress}% ({job.step})"
                    + (f" — {job.error}" if job.error else ""),
                )
            )
    for key, value in rows:
        click.echo(f"{key:>13}: {value}")


def _status_command(name: str, service, help_: str):
    @tenants.command(name, help=help_)
    @click.argument("slug")
    @click.pass_obj
    def command(cli, slug) -> None:
        with cli.runtime.db.control_session() as session:
            try:
                tenant = service(session, cli_actor(), slug)
            except ServiceError as exc:
                raise click.ClickException(exc.message) from None
            session.commit()
            click.echo(f"tenant {slug} is now {tenant.status}")

    return command


_status_command("suspend", services.suspend_tenant, "Suspend SLUG: its host answers 503, data is kept.")
_status_command("resume", services.resume_tenant, "Resume a suspended tenant.")


@tenants.command()
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--wait/--no-wait", default=True, show_default=True)
@click.pass_obj
def archive(cli, slug, yes, wait) -> None:
    """Dump SLUG's schema with pg_dump, then remove schema and role (docs/operations/tenants.md: restore)."""
    if not yes:
        click.confirm(f"Archive tenant {slug}? Its schema will be dumped to a file and then dropped.", abort=True)
    runtime = cli.runtime
    with runtime.db.control_session() as session:
        try:
            job = services.request_archive(session, cli_actor(), slug)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from None
        session.commit()
    enqueue(runtime, job)
    if wait:
        finished = watch(runtime, [job.id], run_worker=True)
        _report(finished, [job.id])
        with runtime.db.control_session() as session:
            click.echo(f"archived to {get_tenant(session, slug).archive_path}")


@tenants.command()
@click.argument("slug")
@click.option(
    "--to", "to", required=True, help="The database server to move to (main, or a name in MOTCUA_DATABASE_SERVERS)."
)
@click.option(
    "--settle-seconds",
    type=float,
    help="How long after the suspension every process has seen it (default: MOTCUA_TENANT_CACHE_SECONDS + 1).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def move(cli, slug, to, settle_seconds, yes) -> None:
    """Move SLUG's schema to another database server, here and now: the province is suspended (its host answers
    503 with Retry-After) until the copy is checked and switched to. Run it again after an interruption: it goes
    on from where the databases say it stopped (docs/operations/database-servers.md)."""
    runtime = cli.runtime
    if not yes:
        click.confirm(f"Move tenant {slug} to {to}? Its portal and API answer 503 until the move ends.", abort=True)
    with runtime.db.control_session() as session:
        try:
            job = moves.request_move(session, cli_actor(), slug, to, runtime.db.servers)
        except ServiceError as exc:
            raise click.ClickException(_describe(exc)) from None
        session.commit()
    settle = runtime.config.tenant_cache_seconds + 1 if settle_seconds is None else settle_seconds
    started = time.monotonic()
    try:
        moves.move(runtime.db, job.id, settle_seconds=settle, on_step=lambda step: click.echo(f"{slug}: {step}"))
    except ServiceError as exc:
        raise click.ClickException(_describe(exc)) from None
    except Exception as exc:
        raise click.ClickException(
            f"the move failed ({type(exc).__name__}: {exc}); {slug} stays where it was"
        ) from None
    click.echo(f"tenant {slug} moved to {to} in {time.monotonic() - started:.1f} s")


# Backup and restore live in their own area (motcua_tenants.backups) and join this group.
