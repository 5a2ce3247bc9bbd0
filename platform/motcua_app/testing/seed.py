"""Test data: two tenants provisioned through the real code and seeded with the same ids."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from motcua_onestop.units.models import Unit, UnitKind
from motcua_platform.audit.services import Actor
from motcua_platform.auth import services as auth
from motcua_platform.auth.models import Operator, OperatorRole, StaffRoleName
from motcua_platform.plugins.engine import active
from motcua_platform.runtime import Runtime
from motcua_platform.tenant_context import TenantContext
from motcua_tenants.registry import services as registry
from motcua_tenants.tenant_plugins.services import set_plugin
from sqlalchemy import select

SEED_ACTOR = Actor("system", None, "test-seed")
# The seed's logins come from addresses of their own: they are counted per address and minute
# (MOTCUA_ACCOUNT_ATTEMPTS_PER_MINUTE), and must not spend the budget of the tests that run right after. Each
# seeding takes the next address of a documentation range (TEST-NET-2), so that tests seeding tenants one after
# the other (a fresh tenant per test) never reach the budget either, however fast they run.
_SEED_ADDRESSES = itertools.count()


def seed_address() -> str:
    return f"198.51.100.{next(_SEED_ADDRESSES) % 250 + 1}"


@dataclass
class SeededTenant:
    slug: str
    host: str
    admin_token: str
    tokens: dict[str, str] = field(default_factory=dict)
    # unit ids, identical in every seeded tenant
    units: dict[str, int] = field(default_factory=dict)
    # staff ids by role name
    staff: dict[str, int] = field(default_factory=dict)
    # the seeded citizen account (citizen@<slug>.test, phone 0912345678), identical id in every tenant
    citizen_id: int = 0
    citizen_token: str = ""
    # the tenant's context as a job builds it (every plugin enabled), for tests that call services directly
    context: TenantContext | None = None


def provision_now(runtime: Runtime, slug: str, name: str, unit_code: str) -> None:
    """Create and provision a tenant synchronously (no queue), committing as production does."""
    with runtime.db.control_session() as session:
        job = registry.create_tenant(
            session,
            SEED_ACTOR,
            registry.TenantSpec(slug=slug, name=name, unit_code=unit_code),
            base_domain=runtime.config.base_domain,
        )
        session.commit()
    registry.provision(runtime.db, job.id)


def _login(app, host: str, email: str, password: str, address: str) -> str:
    response = app.test_client().post(
        "/api/v1/auth/login",
        headers={"Host": host},
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def _seed_citizen(session, slug: str, password: str) -> tuple[int, str]:
    """One citizen account and a token for it (created through the services, not HTTP, so the seed does
    not use up the per-address login budget the tests exercise)."""
    from motcua_onestop.citizens import services as citizens

    account = citizens.register(
        session,
        citizens.Registration(
            full_name="Nguyễn Văn Dân",
            password=password,
            email=f"citizen@{slug}.test",
            phone="0912345678",
            national_id="079090001111",
        ),
        site=(slug,),
    )
    token, _, _ = citizens.login(
        session, identifier=account.email, password=password, scope=slug, policy=auth.LoginPolicy()
    )
    return account.id, token


def seed_identical_tenants(runtime: Runtime, app, *, password: str) -> dict[str, SeededTenant]:
    base = runtime.config.base_domain
    result: dict[str, SeededTenant] = {}
    with runtime.db.control_session() as session:
        if session.scalar(select(Operator.id).where(Operator.email == "admin@vendor.test")) is None:
            auth.create_operator(
                session,
                SEED_ACTOR,
                email="admin@vendor.test",
                full_name="Vendor Admin",
                password=password,
                role=OperatorRole.ADMIN,
            )
            auth.create_operator(
                session,
                SEED_ACTOR,
                email="ops@vendor.test",
                full_name="Vendor Operator",
                password=password,
                role=OperatorRole.OPERATOR,
            )
            auth.create_operator(
                session,
                SEED_ACTOR,
                email="finance@vendor.test",
                full_name="Vendor Finance",
                password=password,
                role=OperatorRole.FINANCE,
            )
            session.commit()
    address = seed_address()
    platform = SeededTenant("platform", base, _login(app, base, "admin@vendor.test", password, address))
    platform.tokens = {
        "operator": _login(app, base, "ops@vendor.test", password, address),
        "finance": _login(app, base, "finance@vendor.test", password, address),
    }
    result["platform"] = platform

    for slug, name, letter in (("alpha", "Tỉnh Alpha", "A01"), ("beta", "Tỉnh Beta", "B01")):
        result[slug] = seed_tenant(runtime, app, slug, name, letter, password=password)
    assert result["alpha"].units == result["beta"].units, "seeded tenants must share ids"
    assert result["alpha"].staff == result["beta"].staff, "seeded tenants must share ids"
    assert result["alpha"].citizen_id == result["beta"].citizen_id, "seeded tenants must share ids"
    return result


def seed_tenant(runtime: Runtime, app, slug: str, name: str, letter: str, *, password: str) -> SeededTenant:
    """Provision ``slug`` and give it a unit tree (a department and two communes under the province, a
    service centre under commune A), four staff (admin, officer at commune A, commune admin, finance), one
    citizen and every plugin; ``letter`` makes its unit codes its own."""
    provision_now(runtime, slug, name, f"000.00.00.{letter}")
    seeded = SeededTenant(slug, f"{slug}.{runtime.config.base_domain}", admin_token="")
    with runtime.db.tenant_session(runtime.db.binding(slug)) as session:
        root = session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
        units = {"root": root}
        for key, kind, parent, code in (
            ("department", UnitKind.DEPARTMENT, "root", "01"),
            ("commune_a", UnitKind.COMMUNE, "root", "51"),
            ("commune_b", UnitKind.COMMUNE, "root", "52"),
            ("centre_a", UnitKind.SERVICE_CENTRE, "commune_a", "53"),
        ):
            unit = Unit(kind=kind, code=f"000.00.{code}.{letter}", name=f"{key} of {name}", parent_id=units[parent].id)
            session.add(unit)
            session.flush()
            units[key] = unit
        for key, role, unit_key in (
            ("admin", StaffRoleName.TENANT_ADMIN, "root"),
            ("officer", StaffRoleName.OFFICER, "commune_a"),
            ("commune_admin", StaffRoleName.TENANT_ADMIN, "commune_a"),
            ("finance", StaffRoleName.FINANCE_VIEWER, "root"),
        ):
            staff = auth.create_staff(
                session,
                SEED_ACTOR,
                email=f"{key}@{slug}.test",
                full_name=f"{key} {name}",
                password=password,
                roles=[(role, units[unit_key].id)],
                site=(slug, name),
            )
            seeded.staff[key] = staff.id
        seeded.units = {key: unit.id for key, unit in units.items()}
        seeded.citizen_id, seeded.citizen_token = _seed_citizen(session, slug, password)
        session.commit()
    with runtime.db.control_session() as control:
        for plugin in active():
            set_plugin(control, runtime.db, SEED_ACTOR, active(), slug, plugin.name, enabled=True)
    address = seed_address()
    seeded.tokens = {key: _login(app, seeded.host, f"{key}@{slug}.test", password, address) for key in seeded.staff}
    seeded.admin_token = seeded.tokens["admin"]
    seeded.context = runtime.tenant_context(slug)
    return seeded
