"""`motcua demo`: the five provinces of the source plans under their post-2025 names, each with a
realistic unit tree (provincial service centre, departments, communes with their own centres), a tenant
admin and an officer; plus a vendor admin on the platform host.

Unit codes follow the shape of the electronic identifiers (QĐ 20/2020: ``000.00.00.H15``); the
province letters are illustrative except where noted in docs/demo.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import click
from motcua_onestop.units.models import Unit, UnitKind
from motcua_platform.audit.services import cli_actor
from motcua_platform.auth import services as auth_services
from motcua_platform.auth.models import Operator, StaffAccount, StaffRoleName
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.directory.services import bump_content_version, get_tenant
from motcua_tenants.registry import services
from motcua_tenants.registry.cli import enqueue, watch
from sqlalchemy import select

DEMO_PASSWORD = "Sen-hong-giua-dam-48"  # noqa: S105 - published demo credential, printed by `motcua demo`
OPERATOR_EMAIL = "vanhanh@motcua.vn"

DEPARTMENTS = (
    ("01", "Sở Tư pháp"),
    ("02", "Sở Xây dựng"),
    ("03", "Sở Nông nghiệp và Môi trường"),
    ("04", "Sở Tài chính"),
    ("05", "Sở Y tế"),
    ("06", "Sở Công Thương"),
)


@dataclass(frozen=True)
class DemoProvince:
    slug: str
    name: str
    letters: str
    merged_from: str
    communes: tuple[str, ...]
    # the portal's colours (#rrggbb; each carries white text at 4.5:1 or more)
    primary_color: str = "#9b1c1c"
    secondary_color: str = "#ffc107"


PROVINCES = (
    DemoProvince(
        "phutho",
        "Tỉnh Phú Thọ",
        "H40",
        "Phú Thọ, Vĩnh Phúc, Hòa Bình",
        ("Phường Việt Trì", "Phường Vĩnh Yên", "Phường Hòa Bình", "Xã Thanh Sơn", "Xã Tam Đảo"),
        "#9b1c1c",
        "#f2c94c",
    ),
    DemoProvince(
        "tayninh",
        "Tỉnh Tây Ninh",
        "H49",
        "Tây Ninh, Long An",
        ("Phường Tân An", "Phường Tân Ninh", "Xã Đức Hòa", "Xã Cần Giuộc", "Xã Gò Dầu"),
        "#0b5394",
        "#ffd966",
    ),
    DemoProvince(
        "vinhlong",
        "Tỉnh Vĩnh Long",
        "H57",
        "Vĩnh Long, Bến Tre, Trà Vinh",
        ("Phường Thanh Đức", "Phường Bến Tre", "Phường Trà Vinh", "Xã Mỏ Cày", "Xã Cầu Ngang"),
        "#1e6b3a",
        "#f6b26b",
    ),
    DemoProvince(
        "angiang",
        "Tỉnh An Giang",
        "H01",
        "An Giang, Kiên Giang",
        ("Phường Long Xuyên", "Phường Rạch Giá", "Phường Châu Đốc", "Đặc khu Phú Quốc", "Xã Tri Tôn"),
        "#005f73",
        "#94d2bd",
    ),
    DemoProvince(
        "daklak",
        "Tỉnh Đắk Lắk",
        "H15",
        "Đắk Lắk, Phú Yên",
        ("Phường Buôn Ma Thuột", "Phường Tuy Hòa", "Xã Ea Kar", "Xã Krông Pắc", "Phường Sông Cầu"),
        "#7a3e00",
        "#ffc107",
    ),
)


def centre_name(province: DemoProvince) -> str:
    return f"Trung tâm Phục vụ hành chính công {province.name.removeprefix('Tỉnh ')}"


def seed_branding(runtime, province: DemoProvince) -> None:
    """The portal's colours, the province's service centre as its address and a footer, through the same
    service as the APIs (validated, audited). The source plans give no telephone number or e-mail for any
    province, so none is invented: a province's tenant admin adds them (PATCH /api/v1/branding). A brand
    the province has already edited is left alone."""
    from motcua_tenants.branding.services import update_branding

    with runtime.db.control_session() as control:
        tenant = get_tenant(control, province.slug)
        if tenant.branding:
            return  # already branded (by an earlier demo, or by the province itself)
        update_branding(
            control,
            cli_actor(),
            province.slug,
            {
                "primary_color": province.primary_color,
                "secondary_color": province.secondary_color,
                "address": centre_name(province),
                "footer": f"Hợp nhất từ: {province.merged_from}. Dữ liệu trình diễn của Motcua Cloud.",
            },
        )
        control.commit()


def portal_summary(config, provinces=None) -> list[str]:
    """What the demo prints last: each province's portal (its public URL), the demo citizen's login there,
    and, once, the password of every demo account."""
    lines = ["", "Citizen portals (the same demo citizen is registered on each):"]
    for province in PROVINCES if provinces is None else provinces:
        lines.append(f"  {province.name:<15} {config.public_url(f'{province.slug}.{config.base_domain}')}/")
    lines.append(f"  citizen login  {CITIZEN_EMAIL} or {CITIZEN_PHONE}")
    lines.append(f"\nPassword of every demo account above (operators, staff, citizen): {DEMO_PASSWORD}")
    return lines


def unit_code(province: DemoProvince, middle: str = "00", last: str = "00") -> str:
    return f"000.{last}.{middle}.{province.letters}"


def admin_email(province: DemoProvince) -> str:
    return f"quantri@{province.slug}.gov.vn"


def officer_email(province: DemoProvince) -> str:
    return f"canbo@{province.slug}.gov.vn"


def finance_email(province: DemoProvince) -> str:
    return f"ketoan@{province.slug}.gov.vn"


def seed_finance_viewer(runtime, province: DemoProvince) -> None:
    """The province's finance team: reads its usage, quota, invoices and alerts on /console/finance."""
    with runtime.db.tenant_session(runtime.db.binding(province.slug)) as session:
        if session.scalar(select(StaffAccount.id).where(StaffAccount.email == finance_email(province))) is not None:
            return  # already seeded
        root = session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
        auth_services.create_staff(
            session,
            cli_actor(),
            email=finance_email(province),
            full_name="Lê Thị Kế Toán",
            password=DEMO_PASSWORD,
            roles=[(StaffRoleName.FINANCE_VIEWER, root.id)],
            site=(province.slug, province.name),
        )
        session.commit()


