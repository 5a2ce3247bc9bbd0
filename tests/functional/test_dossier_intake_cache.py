"""Intake reads its receiving unit and procedure from a per-process cache keyed by the tenant's content
versions (dossiers.intake_lookup): a change made through the API is obeyed by the very next submission,
one tenant's rows never serve another, and a unit deleted behind the cache's back is refused cleanly."""

import datetime as dt

from dossier_support import MARRIAGE, citizen_client, intake_body
from motcua_onestop.dossiers.intake import lookup as intake_lookup
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.units.models import Unit, UnitKind
from sqlalchemy import func, select


def submit(citizen, seeded, unit=None):
    body = intake_body(seeded, "online")
    if unit is not None:
        body["receiving_unit_id"] = unit
    return citizen.post("/api/v1/dossiers", json=body)


def dossier_count(runtime) -> int:
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        return session.scalar(select(func.count()).select_from(Dossier))


def test_a_closed_unit_refuses_the_next_submission(alpha, host_client, seeded, runtime):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:  # opened a year ago
        session.get(Unit, seeded["alpha"].units["commune_a"]).valid_from = dt.date.today() - dt.timedelta(days=365)
        session.commit()
    citizen = citizen_client(host_client, seeded)
    assert submit(citizen, seeded).status_code == 201
    assert len(intake_lookup.UNITS._entries) == 1  # the unit is now served from the cache
    yesterday = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    closed = alpha.patch(f"/api/v1/units/{seeded['alpha'].units['commune_a']}", json={"valid_to": yesterday})
    assert closed.status_code == 200, closed.get_json()
    refused = submit(citizen, seeded)
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"receiving_unit_id": ["No such open unit."]}


def test_a_retired_procedure_refuses_the_next_submission(alpha, host_client, seeded):
    citizen = citizen_client(host_client, seeded)
    assert submit(citizen, seeded).status_code == 201
    assert len(intake_lookup.PROCEDURES._entries) == 1
    assert alpha.post(f"/api/v1/procedures/{MARRIAGE}/retire").status_code == 200
    assert submit(citizen, seeded).status_code == 404


def test_a_renamed_unit_code_numbers_the_next_dossier(alpha, host_client, seeded):
    citizen = citizen_client(host_client, seeded)
    first = submit(citizen, seeded).get_json()["code"]
    unit = seeded["alpha"].units["commune_a"]
    assert alpha.patch(f"/api/v1/units/{unit}", json={"code": "000.00.99.A09"}).status_code == 200
    second = submit(citizen, seeded).get_json()["code"]
    assert not first.startswith("000.00.99.A09-") and second.startswith("000.00.99.A09-")


def test_tenants_with_identical_ids_never_share_rows(alpha, host_client, seeded):
    """alpha and beta are seeded with the same unit and procedure ids: a unit re-coded in alpha leaves
    beta's dossiers numbered with beta's own code."""
    assert seeded["alpha"].units["commune_a"] == seeded["beta"].units["commune_a"]
    alpha_citizen, beta_citizen = citizen_client(host_client, seeded), citizen_client(host_client, seeded, "beta")
    beta_before = submit(beta_citizen, seeded).get_json()["code"]
    submit(alpha_citizen, seeded)
    assert len(intake_lookup.UNITS._entries) == 2
    unit = seeded["alpha"].units["commune_a"]
    assert alpha.patch(f"/api/v1/units/{unit}", json={"code": "000.00.99.A09"}).status_code == 200
    assert submit(alpha_citizen, seeded).get_json()["code"].startswith("000.00.99.A09-")
    beta_after = submit(beta_citizen, seeded).get_json()["code"]
    assert beta_after.rsplit("-", 2)[0] == beta_before.rsplit("-", 2)[0] != "000.00.99.A09"


def test_a_unit_deleted_behind_the_cache_is_refused_and_nothing_is_written(host_client, seeded, runtime):
    """Another process deleted the unit and this one has not seen the version bump yet."""
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        unit = Unit(kind=UnitKind.COMMUNE, code="000.00.77.A07", name="Xã Tạm", parent_id=seeded["alpha"].units["root"])
        session.add(unit)
        session.commit()
        unit_id = unit.id
    citizen = citizen_client(host_client, seeded)
    bad_form = intake_body(seeded, "online", form={}) | {"receiving_unit_id": unit_id}
    assert citizen.post("/api/v1/dossiers", json=bad_form).status_code == 422  # the lookup is cached first
    assert any(key[2] == unit_id for key in intake_lookup.UNITS._entries)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        session.delete(session.get(Unit, unit_id))  # no version bump: as seen from this process
        session.commit()
    before = dossier_count(runtime)
    refused = submit(citizen, seeded, unit=unit_id)
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["errors"] == {"receiving_unit_id": ["No such open unit."]}
    assert dossier_count(runtime) == before
