"""Tenant lifecycle: create → provision (job) → active ⇄ suspended → archive (job).

Provisioning and archiving are long, so the API and CLI only record a ``TenantJob`` and enqueue it; the
work runs in a job worker, reporting progress on the job row through its own short transactions.
All of a provision's DDL (role, schema, tables, seed) is one transaction: a failure leaves nothing
behind and the job can simply be run again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import subprocess
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from motcua_platform import signals
from motcua_platform.audit.services import Actor, record
from motcua_platform.auth.models import StaffAccount, StaffRole, StaffRoleName
from motcua_platform.auth.passwords import hash_password, password_problems
from motcua_platform.auth.units import unit_tree
from motcua_platform.branding import MIN_CONTRAST, text_contrast
from motcua_platform.db.base import utcnow
from motcua_platform.db.database import MAIN_SERVER, Database, TenantBinding
from motcua_platform.directory.models import Tenant, TenantDomain, TenantStatus
from motcua_platform.directory.services import get_tenant
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.i18n import _
from motcua_platform.jobs import conninfo
from sqlalchemy import Connection, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, selectinload

from motcua_tenants import durations
from motcua_tenants.migrations.runner import create_role_and_schema, upgrade_tenant_on
from motcua_tenants.registry.models import JobStatus, TenantJob

__all__ = ["Tenant", "TenantJob", "TenantSpec"]
from motcua_tenants.registry.slugs import slug_problems

log = logging.getLogger(__name__)

HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")

ProgressFn = Callable[[str, int], None]


@dataclass
class TenantSpec:
    slug: str
    name: str
    unit_code: str
    display_name: str | None = None
    locale: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    logo_url: str | None = None
    primary_color: str = "#b71c1c"
    secondary_color: str = "#ffc107"
    domains: list[str] = field(default_factory=list)
    admin_email: str | None = None
    admin_name: str | None = None
    admin_password_hash: str | None = None
    server: str = MAIN_SERVER  # the database server that will hold the schema (ADR 0055)

    def set_admin(self, email: str, full_name: str, password: str) -> None:
        """The first tenant admin, created by the provisioning job; the password is checked (422 on
        ``admin.password``) and hashed here, so only its hash is stored in the job's spec."""
        site = (self.slug, self.name, self.display_name)
        if problems := password_problems(password, personal={"e-mail address": email, "name": full_name}, site=site):
            raise InvalidInput(_("The tenant could not be created."), {"admin": {"password": problems}})
        self.admin_email, self.admin_name, self.admin_password_hash = email, full_name, hash_password(password)


# -- queries -------------------------------------------------------------------------------------
def list_tenants(session: Session, status: str | None = None) -> list[Tenant]:
    query = select(Tenant).options(selectinload(Tenant.domains)).order_by(Tenant.slug)
    if status:
        query = query.where(Tenant.status == status)
    return list(session.scalars(query))


def latest_job(session: Session, tenant_id: int, kind: str | None = None) -> TenantJob | None:
    query = select(TenantJob).where(TenantJob.tenant_id == tenant_id).order_by(TenantJob.id.desc()).limit(1)
    if kind:
        query = query.where(TenantJob.kind == kind)
    return session.scalar(query)


def get_job(session: Session, job_id: int) -> TenantJob:
    job = session.get(TenantJob, job_id)
    if job is None:
        raise NotFound(_("No tenant job with id %(job_id)s.", job_id=job_id))
    return job


# -- validation ----------------------------------------------------------------------------------
def normalise_domain(domain: str) -> str:
    value = domain.strip().lower().rstrip(".")
    try:
        value = value.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidInput(
            _("Invalid domain."), {"domains": [_("'%(domain)s' is not a valid host name.", domain=domain)]}
        ) from None
    if not HOST_RE.match(value):
        raise InvalidInput(
            _("Invalid domain."), {"domains": [_("'%(domain)s' is not a valid host name.", domain=domain)]}
        )
    return value