# One demo citizen per province. Accounts belong to each province's portal, so the same person has one
# account on each (same e-mail and phone, registered independently).
CITIZEN_EMAIL = "congdan@example.vn"
CITIZEN_PHONE = "0912345678"


def seed_citizen(runtime, province: DemoProvince) -> None:
    from motcua_onestop.citizens import services as citizens

    with runtime.db.tenant_session(runtime.db.binding(province.slug)) as session:
        if citizens.find_by_login(session, CITIZEN_EMAIL) is not None:
            return  # already seeded
        citizens.register(
            session,
            citizens.Registration(
                full_name="Trần Thị Công Dân",
                password=DEMO_PASSWORD,
                email=CITIZEN_EMAIL,
                phone=CITIZEN_PHONE,
                national_id="066190001234",
            ),
            site=(province.slug, province.name),
        )
        session.commit()


def add_unit_tree(session, province: DemoProvince, root: Unit) -> tuple[Unit, Unit | None]:
    """Under ``root``: the province's service centre, its departments and its communes, each commune with its
    own centre; returns the provincial centre and the first commune's centre."""
    centre = Unit(
        kind=UnitKind.SERVICE_CENTRE,
        code=unit_code(province, "00", "99"),
        parent_id=root.id,
        name=centre_name(province),
    )
    session.add(centre)
    for number, name in DEPARTMENTS:
        session.add(Unit(kind=UnitKind.DEPARTMENT, code=unit_code(province, number), parent_id=root.id, name=name))
    first_commune_centre = None
    for index, commune_name in enumerate(province.communes, start=1):
        commune = Unit(
            kind=UnitKind.COMMUNE,
            code=unit_code(province, "50", f"{index:02d}"),
            parent_id=root.id,
            name=f"UBND {commune_name}",
        )
        session.add(commune)
        session.flush()
        commune_centre = Unit(
            kind=UnitKind.SERVICE_CENTRE,
            code=unit_code(province, "50", f"{index + 50:02d}"),
            parent_id=commune.id,
            name=f"Trung tâm Phục vụ hành chính công {commune_name}",
        )
        session.add(commune_centre)
        session.flush()
        first_commune_centre = first_commune_centre or commune_centre
    session.flush()
    return centre, first_commune_centre