def _validate_spec(session: Session, spec: TenantSpec, base_domain: str, servers: Collection[str]) -> list[str]:
    errors: dict[str, list[str]] = {}
    if spec.server not in servers:
        errors["server"] = [f"No database server is named '{spec.server}'; the servers are: {', '.join(servers)}."]
    problems = slug_problems(spec.slug)
    if isinstance(spec.slug, str) and spec.slug:
        clash = session.scalar(select(Tenant.slug).where(func.lower(Tenant.slug) == spec.slug.lower()))
        if clash is not None:
            problems = [
                f"Slug is already used by tenant '{clash}'"
                + (" (it differs only in case)." if clash != spec.slug else ".")
            ]
    if problems:
        errors["slug"] = problems
    if not spec.name or not spec.name.strip():
        errors["name"] = [_("Name is required.")]
    if not spec.unit_code or not re.fullmatch(r"[A-Za-z0-9.]{1,40}", spec.unit_code):
        errors["unit_code"] = [_("Unit code is required: letters, digits and dots (e.g. 000.00.00.H15).")]
    for attr in ("primary_color", "secondary_color"):
        if not COLOR_RE.match(getattr(spec, attr) or ""):
            errors[attr] = ["Colour must look like #1a2b3c."]
    if "primary_color" not in errors and text_contrast(spec.primary_color) < MIN_CONTRAST:
        errors["primary_color"] = [f"Neither white nor dark text is readable on {spec.primary_color}: choose another."]
    domains: list[str] = []
    for raw in spec.domains:
        try:
            domain = normalise_domain(raw)
        except InvalidInput as exc:
            errors.setdefault("domains", []).extend(exc.errors["domains"])
            continue
        if domain == base_domain or domain.endswith("." + base_domain):
            errors.setdefault("domains", []).append(
                _(
                    "'%(domain)s' is under the platform domain; tenants get <slug>.%(base_domain)s automatically.",
                    domain=domain,
                    base_domain=base_domain,
                )
            )
        elif (
            session.scalar(select(TenantDomain.id).where(TenantDomain.domain == domain)) is not None
            or domain in domains
        ):
            errors.setdefault("domains", []).append(_("'%(domain)s' is already in use.", domain=domain))
        else:
            domains.append(domain)
    if errors:
        raise InvalidInput(_("The tenant could not be created."), errors)
    return domains


# -- lifecycle -----------------------------------------------------------------------------------
def create_tenant(
    session: Session, actor: Actor, spec: TenantSpec, *, base_domain: str, servers: Collection[str] = (MAIN_SERVER,)
) -> TenantJob:
    """Record a new tenant (status provisioning) and its provision job; the caller enqueues the job. ``servers``
    are the configured database servers (``Database.servers``), one of which the spec names."""
    domains = _validate_spec(session, spec, base_domain, servers)
    tenant = Tenant(
        slug=spec.slug,
        name=spec.name.strip(),
        unit_code=spec.unit_code,
        status=TenantStatus.PROVISIONING,
        display_name=(spec.display_name or spec.name).strip(),
        locale=spec.locale,
        timezone=spec.timezone,
        logo_url=spec.logo_url,
        primary_color=spec.primary_color,
        secondary_color=spec.secondary_color,
        domains=[TenantDomain(domain=d) for d in domains],
        server=spec.server,
    )
    session.add(tenant)
    session.flush()
    params = {}
    if spec.admin_email:
        params["admin"] = {
            "email": spec.admin_email,
            "full_name": spec.admin_name or spec.admin_email,
            "password_hash": spec.admin_password_hash,
        }
    job = TenantJob(tenant_id=tenant.id, kind="provision", params=params)
    session.add(job)
    session.flush()
    record(
        session,
        actor,
        "tenant.create",
        target=f"tenant:{tenant.slug}",
        tenant_slug=tenant.slug,
        name=tenant.name,
        domains=domains,
        server=tenant.server,
    )
    return job


def retry_provision(session: Session, actor: Actor, slug: str) -> TenantJob:
    tenant = get_tenant(session, slug)
    if tenant.status != TenantStatus.PROVISIONING:
        raise Conflict(
            _(
                "Tenant '%(slug)s' is %(status)s; only a tenant still provisioning can be provisioned again.",
                slug=slug,
                status=tenant.status,
            )
        )
    previous = latest_job(session, tenant.id, "provision")
    if previous is not None and _still_active(previous):
        raise Conflict(
            _(
                "Tenant '%(slug)s' already has a provision job %(status)s (job %(id)s).",
                slug=slug,
                status=previous.status,
                id=previous.id,
            )
        )
    job = TenantJob(tenant_id=tenant.id, kind="provision", params=previous.params if previous else {})
    session.add(job)
    session.flush()
    record(session, actor, "tenant.provision_retry", target=f"tenant:{slug}", tenant_slug=slug)
    return job


STALE_JOB = dt.timedelta(minutes=15)


def _still_active(job: TenantJob) -> bool:
    """Queued or running, and not abandoned: a job whose worker died stops blocking a retry after a while."""
    if job.status == JobStatus.QUEUED:
        return True
    return job.status == JobStatus.RUNNING and (job.started_at is None or utcnow() - job.started_at < STALE_JOB)


def _change_status(
    session: Session,
    actor: Actor,
    slug: str,
    allowed_from: Iterable[str],
    to: str,
    action: str,
    reason: str | None = None,
) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug).with_for_update())
    if tenant is None:
        raise NotFound(_("No tenant with slug '%(slug)s'.", slug=slug))
    allowed_from = tuple(allowed_from)
    if tenant.status not in allowed_from:
        raise Conflict(
            _(
                "Tenant '%(slug)s' is %(status)s; this action needs it to be %(allowed)s.",
                slug=slug,
                status=tenant.status,
                allowed=" or ".join(allowed_from),
            )
        )
    tenant.status = to
    tenant.status_changed_at = utcnow()
    record(session, actor, action, target=f"tenant:{slug}", tenant_slug=slug, reason=reason)
    return tenant


def suspend_tenant(session: Session, actor: Actor, slug: str, reason: str | None = None) -> Tenant:
    return _change_status(session, actor, slug, [TenantStatus.ACTIVE], TenantStatus.SUSPENDED, "tenant.suspend", reason)


def resume_tenant(session: Session, actor: Actor, slug: str) -> Tenant:
    _refuse_while_moving(session, get_tenant(session, slug))
    return _change_status(session, actor, slug, [TenantStatus.SUSPENDED], TenantStatus.ACTIVE, "tenant.resume")


def move_under_way(session: Session, tenant_id: int) -> TenantJob | None:
    """The tenant's move job that has not ended (queued, running, or stopped by a crash and not yet run again)."""
    last = latest_job(session, tenant_id, "move")
    return last if last is not None and last.status in (JobStatus.QUEUED, JobStatus.RUNNING) else None


def _refuse_while_moving(session: Session, tenant: Tenant) -> None:
    """A moving tenant's schema is fenced or half copied: it resumes, or is archived, only after the move ends
    (``motcua tenants move`` run again finishes an interrupted one)."""
    under_way = move_under_way(session, tenant.id)
    if under_way is not None:
        raise Conflict(
            f"Tenant '{tenant.slug}' is being moved to {under_way.params.get('to')} (job {under_way.id}); "
            "run `motcua tenants move` again to finish it first."
        )


def request_archive(session: Session, actor: Actor, slug: str) -> TenantJob:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug).with_for_update())
    if tenant is None:
        raise NotFound(_("No tenant with slug '%(slug)s'.", slug=slug))
    _refuse_while_moving(session, tenant)
    if tenant.status not in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED):
        raise Conflict(
            _(
                "Tenant '%(slug)s' is %(status)s; only an active or suspended tenant can be archived.",
                slug=slug,
                status=tenant.status,
            )
        )
    running = latest_job(session, tenant.id, "archive")
    if running is not None and _still_active(running):
        raise Conflict(
            _(
                "Tenant '%(slug)s' already has an archive job %(status)s (job %(id)s).",
                slug=slug,
                status=running.status,
                id=running.id,
            )
        )
    # Stop serving at once; the data stays until the dump has been written.
    tenant.status = TenantStatus.SUSPENDED
    tenant.status_changed_at = utcnow()
    job = TenantJob(tenant_id=tenant.id, kind="archive")
    session.add(job)
    session.flush()
    record(session, actor, "tenant.archive_requested", target=f"tenant:{slug}", tenant_slug=slug)
    return job