def seed_units_and_staff(runtime, province: DemoProvince) -> None:
    binding = runtime.db.binding(province.slug)
    with runtime.db.tenant_session(binding) as session:
        root = session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
        if session.scalar(select(Unit.id).where(Unit.parent_id == root.id).limit(1)) is not None:
            return  # already seeded
        centre, first_commune_centre = add_unit_tree(session, province, root)
        if session.scalar(select(StaffAccount.id).where(StaffAccount.email == officer_email(province))) is None:
            auth_services.create_staff(
                session,
                cli_actor(),
                email=officer_email(province),
                full_name="Nguyễn Văn Cán Bộ",
                password=DEMO_PASSWORD,
                # the provincial centre, and the first commune (with its centre): every officer step of a
                # commune procedure there, reception, review and returning the result
                roles=[(StaffRoleName.OFFICER, centre.id), (StaffRoleName.OFFICER, first_commune_centre.parent_id)],
                site=(province.slug, province.name),
            )
        session.commit()
    with runtime.db.control_session() as control:  # a running server's cached unit lists must see the new units
        bump_content_version(control, get_tenant(control, province.slug).id, "units")
        control.commit()


FINANCE_EMAIL = "taichinh@motcua.vn"


def seed_billing(runtime) -> None:
    """A plan with the Đắk Lắk terms and a 2026 contract (pilot Jan–Jun, official from July) per province."""
    import datetime as dt

    from motcua_billing.catalog import services as billing
    from motcua_billing.catalog.daklak_terms import LEASE_VND, OFFICIAL_CHARGES, OVERAGE_BUDGET_VND, PILOT_CHARGES
    from motcua_billing.catalog.models import Contract, Plan

    with runtime.db.control_session() as session:
        if session.scalar(select(Plan.id).where(Plan.code == "thue_mot_cua")) is None:
            billing.create_plan(
                session,
                cli_actor(),
                code="thue_mot_cua",
                name="Thuê dịch vụ một cửa điện tử",
                annual_fee_vnd=LEASE_VND,
                overage_budget_vnd=OVERAGE_BUDGET_VND,
                charges=PILOT_CHARGES,
            )
        for province in PROVINCES:
            code = f"HD-2026-{province.slug.upper()}"
            if session.scalar(select(Contract.id).where(Contract.code == code)) is not None:
                continue
            billing.set_account(
                session,
                cli_actor(),
                province.slug,
                legal_name=f"Văn phòng UBND {province.name}",
                emails=[f"taichinh@{province.slug}.gov.vn"],
            )
            billing.create_contract(
                session,
                cli_actor(),
                tenant=province.slug,
                code=code,
                plan="thue_mot_cua",
                starts_on=dt.date(2026, 1, 1),
                ends_on=dt.date(2026, 12, 31),
                price_versions=[
                    {
                        "name": "Thí điểm",
                        "effective_from": dt.date(2026, 1, 1),
                        "annual_fee_vnd": LEASE_VND,
                        "charges": PILOT_CHARGES,
                    },
                    {
                        "name": "Giá chính thức",
                        "effective_from": dt.date(2026, 7, 1),
                        "annual_fee_vnd": LEASE_VND,
                        "charges": OFFICIAL_CHARGES,
                    },
                ],
            )
        if session.scalar(select(Operator.id).where(Operator.email == FINANCE_EMAIL)) is None:
            auth_services.create_operator(
                session,
                cli_actor(),
                email=FINANCE_EMAIL,
                full_name="Tài chính Motcua",
                password=DEMO_PASSWORD,
                role="finance",
            )
        session.commit()


def enable_plugins(runtime) -> None:
    """Every loaded plugin, for every demo province (idempotent)."""
    from motcua_platform.plugins.engine import active
    from motcua_tenants.tenant_plugins.services import set_plugin

    with runtime.db.control_session() as control:
        for province in PROVINCES:
            for plugin in active():
                set_plugin(control, runtime.db, cli_actor(), active(), province.slug, plugin.name, enabled=True)


# Real commune-level procedures the plugins do not define, with the national procedure database's columns
# (docs/demo.md): beside this module, so it ships in the wheel.
DEMO_CATALOGUE = "demo_catalogue.json"


def demo_catalogue() -> list[dict]:
    """The demo catalogue's procedures, as the catalogue importer reads a JSON file."""
    from importlib.resources import files

    from motcua_onestop.catalogue import exchange

    return exchange.parse_json(files("motcua_app").joinpath(DEMO_CATALOGUE).read_text(encoding="utf-8"))


def seed_catalogue(runtime, province: DemoProvince) -> int:
    """The demo catalogue's procedures into the province's catalogue, published, through the catalogue importer
    (every row checked, all or nothing, audited). A code the province already has, in any version, is left
    alone: a second run imports nothing, and a procedure the province retired stays retired. How many were
    imported."""
    from motcua_onestop.catalogue import exchange
    from motcua_onestop.catalogue.models import Procedure

    with runtime.db.tenant_session(runtime.db.binding(province.slug)) as session:
        present = set(session.scalars(select(Procedure.code).distinct()))
        missing = [entry for entry in demo_catalogue() if entry["ma_thu_tuc"] not in present]
        if not missing:
            return 0
        imported = exchange.import_records(session, cli_actor(), missing)
        session.commit()
    with runtime.db.control_session() as control:  # a running server's cached catalogue must see them
        bump_content_version(control, get_tenant(control, province.slug).id, "catalogue")
        control.commit()
    return imported


def seed_faq(runtime, province: DemoProvince) -> int:
    """The questions and answers made from the province's catalogue and the portal's own (idempotent: the
    second time adds nothing); how many were added."""
    import datetime as dt

    from motcua_onestop.faq import generate
    from motcua_platform.timezones import VIETNAM

    context = runtime.tenant_context(province.slug)
    with runtime.db.tenant_session(runtime.db.binding(province.slug)) as session:
        made = generate.make(session, cli_actor(), context.enabled, dt.datetime.now(VIETNAM).date())
        session.commit()
    return made.added


MARRIAGE = "1.000894"  # Đăng ký kết hôn: every demo province has the civil status plugin
MARRIAGE_FORM = {
    "husband_full_name": "Trần Văn Minh",
    "husband_citizen_id": "079090001111",
    "husband_date_of_birth": "1990-01-01",
    "wife_full_name": "Lê Thị Lan",
    "wife_citizen_id": "079092002222",
    "wife_date_of_birth": "1992-02-02",
    "residence": "Tổ dân phố 3",
}
HISTORY_DAYS = 120
HISTORY_DOSSIERS = 150