def add_domain(session: Session, actor: Actor, slug: str, domain: str, *, base_domain: str) -> TenantDomain:
    tenant = get_tenant(session, slug)
    # locked: a merge recording at the same moment waits for this domain, or this waits and sees the merge
    session.refresh(tenant, with_for_update=True)
    if tenant.status == TenantStatus.MERGED:  # its hosts only redirect: a new domain belongs to where it went
        raise Conflict(
            _(
                "Province '%(slug)s' was merged into '%(target)s': add the domain to '%(target)s'.",
                slug=slug,
                target=tenant.merged_into.slug,
            )
        )
    if tenant.status == TenantStatus.DELETED:
        raise Conflict(_("Province '%(slug)s' is deleted: it serves no domain.", slug=slug))
    value = normalise_domain(domain)
    if value == base_domain or value.endswith("." + base_domain):
        raise InvalidInput(
            _("Invalid domain."), {"domain": [_("'%(value)s' is under the platform domain.", value=value)]}
        )
    if session.scalar(select(TenantDomain.id).where(TenantDomain.domain == value)) is not None:
        raise Conflict(_("Domain '%(value)s' is already in use.", value=value))
    row = TenantDomain(tenant_id=tenant.id, domain=value)
    session.add(row)
    session.flush()
    record(session, actor, "tenant.domain_add", target=f"tenant:{slug}", tenant_slug=slug, domain=value)
    return row


def remove_domain(session: Session, actor: Actor, slug: str, domain: str) -> None:
    tenant = get_tenant(session, slug)
    row = session.scalar(
        select(TenantDomain).where(TenantDomain.tenant_id == tenant.id, TenantDomain.domain == domain.strip().lower())
    )
    if row is None:
        raise NotFound(_("Tenant '%(slug)s' has no domain '%(domain)s'.", slug=slug, domain=domain))
    session.delete(row)
    record(session, actor, "tenant.domain_remove", target=f"tenant:{slug}", tenant_slug=slug, domain=row.domain)


# -- job execution (runs in the worker) ----------------------------------------------------------
class JobReporter:
    """Writes a job's progress in its own short transactions so watchers see it while the work runs."""

    def __init__(self, db: Database, job_id: int):
        self.db = db
        self.job_id = job_id

    def _update(self, **values) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(update(TenantJob).where(TenantJob.id == self.job_id).values(**values))

    def start(self) -> None:
        self._update(status=JobStatus.RUNNING, started_at=utcnow(), progress=0, step="starting", error=None)

    def __call__(self, step: str, progress: int) -> None:
        self._update(step=step, progress=progress)

    def succeed(self) -> None:
        self._update(status=JobStatus.SUCCEEDED, progress=100, step="done", finished_at=utcnow())

    def fail(self, error: str) -> None:
        self._update(status=JobStatus.FAILED, error=error[:4000], finished_at=utcnow())


def load_job(db: Database, job_id: int, kind: str) -> tuple[TenantJob, Tenant]:
    with db.control_session() as session:
        job = get_job(session, job_id)
        if job.kind != kind:
            raise Conflict(
                _("Job %(job_id)s is a %(kind)s job, not %(kind2)s.", job_id=job_id, kind=job.kind, kind2=kind)
            )
        tenant = session.get(Tenant, job.tenant_id)
        assert tenant is not None
        return job, tenant


def seed_tenant(conn: Connection, binding: TenantBinding, tenant: Tenant, params: dict) -> None:
    """The areas seed what a new province needs (``signals.tenant_seeding``: its root unit, its working
    calendar); then, when given, its first administrator on the root unit."""
    conn.execution_options(schema_translate_map={None: binding.schema})
    with Session(bind=conn) as session:
        signals.tenant_seeding.send(session, tenant=tenant)
        admin = params.get("admin")
        if admin and admin.get("password_hash"):
            staff = StaffAccount(
                email=admin["email"], full_name=admin["full_name"], password_hash=admin["password_hash"]
            )
            staff.roles.append(StaffRole(role=StaffRoleName.TENANT_ADMIN, unit_id=unit_tree().root_id(session)))
            session.add(staff)
        session.flush()