def seed_dossier_history(runtime, province: DemoProvince) -> int:
    """Four months of marriage registrations at the province's communes, moved through the real services with
    the clock of each step (so the statistics pages have something to show): about three in ten online, a few
    by post; most finished, a tenth of them late, some after a supplement; a few withdrawn, stopped or refused;
    the last weeks' still open. Seeded from the province's slug: the same history on every run. Only into a
    province with no dossier yet; how many were made."""
    import datetime as dt
    import random

    from motcua_onestop.dossiers import services as dossiers
    from motcua_onestop.dossiers.intake import services as intake
    from motcua_onestop.dossiers.models import Dossier
    from motcua_platform.audit.services import Actor
    from motcua_platform.plugins.engine import active
    from motcua_platform.timezones import VIETNAM

    binding = runtime.db.binding(province.slug)
    context = runtime.tenant_context(province.slug)
    actor = Actor("system", None, "demo")
    chance = random.Random(province.slug)
    with runtime.db.tenant_session(binding) as session:
        if session.scalar(select(Dossier.id).limit(1)) is not None:
            return 0
        root = session.scalar(select(Unit.id).where(Unit.parent_id.is_(None)))
        communes = list(session.scalars(select(Unit.id).where(Unit.kind == UnitKind.COMMUNE).order_by(Unit.code)))
        today = dt.datetime.now(VIETNAM).replace(hour=8, minute=0, second=0, microsecond=0)
        start = today - dt.timedelta(days=HISTORY_DAYS)
        made = 0
        for number in range(HISTORY_DOSSIERS):
            day = start + dt.timedelta(days=int(HISTORY_DAYS * number / HISTORY_DOSSIERS))
            if day.weekday() >= 5:
                day += dt.timedelta(days=7 - day.weekday())
            when = day + dt.timedelta(hours=chance.randint(0, 8), minutes=chance.randint(0, 59))
            if when >= today:
                continue
            draw = chance.random()
            channel = "online" if draw < 0.3 else "postal" if draw < 0.35 else "counter"
            unit = communes[int(len(communes) * chance.random() ** 1.5)]
            data = intake.Intake(MARRIAGE, unit, channel, f"Công dân {number + 1}", MARRIAGE_FORM, None, None)
            dossier = intake.intake(session, actor, {root}, active(), context, data, now=when)

            def move(status, at, comment=None, dossier=dossier):
                dossiers.transition(
                    session, actor, dossier, status, dossier.version, comment, tenant=context, now=min(at, today)
                )

            if channel == "online":
                if chance.random() < 0.05:
                    move(3, when + dt.timedelta(hours=3), "Hồ sơ chưa đúng thủ tục")
                    made += 1
                    continue
                move(2, when + dt.timedelta(hours=2))
            move(4, dossier.received_at + dt.timedelta(minutes=30))
            fate = chance.random()
            if fate < 0.03:
                move(7, dossier.received_at + dt.timedelta(days=1))
            elif fate < 0.06:
                move(8, dossier.received_at + dt.timedelta(days=2), "Không đủ điều kiện đăng ký")
            else:
                if fate < 0.18:  # a supplement asked and given
                    asked = dossier.received_at + dt.timedelta(days=1)
                    move(5, asked, "Bổ sung bản sao giấy xác nhận tình trạng hôn nhân")
                    move(4, asked + dt.timedelta(days=1))
                due = dossier.extended_due_at or dossier.due_at
                finish = due - dt.timedelta(days=chance.randint(0, 3)) if fate < 0.9 else due + dt.timedelta(days=2)
                if finish < today:
                    move(9, max(finish, dossier.received_at + dt.timedelta(hours=2)))
            made += 1
        session.commit()
    return made


def seed_signing(runtime, provinces=PROVINCES):
    """Demo keys for each province (motcua_app.demo_signing: a demo CA, the seal, the leader's own key, their
    registration, signature steps on the marriage registration), when the deployment sets no signing keys of
    its own (MOTCUA_SIGNING_KEYS_DIR unset); then the runtime points at them, and so does the environment, which
    `motcua run` hands to gunicorn's workers and the job worker. Where they are, or None when the deployment's
    own keys are used."""
    from motcua_app import demo_signing

    config = runtime.config
    if config.signing_keys_dir is not None:
        return None  # a deployment's own signing set-up: the demo adds nothing to it
    folder = demo_signing.folder_of(config.instance_path)
    for province in provinces:
        signing = demo_signing.set_up(
            runtime,
            folder,
            province.slug,
            agency=demo_signing.agency_name(province.name),
            leader_email=admin_email(province),
        )
    overrides = {"MOTCUA_SIGNING_KEYS_DIR": str(signing.keys_dir)}
    if config.signing_trust_list is None:  # a trust list of the deployment's own stays (demo signatures untrusted)
        overrides["MOTCUA_SIGNING_TRUST_LIST"] = str(signing.trust_list)
    os.environ.update(overrides)
    runtime.config = config.with_overrides(
        signing_keys_dir=signing.keys_dir, signing_trust_list=config.signing_trust_list or signing.trust_list
    )
    return signing


@click.command()
@click.option("--port", type=int, help="Port shown in the printed URLs (default: the port of MOTCUA_BIND).")
@click.option("--serve", is_flag=True, help="Then serve them: run `motcua run` in this process.")
@click.option(
    "--history/--no-history",
    default=True,
    help="Give each province without dossiers four months of them (default), for the statistics pages.",
)
@click.pass_context
def demo(ctx: click.Context, port: int | None, serve: bool, history: bool) -> None:
    """Provision the five demo provinces (idempotent) and print their URLs and logins."""
    from motcua_tenants.migrations.runner import upgrade_all

    runtime = ctx.obj.runtime
    upgrade_all(runtime.db, workers=runtime.config.migration_workers)
    job_ids = []
    with runtime.db.control_session() as session:
        if session.scalar(select(Operator.id).where(Operator.email == OPERATOR_EMAIL)) is None:
            auth_services.create_operator(
                session,
                cli_actor(),
                email=OPERATOR_EMAIL,
                full_name="Vận hành Motcua",
                password=DEMO_PASSWORD,
                role="admin",
            )
        for province in PROVINCES:
            tenant = session.scalar(select(Tenant).where(Tenant.slug == province.slug))
            if tenant is None:
                spec = services.TenantSpec(
                    slug=province.slug,
                    name=province.name,
                    unit_code=unit_code(province),
                    display_name=f"Cổng dịch vụ công {province.name}",
                )
                spec.set_admin(admin_email(province), f"Quản trị {province.name}", DEMO_PASSWORD)
                job_ids.append(
                    services.create_tenant(session, cli_actor(), spec, base_domain=runtime.config.base_domain)
                )
            elif tenant.status == TenantStatus.PROVISIONING:
                job_ids.append(services.retry_provision(session, cli_actor(), province.slug))
        session.commit()
    for job in job_ids:
        enqueue(runtime, job)
    if job_ids:
        finished = watch(runtime, [job.id for job in job_ids], run_worker=True)
        failed = [job for job in finished.values() if job.status != "succeeded"]
        if failed or len(finished) < len(job_ids):
            raise click.ClickException(
                "some provinces failed to provision: " + "; ".join(f"job {job.id}: {job.error}" for job in failed)
            )
    for province in PROVINCES:
        seed_units_and_staff(runtime, province)
        seed_finance_viewer(runtime, province)
        seed_citizen(runtime, province)
        seed_branding(runtime, province)
    enable_plugins(runtime)
    for province in PROVINCES:
        seed_catalogue(runtime, province)  # before the questions, which are made from the catalogue
        seed_faq(runtime, province)
    if history:
        for province in PROVINCES:
            seed_dossier_history(runtime, province)
    seed_billing(runtime)
    signing = seed_signing(runtime)  # after the history, whose dossiers finish without signature steps

    config = runtime.config
    if port is not None:
        config = config.with_overrides(bind=f"{config.bind.rsplit(':', 1)[0]}:{port}")
    base = config.base_domain
    click.echo(f"\nPlatform host   {config.public_url(base)}/   (API viewer: /api/docs)")
    click.echo(f"  operators' console  {config.public_url(base)}/operator")
    click.echo(f"  operator      {OPERATOR_EMAIL}")
    click.echo(f"  finance       {FINANCE_EMAIL}   (2026 contracts on the Đắk Lắk lease terms)")
    for province in PROVINCES:
        click.echo(
            f"{province.name:<15} {config.public_url(f'{province.slug}.{base}')}/   (merged: {province.merged_from})"
        )
        click.echo(f"  staff console {config.public_url(f'{province.slug}.{base}')}/console")
        click.echo(f"  tenant admin  {admin_email(province)}")
        click.echo(f"  officer       {officer_email(province)}")
        click.echo(f"  finance       {finance_email(province)}")
    if signing is not None:
        click.echo(
            "\nDigital signatures (demo keys, KHÔNG DÙNG THẬT): Đăng ký kết hôn (1.000894) is signed by the tenant"
            " admin and sealed at its last step (docs/demo.md#digital-signatures)."
        )
        click.echo(f"  keys and demo CA  {signing.keys_dir.parent}")
        if not serve:
            click.echo(
                f"  serve them with   MOTCUA_SIGNING_KEYS_DIR={config.signing_keys_dir}"
                f" MOTCUA_SIGNING_TRUST_LIST={config.signing_trust_list} motcua run"
            )
    search = f"{config.public_url(f'daklak.{base}')}/api/v1/procedures?q=dang+ky+khai+sinh"
    click.echo(f"\nSearch a catalogue: curl '{search}'")
    for line in portal_summary(config):  # last: what a citizen opens
        click.echo(line)
    if serve:
        from motcua_platform.cli import run

        click.echo("\nStarting the server (Ctrl-C or `motcua stop` stops it and the embedded database).\n")
        ctx.invoke(run, bind=config.bind)
    else:
        click.echo("\nThese URLs answer once the server runs: start it with `motcua run`; `motcua stop` stops it.")