def provision(db: Database, job_id: int, *, after_migrate: Callable[[Connection], None] | None = None) -> None:
    """Build the tenant's schema, role, tables and seed in one transaction; then mark it active."""
    job, tenant = load_job(db, job_id, "provision")
    if tenant.status != TenantStatus.PROVISIONING:
        raise Conflict(
            _("Tenant '%(slug)s' is %(status)s; nothing to provision.", slug=tenant.slug, status=tenant.status)
        )
    binding = db.binding(tenant.slug, server=tenant.server)
    report = JobReporter(db, job_id)
    report.start()
    started = time.perf_counter()
    try:
        with db.engine_for(binding.server).connect() as conn, conn.begin():
            report("creating schema and role", 10)
            create_role_and_schema(conn, binding)
            report("applying migrations", 30)
            upgrade_tenant_on(conn, binding)
            if after_migrate is not None:
                after_migrate(conn)
            report("seeding", 80)
            seed_tenant(conn, binding, tenant, job.params)
        with db.control_session() as session, session.begin():
            fresh = session.get(Tenant, tenant.id, with_for_update=True)
            fresh.status = TenantStatus.ACTIVE
            fresh.status_changed_at = utcnow()
            record(
                session,
                Actor("system", None, "provisioner"),
                "tenant.provisioned",
                target=f"tenant:{tenant.slug}",
                tenant_slug=tenant.slug,
                job_id=job_id,
            )
    except Exception as exc:
        log.exception("provisioning tenant %s failed", tenant.slug)
        report.fail(f"{type(exc).__name__}: {exc}")
        durations.PROVISIONING.labels("failed").observe(time.perf_counter() - started)
        raise
    report.succeed()
    durations.PROVISIONING.labels("provisioned").observe(time.perf_counter() - started)


def archive(db: Database, job_id: int, *, archive_dir: Path, pg_dump: str) -> Path:
    """Dump the tenant schema with pg_dump, then drop schema and role. The dump is written first, so a
    failure anywhere leaves the data in place."""
    _, tenant = load_job(db, job_id, "archive")
    binding = db.binding(tenant.slug, server=tenant.server)
    report = JobReporter(db, job_id)
    report.start()
    try:
        archive_dir.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = archive_dir / f"{tenant.slug}-{stamp}.dump"
        report("dumping schema with pg_dump", 20)
        url = make_url(db.url_for(binding.server))
        # The password goes in the environment, never on a command line other users can read.
        env = {**os.environ, "PGPASSWORD": url.password or ""}
        path.touch(mode=0o600)  # holds personal data and password hashes
        result = subprocess.run(
            [
                pg_dump,
                "--format=custom",
                f"--schema={binding.schema}",
                f"--file={path}",
                f"--dbname={conninfo(url.set(password=None).render_as_string())}",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"pg_dump failed: {result.stderr.strip()}")
        report("removing schema and role", 70)
        archived = (
            update(Tenant)
            .where(Tenant.id == tenant.id)
            .values(status=TenantStatus.ARCHIVED, archive_path=str(path), status_changed_at=utcnow())
        )
        with db.engine_for(binding.server).begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{binding.schema}" CASCADE'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{binding.role}"'))
            if binding.server == MAIN_SERVER:  # the control plane is on the same server: one transaction
                conn.execute(archived)
        if binding.server != MAIN_SERVER:  # the dump is written: a crash here leaves a tenant to archive again
            with db.engine.begin() as conn:
                conn.execute(archived)
        with db.control_session() as session, session.begin():
            record(
                session,
                Actor("system", None, "archiver"),
                "tenant.archived",
                target=f"tenant:{tenant.slug}",
                tenant_slug=tenant.slug,
                archive_path=str(path),
                job_id=job_id,
            )
    except Exception as exc:
        log.exception("archiving tenant %s failed", tenant.slug)
        report.fail(f"{type(exc).__name__}: {exc}")
        raise
    report.succeed()
    return path
